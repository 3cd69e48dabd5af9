#!/usr/bin/env bash
# `npm test`: every test tier this machine can run, with node's test runner.
#   XOS_TEST_PG=1         also run the store suite and db export on PostgreSQL (127.0.0.1:5432)
#   XOS_TEST_OPENSTACK=1  also run the tiers that need the OpenStack test cluster (scripts/openstack-lab)
# The web UI is built first (ui/build.sh) and test/ui drives it in Debian's chromium.
# Ends with a line "N passed, N failed" and a non-zero status when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
npx tsc --noEmit -p . || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }
npx tsc --noEmit -p ui || { echo "typecheck of the web UI failed"; echo "0 passed, 1 failed"; exit 1; }
bash ui/build.sh || { echo "building the web UI failed"; echo "0 passed, 1 failed"; exit 1; }

shopt -s nullglob
files=(test/unit/*.test.ts test/store/*.test.ts test/api/*.test.ts test/cli/*.test.ts test/openstack/*.test.ts test/ui/*.test.ts)
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
node --import tsx --test --test-concurrency=2 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}"
status=$?
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
skip=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" | tail -1)
if [ -z "$pass" ]; then pass=0; fail=1; fi # the runner died before its summary
[ "$status" -ne 0 ] && [ "${fail:-0}" -eq 0 ] && fail=1
echo "${pass} passed, ${fail:-0} failed, ${skip:-0} skipped"
[ "$status" -eq 0 ] && [ "${fail:-0}" -eq 0 ]
