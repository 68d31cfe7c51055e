#!/bin/sh
# fetch-kernel.sh DESTDIR: download the current Debian trixie-backports amd64
# kernel (CONFIG_VIDEO_VIVID=m, CONFIG_GPIO_SIM=m) with a private apt
# configuration, so the host's /etc/apt and dpkg database stay untouched.
# Nothing is installed: only vmlinuz and the module tree are unpacked.
#
# Result: DESTDIR/usr/lib/modules/$KVER/{vmlinuz,kernel/...,modules.dep}
#         DESTDIR/kver   (the kernel version string)
#
# The suite keeps only its newest kernel, so the version is resolved at run
# time through linux-image-amd64; scripts/vmtest.sh caches DESTDIR to pin it.
# VMTEST_SUITE picks another suite (e.g. unstable).
set -eu
DEST=$1
SUITE=${VMTEST_SUITE:-trixie-backports}
A=$(mktemp -d)
trap 'rm -rf "$A"' EXIT
mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $SUITE main" >"$A/sources.list"
APT="-o Dir::Etc::SourceList=$A/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State=$A/state -o Dir::Cache=$A/cache -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $APT -qq update
# linux-image-amd64 -> linux-image-<KVER> -> linux-{base,binary,modules}-<KVER>
# shellcheck disable=SC2086
IMG=$(apt-cache $APT depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$IMG" ] || { echo "fetch-kernel: no linux-image-amd64 in $SUITE" >&2; exit 1; }
KVER=${IMG#linux-image-}
echo "fetch-kernel: $IMG from $SUITE" >&2
# shellcheck disable=SC2086
(cd "$A" && apt-get $APT -qq download "linux-base-$KVER" "linux-binary-$KVER" "linux-modules-$KVER" 2>&1 | grep -v unsandboxed >&2 || true)
set -- "$A"/*.deb
[ -f "$1" ] || { echo "fetch-kernel: download of $KVER failed" >&2; exit 1; }
# DEST/kver is written last: its presence marks a complete tree. DEST itself
# stays (scripts/vmtest.sh holds a flock on it while fetching).
mkdir -p "$DEST"
rm -rf "${DEST:?}/usr" "$DEST/kver"
for d in "$@"; do dpkg-deb -x "$d" "$DEST"; done
[ -f "$DEST/usr/lib/modules/$KVER/vmlinuz" ] || { echo "fetch-kernel: no vmlinuz in the $KVER packages" >&2; exit 1; }
depmod -b "$DEST/usr" "$KVER"
echo "$KVER" >"$DEST/kver"
