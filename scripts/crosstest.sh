#!/usr/bin/env bash
# crosstest.sh: run the interpreter's and the gallery's tests as arm64 and
# armv7 binaries under qemu-user (Debian qemu-user-static), which proves the
# NEON kernels and the portable code on the Pi's architectures without a Pi.
# Called by `make crosstest`.
#
# usage: scripts/crosstest.sh [-v]
#
# Three runs, each `go test -exec qemu-…-static` from the package folders
# (the tests find models/ and the faces folder as they do natively):
#   arm64         ./infer/tflite/ ./gallery/, every test: NEON kernels (the
#                 default path), golden tests (float TestGolden, int8
#                 TestInt8Golden*), kernel tests on every path, whole models
#                 on every path and thread count, op tests, fuzz seed corpora.
#   arm64 purego  the same with the portable kernels. arm64 is where this
#                 matters: Go fuses x*y+z into one FMADD there unless the
#                 product is converted to float32 first, so portable code
#                 can drift from the kernel definitions on arm64 while
#                 agreeing with them on amd64.
#   armv7         the same with GOARM=7 (32-bit NEON int8 kernels, portable
#                 float kernels).
# Left out under emulation (native `go test ./...` runs them all):
#   $heavy  in every run: gallery's TestDevGalleryInt8Ranking runs the
#           detector and MobileFaceNet on every dev image (minutes under
#           emulation); the int8 kernels it relies on are checked bit for bit
#           by TestKernels8.
#   $slow   in the purego and armv7 runs: whole-model tests that cost tens
#           of seconds of CPU each under emulation and check nothing
#           architecture-specific that TestGolden (same models, same
#           kernels) does not, and TestGolden's FaceAntiSpoofing cases (about
#           85% of its time under emulation; the other four models use the
#           same kernels). TestGraphLiteRT (our flatbuffer writer against
#           LiteRT.js, nothing architecture-specific) is among them also
#           because it runs `npm ci` in bench/litert, which the parallel runs
#           would race on. The arm64 run keeps them.
#
# Outside CI a missing qemu-user-static is a skip with a message; with
# CI=true it is a failure. Timings under qemu mean nothing: never quote them
# as speed.
set -euo pipefail
cd "$(dirname "$0")/.."

verbose=()
[ "${1:-}" = -v ] && verbose=(-v)

heavy='^TestDevGalleryInt8Ranking$'
slow=$heavy'|^(TestRealModelsLoadAndDescribe|TestModelsIdenticalOnEveryPath|TestThreadsGiveIdenticalResults|TestMobileFaceNetBatchOneMatchesStoredBatch|TestResizeInputErrors|TestGraphRoundTrip|TestGraphLiteRT)$|^TestGolden$/^FaceAntiSpoofing$'

missing=()
for q in qemu-aarch64-static qemu-arm-static; do
  command -v "$q" >/dev/null || missing+=("$q")
done
if [ ${#missing[@]} -gt 0 ]; then
  msg="crosstest: ${missing[*]} not found (Debian package qemu-user-static: make setup)"
  if [ "${CI:-}" = true ]; then
    echo "$msg" >&2
    exit 1
  fi
  echo "$msg; skipping the arm64/armv7 tests" >&2
  exit 0
fi

export CGO_ENABLED=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The three runs go in parallel (each is mostly one test binary's single
# thread under emulation); their output is shown run by run at the end.
# usage: start NAME GOARCH GOARM [go test arguments...]
names=()
pids=()
start() {
  local name=$1 arch=$2 arm=$3
  shift 3
  echo "crosstest: $name: GOARCH=$arch${arm:+ GOARM=$arm} go test $*" >&2
  (
    s=$SECONDS
    if GOARCH=$arch GOARM=$arm go test -count=1 -timeout 20m "${verbose[@]}" "$@" >"$tmp/$name.log" 2>&1; then
      echo "crosstest: $name: ok ($((SECONDS - s)) s wall under emulation)" >>"$tmp/$name.log"
    else
      echo "crosstest: $name: FAILED" >>"$tmp/$name.log"
      exit 1
    fi
  ) &
  names+=("$name")
  pids+=($!)
}

start arm64 arm64 "" -exec qemu-aarch64-static -skip "$heavy" ./infer/tflite/ ./gallery/
start arm64-purego arm64 "" -tags purego -exec qemu-aarch64-static -skip "$slow" ./infer/tflite/ ./gallery/
start armv7 arm 7 -exec qemu-arm-static -skip "$slow" ./infer/tflite/ ./gallery/

failed=()
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${names[$i]}")
  cat "$tmp/${names[$i]}.log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "crosstest: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "crosstest: arm64, arm64 purego and armv7 passed"
