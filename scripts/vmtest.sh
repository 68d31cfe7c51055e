#!/usr/bin/env bash
# vmtest.sh: run the kernel-driver tests (files with `//go:build vmtest`,
# tests named TestVM*) inside qemu guests that have the vivid virtual camera
# and a gpio-sim chip, and show `facegate cameras` (plus any --show
# commands) run inside a guest. Called by `make vmtest`.
#
# usage: scripts/vmtest.sh [--pkg ./DIR]... [--show 'CMD']... [--show-only]
#   --pkg DIR    only this package (default: every package with vmtest files)
#   --show CMD   also run CMD (a shell command line; /bin/facegate is there)
#                in the guest; VMTEST_SHOW may hold more, one per line
#   --show-only  skip the tests, only boot for the show commands
#
# Per package: CGO_ENABLED=0 go test -c -tags vmtest, boot it with
# vmtest/qemu-exec.sh, run -test.v -test.run '^TestVM'. The kernel
# (Debian trixie-backports, see vmtest/fetch-kernel.sh) is cached in
# .vmtest-kernel/ (VMTEST_KROOT); delete it to fetch the current one.
#
# The last line is `vmtest: N passed, M failed` (--- PASS / --- FAIL lines,
# plus one failure per package whose guest gave no result or exited non-zero
# without a --- FAIL line). Exit status is non-zero if anything failed, a
# show command failed, or nothing ran.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# `facegate door test` against gpio-sim: a background shell plays the
# installer (opens the door, presses REX, raises fire) by flipping the
# simulated pulls; the sleeps only pace that show, no test depends on them.
doorshow='printf "door:\n  chip: facegate-sim\n  lock: {line: LOCK}\n  contact: {line: CONTACT}\n  rex: {line: REX}\n  fire: {line: FIRE}\n" >/tmp/door.yaml; S=$(ls -d /sys/devices/platform/gpio-sim.*/gpiochip*); p() { echo "$2" >$S/sim_gpio$1/pull; }; p 1 pull-down; p 2 pull-up; p 3 pull-down; (sleep 1; echo "[sim] LOCK=$(cat $S/sim_gpio0/value), door opens"; p 1 pull-up; sleep 1; echo "[sim] door closes"; p 1 pull-down; sleep 0.5; echo "[sim] REX pressed"; p 2 pull-down; sleep 0.5; echo "[sim] REX released, fire alarm"; p 2 pull-up; p 3 pull-up; sleep 1; echo "[sim] fire cleared"; p 3 pull-down; sleep 1.5; echo "[sim] LOCK=$(cat $S/sim_gpio0/value)") & facegate door test --config /tmp/door.yaml --pulse 3s --duration 7s; wait'
show=("facegate cameras" "facegate cameras snapshot /dev/video0 -o /tmp/shot.jpg" "$doorshow")
if [ -n "${VMTEST_SHOW:-}" ]; then
  while IFS= read -r l; do [ -z "$l" ] || show+=("$l"); done <<<"$VMTEST_SHOW"
fi
showonly=0
only=()
while [ $# -gt 0 ]; do
  case $1 in
  --show) show+=("$2"); shift 2 ;;
  --show-only) showonly=1; shift ;;
  --pkg) only+=("./${2#./}"); shift 2 ;;
  *) echo "usage: scripts/vmtest.sh [--pkg ./DIR]... [--show 'CMD']... [--show-only]" >&2; exit 2 ;;
  esac
done

t0=$(date +%s)
lap() { echo "vmtest: $1 (t+$(($(date +%s) - t0))s)"; }

