#!/usr/bin/env bash
# golden.sh: regenerate infer/tflite/testdata/golden, the reference outputs of
# Google's runtime (LiteRT.js @litertjs/core, pinned in bench/litert) for the
# fixed inputs of infer/tflite/internal/golden (a pattern per model and two
# face crops from ../shared/faces/dev).
#
# The inputs are written to a temporary folder and deleted afterwards: face
# images and tensors made from them are never committed. Only the outputs and
# manifest.json land in the repository.
#
# It also writes infer/tflite/testdata/golden/int8: LiteRT's outputs for the
# single-op int8 models of infer/tflite/int8cases_test.go (QUANTIZE → op →
# DEQUANTIZE). The Go test generates the models and inputs from fixed seeds
# (-int8dump), LiteRT runs them, and the manifest records the sha256 of each
# model and input LiteRT ran, which TestInt8Golden checks before requiring
# equal outputs. When make models has written the quantized models
# (MobileFaceNet-int8.tflite, face_detection_short_range-int8.tflite), their
# outputs on golden inputs are recorded too (TestInt8GoldenModels). Needs Go, Node >= 20, npm, models/
# (make models) and the faces folder ($FACEGATE_FACES or ../shared/faces).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
models=${MODELS:-models}
dest=infer/tflite/testdata/golden
faces=${FACEGATE_FACES:-$(dirname "$root")/shared/faces}/dev

for tool in go node npm; do
  command -v "$tool" >/dev/null || { echo "golden.sh: $tool is not installed" >&2; exit 1; }
done
[ -d "$models" ] || { echo "golden.sh: $models/ is missing: run make models" >&2; exit 1; }
[ -d "$faces" ] || { echo "golden.sh: faces folder $faces is missing (set FACEGATE_FACES)" >&2; exit 1; }

echo "golden.sh: npm ci in bench/litert" >&2
(cd bench/litert && npm ci --no-audit --no-fund --loglevel=error)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/in" "$tmp/out" "$tmp/int8in" "$tmp/int8out"

go run ./infer/tflite/internal/golden/cmd/goldeninputs -out "$tmp/in" -faces "$faces"
# LiteRT's WASM logs INFO lines and a WebGPU warning on stderr; keep ours.
node bench/litert/golden.mjs --inputs "$tmp/in" --out "$tmp/out" --models "$models" \
  2> >(grep -v -e '^INFO: ' -e 'WebGPU' -e 'navigator is not defined' -e '^    at ' -e 'NPU accelerator' >&2)

go test -count=1 -run '^TestInt8Golden$' ./infer/tflite/ -args -int8dump "$tmp/int8in" -int8models "$(cd "$models" && pwd)" >/dev/null
# LiteRT prints ERROR lines (and still returns outputs) when a model fails to
# prepare: treat any as fatal rather than record garbage.
node bench/litert/golden.mjs --inputs "$tmp/int8in" --out "$tmp/int8out" --models "$tmp/int8in" 2>"$tmp/int8.log" || {
  cat "$tmp/int8.log" >&2
  exit 1
}
grep -v -e '^INFO: ' -e 'WebGPU' -e 'navigator is not defined' -e '^    at ' -e 'NPU accelerator' "$tmp/int8.log" >&2 || true
if grep -q '^ERROR' "$tmp/int8.log"; then
  echo "golden.sh: LiteRT reported errors on the int8 cases" >&2
  exit 1
fi

mkdir -p "$dest" "$dest/int8"
rm -f "$dest"/*.f32 "$dest"/manifest.json "$dest"/int8/*.f32 "$dest"/int8/manifest.json
cp "$tmp/out"/* "$dest"/
cp "$tmp/int8out"/* "$dest"/int8/
echo "golden.sh: wrote $(ls "$dest" | wc -l) files, $(du -sh "$dest" | cut -f1), into $dest" >&2
