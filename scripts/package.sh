#!/usr/bin/env bash
# package.sh: build facegate .deb packages for arm64, armhf and amd64 with
# nfpm (github.com/goreleaser/nfpm/v2, pinned, installed with `go install`
# into bin/tools), verify the systemd unit, and check the amd64 package by
# installing it with dpkg -i (as root or through sudo), running its binaries
# and purging it again. Packages land in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

NFPM_VERSION=v2.43.0   # v2.44+ needs modules the proxy does not serve here
MODELS=${MODELS:-models}
root=$PWD
export MODELS

for m in face_detection_short_range.tflite face_detection_full_range.tflite MobileFaceNet.tflite face_landmark.tflite \
         MobileFaceNet-int8.tflite face_detection_short_range-int8.tflite; do
  [ -f "$MODELS/$m" ] || { echo "package: $MODELS/$m missing: run \`make models\`" >&2; exit 1; }
done

count=$(git rev-list --count HEAD 2>/dev/null || echo 0)
hash=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION=${VERSION:-0.1.0+git${count}.${hash}}
export VERSION

nfpm=$root/bin/tools/nfpm
if [ ! -x "$nfpm" ] || [ "$(cat "$nfpm.version" 2>/dev/null)" != "$NFPM_VERSION" ]; then
  echo "package: installing nfpm $NFPM_VERSION" >&2
  GOBIN=$root/bin/tools CGO_ENABLED=0 go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"
  echo "$NFPM_VERSION" >"$nfpm.version"
fi

# The unit must pass systemd-analyze verify (ExecStart pointed at the build).
mkdir -p bin/amd64
CGO_ENABLED=0 GOARCH=amd64 go build -trimpath -o bin/amd64/ ./cmd/facegated ./cmd/facegate
if command -v systemd-analyze >/dev/null; then
  unit=$(mktemp -d)/facegated.service
  sed "s|/usr/bin/facegated|$root/bin/amd64/facegated|g" systemd/facegated.service >"$unit"
  systemd-analyze verify "$unit"
  rm -rf "$(dirname "$unit")"
  echo "package: systemd-analyze verify systemd/facegated.service: ok"
else
  echo "package: ERROR: systemd-analyze missing (apt-get install systemd; see scripts/apt-packages.txt)" >&2
  exit 1
fi

rm -rf dist && mkdir -p dist
for target in amd64:amd64: arm64:arm64: armhf:arm:7; do
  IFS=: read -r ARCH goarch goarm <<<"$target"
  export ARCH
  BINDIR=$root/bin/$ARCH
  export BINDIR
  mkdir -p "$BINDIR"
  CGO_ENABLED=0 GOARCH=$goarch GOARM=$goarm go build -trimpath -o "$BINDIR/" ./cmd/facegated ./cmd/facegate
  # nfpm does not expand the environment in every field: fill the
  # placeholders of deb/nfpm.yaml here.
  conf=$(mktemp --suffix=.yaml)
  sed -e "s|\${ARCH}|$ARCH|g" -e "s|\${VERSION}|$VERSION|g" \
      -e "s|\${BINDIR}|$BINDIR|g" -e "s|\${MODELS}|$MODELS|g" deb/nfpm.yaml >"$conf"
  "$nfpm" package --config "$conf" --packager deb --target dist/ >/dev/null
  rm -f "$conf"
  deb=$(ls dist/facegate_*_"$ARCH".deb)
  got=$(dpkg-deb -f "$deb" Architecture)
  [ "$got" = "$ARCH" ] || { echo "package: ERROR: $deb says Architecture $got" >&2; exit 1; }
  echo "package: $deb ($(du -h "$deb" | cut -f1))"
done

# Install check of the amd64 package.
sudo=""
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then sudo=sudo; else
    echo "package: not root and no passwordless sudo: skipping the dpkg -i check" >&2
    exit 0
  fi
fi
if dpkg-query -W -f='${Status}' facegate 2>/dev/null | grep -q "install ok installed"; then
  echo "package: facegate is already installed on this machine: skipping the dpkg -i check to leave it alone" >&2
  exit 0
fi
had_user=0; getent passwd facegate >/dev/null && had_user=1
had_gpio=0; getent group gpio >/dev/null && had_gpio=1
had_fg=0; getent group facegate >/dev/null && had_fg=1
cleanup() {
  $sudo dpkg --purge facegate >/dev/null 2>&1 || true
  [ "$had_user" = 1 ] || $sudo userdel facegate 2>/dev/null || true
  [ "$had_fg" = 1 ] || $sudo groupdel facegate 2>/dev/null || true
  [ "$had_gpio" = 1 ] || $sudo groupdel gpio 2>/dev/null || true
}
trap cleanup EXIT
deb=$(ls dist/facegate_*_amd64.deb)
$sudo dpkg -i "$deb"
fail=0
check() { if "$@"; then echo "package: ok: $*"; else echo "package: FAILED: $*" >&2; fail=1; fi; }
check sh -c "/usr/bin/facegated -check-config -config /usr/share/doc/facegate/facegated.example.yaml >/dev/null"
check sh -c "/usr/bin/facegate help >/dev/null"
check test -f /usr/share/facegate/models/MobileFaceNet.tflite
check test -f /usr/share/facegate/models/MobileFaceNet-int8.tflite
check systemd-analyze verify /lib/systemd/system/facegated.service
check sh -c 'id -nG facegate | tr " " "\n" | grep -qx video && id -nG facegate | tr " " "\n" | grep -qx gpio'
check sh -c '[ "$(stat -c %U:%G:%a /etc/facegate)" = root:facegate:750 ]'
$sudo dpkg --purge facegate >/dev/null
check sh -c '! test -e /usr/bin/facegated'
if [ "$fail" != 0 ]; then
  echo "package: install check FAILED" >&2
  exit 1
fi
echo "package: 3 packages built; amd64 installed, checked and purged"
