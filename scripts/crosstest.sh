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
# The purego and armv7 runs leave out $slow: whole-model tests that under
# emulation cost tens of seconds of CPU each and check nothing
# architecture-specific that TestGolden (same models, same kernels) does not;
# the arm64 run and native `go test ./...` keep them.
#
# Outside CI a missing qemu-user-static is a skip with a message; with
# CI=true it is a failure. Timings under qemu mean nothing: never quote them
# as speed.
set -euo pipefail
cd "$(dirname "$0")/.."

verbose=()
[ "${1:-}" = -v ] && verbose=(-v)

slow='^(TestRealModelsLoadAndDescribe|TestModelsIdenticalOnEveryPath|TestThreadsGiveIdenticalResults|TestMobileFaceNetBatchOneMatchesStoredBatch|TestInvokeAllocatesNothing|TestResizeInputErrors|TestGraphRoundTrip)$'

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
failed=()
run() {
  local name=$1
  shift
  echo "crosstest: $name: go test $*" >&2
  local start=$SECONDS
  if go test -count=1 -timeout 30m "${verbose[@]}" "$@"; then
    echo "crosstest: $name: ok ($((SECONDS - start)) s wall under emulation)" >&2
  else
    echo "crosstest: $name: FAILED" >&2
    failed+=("$name")
  fi
}

GOARCH=arm64 run arm64 -exec qemu-aarch64-static ./infer/tflite/ ./gallery/
GOARCH=arm64 run "arm64 purego" -tags purego -exec qemu-aarch64-static -skip "$slow" ./infer/tflite/ ./gallery/
GOARCH=arm GOARM=7 run armv7 -exec qemu-arm-static -skip "$slow" ./infer/tflite/ ./gallery/

if [ ${#failed[@]} -gt 0 ]; then
  echo "crosstest: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "crosstest: arm64, arm64 purego and armv7 passed" >&2
