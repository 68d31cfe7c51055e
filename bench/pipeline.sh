#!/usr/bin/env bash
# pipeline.sh: end-to-end latency of facegated on replayed 640×480 frames
# (the demo's synthesised walk-ups, 2 interpreter threads), against the
# reference: BlazeFace short-range + MobileFaceNet (batch 1) in Google's
# runtime (LiteRT.js, bench/litert/bench.mjs), measured in the same run.
#
# Figures (from `facegated -demo -check`, frames processed in lockstep so
# none is dropped):
#   face frame: frame capture → policy decision, for frames whose face was
#               detected, checked and embedded (the full path a grant takes)
#   grant:      frame capture → door command, per grant (few per run)
#
# Usage: bench/pipeline.sh   (FRAMES=N, default 288 = four passes of each face;
#                             RUNS=N LiteRT timed runs, default 30)
# Ends with:
#   pipeline: p50_ms=<x> p95_ms=<y> reference_ms=<LiteRT BlazeFace+MobileFaceNet median>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
models=${MODELS:-models}
frames=${FRAMES:-288}
runs=${RUNS:-30}

for tool in go node npm; do
  command -v "$tool" >/dev/null || { echo "pipeline.sh: $tool is not installed" >&2; exit 1; }
done
for m in face_detection_short_range.tflite MobileFaceNet.tflite; do
  [ -f "$models/$m" ] || { echo "pipeline.sh: $models/$m missing: run make models" >&2; exit 1; }
done

want=$(node -p "require('./bench/litert/package.json').dependencies['@litertjs/core']")
have=$(node -p "try { require('./bench/litert/node_modules/@litertjs/core/package.json').version } catch { '' }")
if [ "$have" != "$want" ]; then
  echo "pipeline.sh: npm ci in bench/litert" >&2
  (cd bench/litert && npm ci --no-audit --no-fund --loglevel=error)
fi
quiet() { grep -v -e '^INFO: ' -e 'WebGPU' -e 'navigator is not defined' -e '^    at ' -e 'NPU accelerator' >&2 || true; }
median() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(o.median_ms)'; }

echo "pipeline.sh: LiteRT.js reference (one thread, $runs runs)..." >&2
det=$(node bench/litert/bench.mjs "$models/face_detection_short_range.tflite" --runs "$runs" --warmup 5 2> >(quiet) | median)
emb=$(node bench/litert/bench.mjs "$models/MobileFaceNet.tflite" --batch 1 --runs "$runs" --warmup 5 2> >(quiet) | median)
ref=$(awk -v a="$det" -v b="$emb" 'BEGIN { printf "%.1f", a + b }')
echo "reference: litert blazeface_ms=$det mobilefacenet_b1_ms=$emb sum_ms=$ref"

echo "pipeline.sh: facegated pipeline ($frames frames)..." >&2
# The demo's faces (python3-skimage); scripts/demo.sh fetches them.
if [ ! -f .demo/astronaut.png ] || [ ! -f .demo/camera.png ]; then
  bash scripts/demo.sh --check -frames 1 >/dev/null 2>&1 || true
fi
out=$(go run ./cmd/facegated -demo -check -frames "$frames" -demo-dir .demo -models "$models")
echo "$out" | grep '^demo-check:'
line=$(echo "$out" | grep '^demo-check: face_frame_ms')
p50=$(echo "$line" | sed -E 's/.*face_frame_ms p50=([0-9.]+).*/\1/')
p95=$(echo "$line" | sed -E 's/.*face_frame_ms p50=[0-9.]+ p95=([0-9.]+).*/\1/')
ratio=$(awk -v a="$p50" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
echo "pipeline: ratio_p50_to_reference=$ratio (target ≤ 4 with portable Go kernels, ≤ 1 after the speed issue)"
echo "pipeline: p50_ms=$p50 p95_ms=$p95 reference_ms=$ref"
