#!/bin/sh
# build-initrd.sh KROOT OUT.cpio.gz [TESTBIN ARGSFILE] [SHOWFILE]
# Builds the guest's initramfs: static busybox, vmtest/init, the vivid and
# gpio-sim modules (with their dependencies, decompressed) from the kernel
# tree made by fetch-kernel.sh, and optionally a test binary with its
# arguments and a file of shell commands to run after it.
# VMTEST_BINS="name=path ..." adds static binaries as /bin/name (e.g. facegate).
# TESTBIN may be "none".
set -eu
KROOT=$1 OUT=$2 TESTBIN=${3:-none} ARGS=${4:-} SHOW=${5:-}
KVER=$(cat "$KROOT/kver")
HERE=$(cd "$(dirname "$0")" && pwd)
BUSYBOX=$(command -v busybox)
S=$(mktemp -d)
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/bin" "$S/sbin" "$S/proc" "$S/sys" "$S/dev" "$S/lib/modules" "$S/tmp"
cp "$BUSYBOX" "$S/bin/busybox"
# busybox --list names busybox itself: linking it over itself loops (ELOOP).
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$S/bin/$a"; done
mknod -m 600 "$S/dev/console" c 5 1 2>/dev/null || true
cp "$HERE/init" "$S/init"
chmod 755 "$S/init"
if [ "$TESTBIN" != none ]; then
  cp "$TESTBIN" "$S/test.bin"
  cp "$ARGS" "$S/args"
fi
[ -z "$SHOW" ] || cp "$SHOW" "$S/show"
for b in ${VMTEST_BINS:-}; do
  cp "${b#*=}" "$S/bin/${b%%=*}"
done
for m in vivid gpio-sim; do
  modprobe -d "$KROOT/usr" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
  base=$(basename "$ko")
  case "$base" in
  *.ko.xz) base=${base%.xz}; xz -dc "$ko" >"$S/lib/modules/$base" ;;
  *.ko.zst) base=${base%.zst}; zstd -qdc "$ko" >"$S/lib/modules/$base" ;;
  *) cp "$ko" "$S/lib/modules/$base" ;;
  esac
  args=""
  # Only the capture node /dev/video0 (the default makes many more).
  [ "$base" = vivid.ko ] && args="n_devs=1 node_types=0x1"
  echo "$base $args" >>"$S/lib/modules/load.order"
done
(cd "$S" && find . | cpio -o -H newc --quiet) | gzip -1 >"$OUT"
