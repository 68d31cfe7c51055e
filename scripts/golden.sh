#!/usr/bin/env bash
# golden.sh: regenerate infer/tflite/testdata/golden, the reference outputs of
# Google's runtime (LiteRT.js @litertjs/core, pinned in bench/litert) for the
# fixed inputs of infer/tflite/internal/golden (a pattern per model and two
# face crops from ../shared/faces/dev).
#
# The inputs are written to a temporary folder and deleted afterwards: face
# images and tensors made from them are never committed. Only the outputs and
# manifest.json land in the repository. Needs Go, Node >= 20, npm, models/
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
mkdir "$tmp/in" "$tmp/out"

go run ./infer/tflite/internal/golden/cmd/goldeninputs -out "$tmp/in" -faces "$faces"
# LiteRT's WASM logs INFO lines and a WebGPU warning on stderr; keep ours.
node bench/litert/golden.mjs --inputs "$tmp/in" --out "$tmp/out" --models "$models" \
  2> >(grep -v -e '^INFO: ' -e 'WebGPU' -e 'navigator is not defined' -e '^    at ' -e 'NPU accelerator' >&2)

mkdir -p "$dest"
rm -f "$dest"/*.f32 "$dest"/manifest.json
cp "$tmp/out"/* "$dest"/
echo "golden.sh: wrote $(ls "$dest" | wc -l) files, $(du -sh "$dest" | cut -f1), into $dest" >&2
