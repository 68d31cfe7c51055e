#!/bin/sh
# qemu-exec.sh TESTBIN [ARGS...]
# Boots TESTBIN (a static binary, e.g. from `go test -c`) as the only program
# of a qemu guest (TCG; KVM does not work on these machines) that has vivid
# and gpio-sim loaded, prints its output, and exits with its exit status.
# Usable as `go test -exec`. TESTBIN "none" boots just for VMTEST_SHOW.
#
# Environment:
#   VMTEST_KROOT    kernel tree from fetch-kernel.sh (required)
#   VMTEST_BINS     "name=path ..." extra static binaries put in /bin
#   VMTEST_SHOW     file of shell commands (one per line) run before the test
#   VMTEST_CMDLINE  extra kernel command line (KEY=VAL become init's env)
#   VMTEST_TIMEOUT  seconds before qemu is killed (default 150)
#   VMTEST_LOG      where to copy the full console log
# Exit status: the test's, 99 if the guest gave no result (no boot, panic,
# timeout), 98 if the test passed but a VMTEST_SHOW command failed.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
KROOT=${VMTEST_KROOT:?set VMTEST_KROOT to the directory made by fetch-kernel.sh}
BIN=$1
shift
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
: >"$T/args"
for a in "$@"; do printf '%s\n' "$a" >>"$T/args"; done
"$HERE/build-initrd.sh" "$KROOT" "$T/initrd.gz" "$BIN" "$T/args" "${VMTEST_SHOW:-}"
KVER=$(cat "$KROOT/kver")
# One guest CPU: with -smp 2 under TCG the guest kernel sometimes died at
# boot, before /init ran ("Oops: int3" in sched_clock_cpu and a fault in
# the W+X page-table walk: code being patched on one vCPU while the other
# ran it), in about 1 of 7 boots here. The tests need no second CPU.
timeout "${VMTEST_TIMEOUT:-150}" qemu-system-x86_64 -nographic -no-reboot -net none \
  -m "${VMTEST_MEM:-768}" -smp "${VMTEST_SMP:-1}" \
  -kernel "$KROOT/usr/lib/modules/$KVER/vmlinuz" -initrd "$T/initrd.gz" \
  -append "console=ttyS0 loglevel=3 panic=-1 ${VMTEST_CMDLINE:-}" \
  </dev/null >"$T/console.log" 2>&1 || true
tr -d '\r' <"$T/console.log" >"$T/c.log"
[ -z "${VMTEST_LOG:-}" ] || cp "$T/c.log" "$VMTEST_LOG"
grep '^vmtest:' "$T/c.log" >&2 || true
sed -n '/^VMTEST SHOW BEGIN$/,/^VMTEST SHOW END$/p' "$T/c.log" | sed '1d;$d'
sed -n '/^VMTEST BEGIN$/,/^VMTEST END$/p' "$T/c.log" | sed '1d;$d'
RC=$(sed -n 's/^VMTEST RC=\([0-9]*\).*/\1/p' "$T/c.log")
SHOWFAIL=$(sed -n 's/^VMTEST RC=.* SHOWFAIL=\([0-9]*\).*/\1/p' "$T/c.log")
if [ -z "$RC" ]; then
  echo "vmtest: guest gave no result; console log tail follows" >&2
  tail -40 "$T/c.log" >&2
  exit 99
fi
grep '^VMTEST RC=' "$T/c.log" >&2 || true
if [ "$RC" = 0 ] && [ "${SHOWFAIL:-0}" != 0 ]; then
  exit 98
fi
exit "$RC"
