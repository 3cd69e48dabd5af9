#!/usr/bin/env bash
# `npm test`: every test tier this machine can run, with node's test runner.
#   XOS_TEST_PG=1         also run the store suite and db export on PostgreSQL (127.0.0.1:5432)
#   XOS_TEST_OPENSTACK=1  also run the tier that needs the OpenStack test clusters (scripts/openstack-lab),
#                         after the others and one file at a time
# The web UI is built first (ui/build.sh) and test/ui drives it in Debian's chromium.
# Ends with a line "N passed, N failed, N skipped" (both runs summed) and a non-zero status when
# anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
# Server, CLI, tests and web UI, against the row types derived from the model definitions.
npm run --silent typecheck || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }
bash ui/build.sh || { echo "building the web UI failed"; echo "0 passed, 1 failed"; exit 1; }
# The server and CLI as the tests start them (bin/xos), compiled once here rather than by the first of
# several test files that start it at the same moment.
node scripts/build.mjs || { echo "compiling the server failed"; echo "0 passed, 1 failed"; exit 1; }

shopt -s nullglob
all=(test/unit/*.test.ts test/store/*.test.ts test/api/*.test.ts test/security/*.test.ts test/sync/*.test.ts test/cli/*.test.ts test/ui/*.test.ts test/reconcilers/*.test.ts)
# Files that mostly wait (the storm test watches a dead controller for five minutes) run in a
# runner of their own beside the rest, rather than holding one of its two slots all that time.
beside=(test/security/sync-storm.test.ts)
files=()
for f in "${all[@]}"; do [[ " ${beside[*]} " == *" $f "* ]] || files+=("$f"); done
openstack=(test/openstack/*.test.ts)
taps=()
# Each test process adds how many API responses it checked against the OpenAPI document.
export XOS_TEST_CONTRACT_LOG=$(mktemp)
trap 'rm -f "${taps[@]}" "$XOS_TEST_CONTRACT_LOG"' EXIT
pass=0 fail=0 skip=0 status=0
# One run of node's test runner over the given files, its TAP counts added to the totals.
run_tests() {
  local concurrency=$1 tap
  shift
  tap=$(mktemp)
  taps+=("$tap")
  node --import tsx --test --test-concurrency="$concurrency" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@"
  add_counts "$tap" $?
}
# A finished run's TAP counts added to the totals, and its exit code to the status.
add_counts() {
  local tap=$1 code=$2 p f s
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
  s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" | tail -1)
  if [ -z "$p" ]; then p=0; f=1; fi # the runner died before its summary
  [ "$code" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
  pass=$((pass + p)) fail=$((fail + ${f:-0})) skip=$((skip + ${s:-0}))
  [ "$code" -eq 0 ] || status=$code
}
beside_out=$(mktemp) beside_tap=$(mktemp)
taps+=("$beside_out" "$beside_tap")
node --import tsx --test --test-reporter=spec --test-reporter-destination="$beside_out" \
  --test-reporter=tap --test-reporter-destination="$beside_tap" "${beside[@]}" &
beside_pid=$!
trap 'kill "$beside_pid" 2>/dev/null; rm -f "${taps[@]}" "$XOS_TEST_CONTRACT_LOG"' EXIT
# Its report follows the first run's, once both are over.
finish_beside() {
  wait "$beside_pid"
  local code=$?
  echo "# beside them: ${beside[*]}"
  cat "$beside_out"
  add_counts "$beside_tap" "$code"
}
if [ "${XOS_TEST_OPENSTACK:-}" = 1 ]; then
  run_tests 2 "${files[@]}"
  finish_beside
  # The OpenStack tier after the rest, one file at a time: its two clusters and the tests' own
  # synchronizers would otherwise fight the other tiers, and each other, for two cores.
  echo "# the OpenStack tier (${#openstack[@]} files, one at a time)"
  run_tests 1 "${openstack[@]}"
else
  run_tests 2 "${files[@]}" "${openstack[@]}" # its files report themselves skipped
  finish_beside
fi
echo "$(awk '{n += $1} END {print n + 0}' "$XOS_TEST_CONTRACT_LOG") API responses checked against the OpenAPI document"
echo "${pass} passed, ${fail} failed, ${skip} skipped"
[ "$status" -eq 0 ] && [ "$fail" -eq 0 ]
