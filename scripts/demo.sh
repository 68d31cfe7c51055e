#!/usr/bin/env bash
# demo.sh [--check] [facegated demo flags…]: prepare the demo faces and run
# `facegated -demo`: an embedded MQTT broker on loopback, a replay camera of
# synthesised walk-ups, the simulated door and a live terminal view.
#
#   make demo         interactive view, Ctrl-C to stop
#   make demo-check   headless: one line per decision, exits non-zero unless
#                     the enrolled face was granted and the stranger denied
#
# The demo faces come from Debian's python3-skimage (public-domain
# astronaut.png, enrolled, and camera.png, the stranger): the package is
# downloaded with `apt-get download` and unpacked with `dpkg-deb -x` into a
# temporary folder — nothing is installed and no image is committed to the
# repository. Pass `--faces DIR` (DIR/<person>/*.jpg; folders named
# stranger*/unknown* are not enrolled) to use your own photos instead.
set -euo pipefail
cd "$(dirname "$0")/.."

check=()
args=()
for a in "$@"; do
  case "$a" in
    --check) check=(-check) ;;
    *) args+=("$a") ;;
  esac
done

demo_dir=.demo
models=${MODELS:-models}

for m in face_detection_short_range.tflite MobileFaceNet.tflite; do
  if [ ! -f "$models/$m" ]; then
    echo "demo: $models/$m missing: run \`make models\` first" >&2
    exit 1
  fi
done

fetch_faces() {
  local tmp deb
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  echo "demo: fetching python3-skimage (apt-get download) for the demo faces" >&2
  if ! (cd "$tmp" && apt-get download python3-skimage >/dev/null 2>"$tmp/err"); then
    # No package lists yet (fresh machine or container): update them once.
    echo "demo: apt-get download failed ($(tail -1 "$tmp/err")); running apt-get update" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    (cd "$tmp" && apt-get download python3-skimage >/dev/null) || {
      echo "demo: ERROR: cannot download python3-skimage; use --faces DIR with your own photos" >&2
      return 1
    }
  fi
  deb=$(ls "$tmp"/python3-skimage_*.deb)
  dpkg-deb -x "$deb" "$tmp/x"
  mkdir -p "$demo_dir"
  for f in astronaut.png camera.png; do
    src=$(find "$tmp/x" -path "*/skimage/data/$f" | head -1)
    if [ -z "$src" ]; then
      echo "demo: ERROR: $f not found in $(basename "$deb")" >&2
      return 1
    fi
    cp "$src" "$demo_dir/$f"
  done
  echo "demo: faces from $(basename "$deb") in $demo_dir/" >&2
}

use_faces=1
for a in "${args[@]+"${args[@]}"}"; do
  case "$a" in
    -faces|--faces|-faces=*|--faces=*) use_faces=0 ;;
  esac
done
if [ "$use_faces" = 1 ] && { [ ! -f "$demo_dir/astronaut.png" ] || [ ! -f "$demo_dir/camera.png" ]; }; then
  fetch_faces
fi

mkdir -p bin
go build -o bin/facegated ./cmd/facegated
exec bin/facegated -demo "${check[@]+"${check[@]}"}" -demo-dir "$demo_dir" -models "$models" "${args[@]+"${args[@]}"}"
