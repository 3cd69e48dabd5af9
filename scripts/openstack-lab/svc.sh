#!/bin/bash
# Stop, start or inspect single services of the lab cluster, e.g. to make a compute
# host fail in a test and bring it back:
#
#   svc.sh list                              the service names of this cluster
#   svc.sh status                            each service: running (pid) or stopped
#   svc.sh stop nova-compute-compute1        SIGTERM, wait, SIGKILL after 30 s
#   svc.sh kill nova-compute-compute1        SIGKILL right away (a crash)
#   svc.sh start nova-compute-compute1       start it and wait until it reports in
#   svc.sh restart NAME
#   svc.sh pause nova-scheduler              SIGSTOP its process group: requests to it wait
#   svc.sh resume nova-scheduler             SIGCONT (up.sh also resumes a paused service)
#
# Same environment as up.sh (OSLAB_DIR, OSLAB_PORT_OFFSET). Nova marks a stopped
# compute "down" only ~60 s after its last heartbeat (service_down_time).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$LAB_SCRIPTS/lib/process.sh"
source "$LAB_SCRIPTS/lib/services.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
action=${1:-}
name=${2:-}
needs_name() { [ -n "$name" ] || { echo "usage: svc.sh $action SERVICE (see svc.sh list)" >&2; exit 2; }; }

case $action in
  list) all_services ;;
  status)
    for s in $( { all_services; recorded_services; } | awk '!seen[$0]++'); do
      if service_running "$s"; then printf '%-40s running  pid %s\n' "$s" "$(service_pid "$s")"
      else printf '%-40s stopped\n' "$s"; fi
    done ;;
  stop) needs_name; exec "$here/down.sh" --only "$name" ;;
  kill) needs_name; exec "$here/down.sh" --only "$name" --signal KILL ;;
  start) needs_name; exec "$here/up.sh" --no-install --only "$name" ;;
  pause) needs_name; pause_service "$name" STOP ;;
  resume) needs_name; pause_service "$name" CONT ;;
  restart) needs_name; "$here/down.sh" --only "$name"; exec "$here/up.sh" --no-install --only "$name" ;;
  -h|--help|'') usage ;;
  *) echo "unknown action '$action'" >&2; usage >&2; exit 2 ;;
esac
