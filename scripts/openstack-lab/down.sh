#!/bin/bash
# Stop the lab cluster in $OSLAB_DIR (default /tmp/xos-oslab), or one of its services.
#
# Usage: down.sh [--purge] [--only SERVICE] [--signal KILL]
#   --purge         also delete the cluster's state (databases, images, logs, configs)
#   --only NAME     stop just this service (see svc.sh list); `up.sh` starts it again
#   --signal SIG    signal to stop with (default TERM); KILL simulates a crash
#
# Only processes recorded in $OSLAB_DIR/run are signalled, and only while they are
# still the very processes up.sh started (PID and start time match). The machine's own
# MariaDB, RabbitMQ and PostgreSQL are never touched.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$LAB_SCRIPTS/lib/process.sh"
source "$LAB_SCRIPTS/lib/services.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
purge=0 only="" signal=TERM
while [ $# -gt 0 ]; do
  case $1 in
    --purge) purge=1 ;;
    --only) only=${2:?--only needs a service name}; shift ;;
    --signal) signal=${2:?--signal needs a signal name}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ ! -d "$LAB_DIR" ]; then echo "nothing to stop: $LAB_DIR does not exist"; exit 0; fi

exec 9> "$LAB_DIR/.lock"
flock -n 9 || { echo "waiting for another up.sh/down.sh on $LAB_DIR ..."; flock 9; }

if [ -n "$only" ]; then
  is_known_service "$only" || fail "unknown service '$only'; known: $(all_services | paste -sd' ')"
  service_running "$only" || echo "$only is not running"
  stop_service "$only" "$signal"
  exit 0
fi

# Leaves first (computes and agents, so that they do not log the APIs going away),
# then the APIs, then the broker and the database they all depend on. Services from
# an earlier, larger --computes setting are included through their pid files.
mapfile -t ordered < <( { all_services; recorded_services; } | awk '!seen[$0]++')
stop_group() {  # stop the given services at the same time
  local name pid pids=()
  for name in "$@"; do
    stop_service "$name" "$signal" 60 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
}
leaves=() apis=()
for name in "${ordered[@]}"; do
  case $name in
    nova-compute-*|neutron-linuxbridge-agent-*) leaves+=("$name") ;;
    mariadb|epmd|rabbitmq|memcached) ;;
    *) apis+=("$name") ;;
  esac
done
t0=$SECONDS
[ ${#leaves[@]} -eq 0 ] || stop_group "${leaves[@]}"
[ ${#apis[@]} -eq 0 ] || stop_group "${apis[@]}"
stop_group rabbitmq memcached
# epmd only after the broker has unregistered from it; the database last
stop_group epmd mariadb
echo "stopped in $((SECONDS - t0))s"

if [ $purge = 1 ]; then
  rm -rf "${LAB_DIR:?}"/{etc,data,log,run} "$LAB_DIR"/{admin-openrc,cluster.json,secrets.env,computes,.lock}
  rmdir "$LAB_DIR" 2>/dev/null || true
  echo "purged $LAB_DIR"
fi