# 1. Host tools: qemu, a static busybox for the guest, kmod (modprobe -d,
#    depmod), cpio, xz. Same list as in scripts/apt-packages.txt.
pkgs=(qemu-system-x86 busybox-static kmod cpio xz-utils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  lap "installed ${missing[*]}"
fi

# 2. Kernel with vivid and gpio-sim modules.
export VMTEST_KROOT=${VMTEST_KROOT:-$ROOT/.vmtest-kernel}
if [ ! -f "$VMTEST_KROOT/kver" ]; then
  # The lock keeps concurrent runs from unpacking over each other.
  mkdir -p "$VMTEST_KROOT"
  flock "$VMTEST_KROOT" sh -c '[ -f "$1/kver" ] || vmtest/fetch-kernel.sh "$1"' _ "$VMTEST_KROOT"
  lap "fetched kernel $(cat "$VMTEST_KROOT/kver")"
fi
echo "vmtest: kernel $(cat "$VMTEST_KROOT/kver") from $VMTEST_KROOT"

# 3. Static binaries: one test binary per package with vmtest files, and
#    the facegate CLI for the show commands.
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export CGO_ENABLED=0
passed=0 failed=0 problems=()
if [ "$showonly" = 0 ] && [ ${#only[@]} -gt 0 ]; then
  dirs=("${only[@]}")
elif [ "$showonly" = 0 ]; then
  mapfile -t dirs < <(grep -rlE --include='*_test.go' '^//go:build .*\bvmtest\b' . 2>/dev/null |
    grep -v '^\./\.' | xargs -r -n1 dirname | sort -u)
else
  dirs=()
fi
tests=()
for d in "${dirs[@]}"; do
  name=$(echo "${d#./}" | tr / _)
  if go test -c -tags vmtest -o "$W/$name.test" "$d" 2>"$W/$name.build"; then
    tests+=("$d")
  else
    cat "$W/$name.build"
    problems+=("$d: test binary did not build")
    failed=$((failed + 1))
  fi
done
bins=""
if go build -o "$W/facegate" ./cmd/facegate 2>"$W/facegate.build"; then
  bins="facegate=$W/facegate"
else
  cat "$W/facegate.build"
  problems+=("cmd/facegate did not build; show commands cannot run")
fi
lap "built ${#tests[@]} test binaries and facegate"

# 4. One guest per package. The show commands run in the first guest,
#    before its tests (a boot costs 10-40 s under TCG on a busy machine).
printf '%s\n' "${show[@]}" >"$W/show"
showfail=0
showfile=""
[ -z "$bins" ] || showfile=$W/show
for d in "${tests[@]}"; do
  name=$(echo "${d#./}" | tr / _)
  if [ -n "$showfile" ]; then
    echo "=== vmtest: package $d, after the show commands: $(paste -sd';' "$showfile")"
  else
    echo "=== vmtest: package $d"
  fi
  for try in 1 2; do
    set +e
    VMTEST_BINS="$bins" VMTEST_SHOW="$showfile" vmtest/qemu-exec.sh "$W/$name.test" \
      -test.v -test.run '^TestVM' -test.timeout 120s 2>&1 | tee "$W/$name.out"
    rc=${PIPESTATUS[0]}
    set -e
    # A guest kernel that dies before our /init finished its setup (seen
    # once under TCG: a panic in the boot-time page-table check) never ran
    # any of our code: boot it once more, and say so. A guest that dies
    # after setup is a failure of what we test and is not retried.
    if [ "$rc" = 99 ] && [ "$try" = 1 ] && ! grep -q '^vmtest: setup done' "$W/$name.out"; then
      echo "vmtest: $d: the guest kernel died before /init's setup; booting it once more"
      continue
    fi
    break
  done
  if [ -n "$showfile" ]; then
    grep -qE '^VMTEST RC=.* SHOWFAIL=0 ' "$W/$name.out" || showfail=1
    showfile=""
  fi
  p=$(grep -cE '^\s*--- PASS' "$W/$name.out" || true)
  f=$(grep -cE '^\s*--- FAIL' "$W/$name.out" || true)
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" = 99 ]; then
    problems+=("$d: guest gave no result (no boot, panic or timeout)")
    failed=$((failed + 1))
  elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    problems+=("$d: exit status $rc without a --- FAIL line (panic or test timeout?)")
    failed=$((failed + 1))
  elif [ "$p" = 0 ] && [ "$f" = 0 ]; then
    problems+=("$d: has vmtest files but no TestVM test ran")
    failed=$((failed + 1))
  fi
  lap "package $d done (exit $rc)"
done

# 5. With no test package (--show-only), the show commands get a guest.
if [ -n "$showfile" ]; then
  echo "=== vmtest: show commands (inside the guest)"
  set +e
  VMTEST_BINS="$bins" VMTEST_SHOW="$showfile" vmtest/qemu-exec.sh none 2>&1
  rc=$?
  set -e
  [ "$rc" = 0 ] || showfail=1
  lap "show done"
fi
[ -n "$bins" ] || showfail=1
[ "$showfail" = 0 ] || problems+=("the show commands failed or did not run (see [exit N] or the console tail above)")

status=0
if [ "$showonly" = 0 ] && [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  problems+=("nothing ran")
fi
for p in "${problems[@]}"; do echo "vmtest: PROBLEM: $p"; status=1; done
[ "$failed" -eq 0 ] && [ "$showfail" = 0 ] || status=1
echo "vmtest: $passed passed, $failed failed"
exit $status
