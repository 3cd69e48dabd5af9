# shellcheck shell=bash
# Starting and stopping the lab's own processes, and nothing else.
#
# Each service runs in a session of its own (setsid), so its PID is also its process
# group: stopping the group takes the service's workers with it (uwsgi workers,
# neutron-server's API/RPC workers) and nothing outside it. For every service we keep
#   run/NAME.pid      the PID
#   run/NAME.stime    the process start time from /proc/PID/stat, so that a PID the
#                     kernel has since given to an unrelated process is never signalled
#   run/NAME.started  wall-clock start (epoch seconds), used to tell a fresh heartbeat
#                     from one the previous process left behind
# A service may own more processes that left its group (RabbitMQ's beam.smp is
# started through `su`, which opens a new session); those are recorded as
# run/NAME.extra-*.pid with their own .stime.

proc_start_time() {
  # field 22 of /proc/PID/stat, counted after the ")" that closes the command name
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

# pid_is_ours PIDFILE: the recorded process still exists and is the one we started
pid_is_ours() {
  local pidfile=$1 pid want have
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] || return 1
  want=$(cat "${pidfile%.pid}.stime" 2>/dev/null) || return 1
  have=$(proc_start_time "$pid") || return 1
  [ "$want" = "$have" ]
}

record_pid() {  # record_pid PIDFILE PID
  echo "$2" > "$1"
  proc_start_time "$2" > "${1%.pid}.stime" || true
}

service_running() { pid_is_ours "$LAB_RUN/$1.pid"; }
service_pid() { cat "$LAB_RUN/$1.pid" 2>/dev/null; }

# spawn NAME COMMAND...: start COMMAND detached, stdout/stderr to log/NAME.out
spawn() {
  local name=$1; shift
  if service_running "$name"; then
    # a test that paused it (svc.sh pause) and died before resuming it left it stopped
    kill -CONT -- "-$(service_pid "$name")" 2>/dev/null || true
    note "$name already running (pid $(service_pid "$name"))"
    return 0
  fi
  rm -f "$LAB_RUN/$name".*
  # 9>&-: the daemon must not inherit the lab's lock, or it would hold it forever
  setsid "$@" >> "$LAB_LOG/$name.out" 2>&1 < /dev/null 9>&- &
  local pid=$!
  record_pid "$LAB_RUN/$name.pid" "$pid"
  date +%s > "$LAB_RUN/$name.started"
  note "started $name (pid $pid)"
}

# all PIDs of a service that are still ours: the group leader and any extras
service_pids() {
  local f
  for f in "$LAB_RUN/$1.pid" "$LAB_RUN/$1".extra-*.pid; do
    [ -e "$f" ] && pid_is_ours "$f" && cat "$f"
  done
  return 0
}

# pause_service NAME STOP|CONT: freeze or thaw the service's whole process group. A frozen
# service keeps its connections and its queue, so work sent to it waits instead of failing.
pause_service() {
  local pid
  pid=$(service_pids "$1" | head -n 1)
  [ -n "$pid" ] || { echo "$1 is not running" >&2; return 1; }
  kill "-$2" -- "-$pid"
}

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# stop_service NAME [SIGNAL] [GRACE_SECONDS]: signal the service's main process (and
# extras), wait until its whole process group is gone, then SIGKILL what is left.
# Only the main process gets the signal: uwsgi's master and neutron-server's parent
# stop their own workers, and uwsgi workers hit by a second SIGTERM of their own can
# hang in their crash handler. SIGKILL (a simulated crash) goes to the whole group.
stop_service() {
  local name=$1 sig=${2:-TERM} grace=${3:-30} pids p leader left i
  pids=$(service_pids "$name")
  if [ -z "$pids" ]; then
    rm -f "$LAB_RUN/$name".*
    return 0
  fi
  leader=$(service_pid "$name")
  echo "stopping $name (pid $(echo $pids | tr ' ' ','), SIG$sig)"
  for p in $pids; do
    if [ "$sig" = KILL ] && [ "$p" = "$leader" ]; then kill -KILL -- "-$p" 2>/dev/null; fi
    kill -s "$sig" "$p" 2>/dev/null || true
  done
  for ((i = 0; i < grace * 4; i++)); do
    left=""
    for p in $pids; do
      if kill -0 "$p" 2>/dev/null || { [ "$p" = "$leader" ] && group_alive "$p"; }; then left="$left $p"; fi
    done
    [ -z "$left" ] && break
    sleep 0.25
  done
  for p in $left; do
    echo "  $name: pid $p (or its workers) still alive after ${grace}s, sending SIGKILL"
    if [ "$p" = "$leader" ]; then kill -KILL -- "-$p" 2>/dev/null; fi
    kill -KILL "$p" 2>/dev/null
  done
  rm -f "$LAB_RUN/$name".*
}

# await NAME CHECK_FUNCTION TIMEOUT: wait until `CHECK_FUNCTION NAME` succeeds; fail
# with the service's name and log file if its process dies or the time runs out.
await() {
  local name=$1 check=$2 timeout=$3 deadline
  deadline=$((SECONDS + timeout))
  until "$check" "$name"; do
    if ! service_running "$name"; then
      service_failed "$name" "its process exited"
    fi
    if [ $SECONDS -ge $deadline ]; then
      service_failed "$name" "it did not become ready within ${timeout}s"
    fi
    sleep 0.5
  done
}

service_failed() {  # service_failed NAME REASON
  local name=$1 log
  log=$(service_log "$name")
  {
    echo
    echo "ERROR: $name did not come up: $2."
    echo "       log file: $log"
    [ "$log" != "$LAB_LOG/$name.out" ] && echo "       console output: $LAB_LOG/$name.out"
    if [ -s "$log" ]; then echo "------ last lines of $log"; tail -n 15 "$log"; echo "------"; fi
  } >&2
  exit 1
}
