#!/usr/bin/env bash
# zeroloss.sh: the zero-loss scenario alone (make zeroloss). A device
# subprocess generates 10,000 events while the test stops and restarts a real
# Mosquitto and SIGKILLs the device twice; a subscriber must receive every
# event. Ends with the line
#   zeroloss: sent=<n> received_unique=<n> lost=<n> duplicates=<n> out_of_order=<n>
# and exits non-zero if anything was lost or out of order.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${ZEROLOSS_N:-10000}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
set +e
${GO:-go} test -count=1 -run '^TestZeroLoss$' ./mqtt/ -zeroloss.n="$N" -v -timeout 10m 2>&1 | tee "$out" | grep -v '^zeroloss: '
status=${PIPESTATUS[0]}
set -e
line="$(grep -m1 '^zeroloss: ' "$out" || true)"
if [ -z "$line" ]; then
  echo "zeroloss: no result line (test failed before the end; status $status)" >&2
  exit 1
fi
echo "$line"
lost="$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' <<<"$line")"
if [ "$status" -ne 0 ] || [ "$lost" != "0" ]; then
  exit 1
fi
