# shellcheck shell=bash
# The lab's services: their names, how each one is started, where it logs and how to
# tell that it is ready. up.sh, down.sh and svc.sh all work from this one table.
#
# Names: mariadb epmd rabbitmq memcached keystone glance-api placement-api nova-api
#        nova-conductor nova-scheduler nova-novncproxy nova-compute-<host> neutron-server
#        neutron-linuxbridge-agent-<host>       (<host> is compute1, compute2, ...)

# all service names in start order; down.sh stops them in the reverse order
all_services() {
  local host
  printf '%s\n' mariadb epmd rabbitmq memcached keystone glance-api placement-api \
    nova-api nova-conductor nova-scheduler nova-novncproxy
  for host in $(compute_hosts); do echo "nova-compute-$host"; done
  echo neutron-server
  for host in $(compute_hosts); do echo "neutron-linuxbridge-agent-$host"; done
}

# services that have pid files in run/, whatever the current compute count is
recorded_services() {
  local f
  for f in "$LAB_RUN"/*.pid; do
    [ -e "$f" ] || continue
    f=${f##*/}; f=${f%.pid}
    case $f in *.extra-*) ;; *) echo "$f" ;; esac
  done
}

is_known_service() {
  local s
  for s in $(all_services) $(recorded_services); do [ "$s" = "$1" ] && return 0; done
  return 1
}

service_log() {
  case $1 in
    # these write to stdout/stderr only
    epmd|memcached|keystone|placement-api|nova-api) echo "$LAB_LOG/$1.out" ;;
    rabbitmq) echo "$LAB_LOG/rabbitmq/rabbitmq.log" ;;
    *) echo "$LAB_LOG/$1.log" ;;
  esac
}

# ---------------------------------------------------------------------------------
# readiness checks

mariadb_ready() { mariadb-admin --no-defaults --socket="$LAB_MYSQL_SOCKET" ping > /dev/null 2>&1; }
epmd_ready() { port_answers "$LAB_PORT_EPMD"; }
# rabbitmq_ready: see launch_rabbitmq; the AMQP listener opens only once the broker has booted
memcached_ready() { port_answers "$LAB_PORT_MEMCACHED"; }
keystone_ready() { http_answers "$LAB_KEYSTONE_URL/v3"; }
glance_ready() { http_answers "http://127.0.0.1:$LAB_PORT_GLANCE/"; }
placement_ready() { http_answers "http://127.0.0.1:$LAB_PORT_PLACEMENT/"; }
nova_api_ready() { http_answers "http://127.0.0.1:$LAB_PORT_NOVA/"; }
neutron_ready() { http_answers "http://127.0.0.1:$LAB_PORT_NEUTRON/"; }
novncproxy_ready() { http_answers "http://127.0.0.1:$LAB_PORT_NOVNC/vnc_auto.html"; }
# RPC-only services have no port; their heartbeats are checked by wait_for_cluster.py.
# Here it is enough that they survive their first seconds (config errors kill them fast).
process_settled() {
  local started
  started=$(cat "$LAB_RUN/$1.started" 2>/dev/null) || return 1
  [ $(($(date +%s) - started)) -ge 3 ]
}

# ---------------------------------------------------------------------------------
# RabbitMQ environment: our node name, ports, config and data, never the machine's.

rabbitmq_env() {
  export RABBITMQ_CONF_ENV_FILE=$LAB_ETC/rabbitmq/rabbitmq-env.conf
  export RABBITMQ_NODENAME=$LAB_RABBIT_NODE
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$LAB_PORT_AMQP
  export RABBITMQ_DIST_PORT=$LAB_PORT_AMQP_DIST
  export RABBITMQ_CONFIG_FILE=$LAB_ETC/rabbitmq/rabbitmq.conf
  export RABBITMQ_ADVANCED_CONFIG_FILE=$LAB_ETC/rabbitmq/advanced.config
  export RABBITMQ_ENABLED_PLUGINS_FILE=$LAB_ETC/rabbitmq/enabled_plugins
  export RABBITMQ_MNESIA_BASE=$LAB_DATA/rabbitmq/mnesia
  export RABBITMQ_LOG_BASE=$LAB_LOG/rabbitmq RABBITMQ_LOGS=$LAB_LOG/rabbitmq/rabbitmq.log
  export RABBITMQ_PID_FILE=$LAB_DATA/rabbitmq/beam.pid
  # keep Erlang distribution (node-to-node and CLI traffic) on loopback as well
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$LAB_PORT_EPMD
  unset ERL_FLAGS
}
lab_rabbitmqctl() { ( rabbitmq_env; rabbitmqctl -q -n "$LAB_RABBIT_NODE" "$@" ); }

# ---------------------------------------------------------------------------------
# launchers

# uwsgi_app NAME PORT WSGI_SCRIPT PROCESSES THREADS [uwsgi options...]
# Debian's own uwsgi .ini files start 8-16 processes per API (~150 MB each); two are
# plenty here. uwsgi's --http-socket closes the connection after every response
# without saying so, and clients that reuse the socket then fail with "connection
# reset"; announcing "Connection: close" makes them open a new one. On SIGTERM the
# workers sometimes crash in OpenSSL's exit handlers and hang; the master kills them
# after the 5 s mercy instead of the default 60 s.
uwsgi_app() {
  local name=$1 port=$2 script=$3 procs=$4 threads=$5; shift 5
  spawn "$name" /usr/bin/uwsgi_python311 --http-socket "127.0.0.1:$port" --wsgi-file "$script" \
    --master --processes "$procs" --threads "$threads" --enable-threads --lazy-apps \
    --die-on-term --no-orphans --buffer-size 65535 --add-header 'Connection: close' \
    --worker-reload-mercy 5 --reload-mercy 5 \
    --procname-prefix-spaced "oslab-$LAB_PORT_OFFSET-$name" "$@"
}

launch_mariadb() {
  local datadir=$LAB_DATA/mysql rundir=$LAB_DATA/mysql-run
  mkdir -p "$datadir" "$rundir"
  chown mysql:mysql "$datadir" "$rundir"
  if [ ! -d "$datadir/mysql" ]; then
    mariadb-install-db --no-defaults --user=mysql --datadir="$datadir" \
      --auth-root-authentication-method=socket --skip-test-db > "$LAB_LOG/mariadb-install.log" 2>&1 ||
      fail "mariadb-install-db failed, see $LAB_LOG/mariadb-install.log"
  fi
  # --no-defaults: never read /etc/mysql, which configures the machine's own server
  spawn mariadb /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$datadir" \
    --socket="$LAB_MYSQL_SOCKET" --pid-file="$rundir/mariadbd.pid" \
    --bind-address=127.0.0.1 --port="$LAB_PORT_MARIADB" --log-error="$LAB_LOG/mariadb.log" \
    --skip-name-resolve --max-connections=1000 --max-allowed-packet=64M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=256M --innodb-log-file-size=64M \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0
}

launch_rabbitmq() {
  if service_running rabbitmq; then note "rabbitmq already running (pid $(service_pid rabbitmq))"; return 0; fi
  mkdir -p "$LAB_DATA/rabbitmq" "$LAB_LOG/rabbitmq"
  chown -R rabbitmq:rabbitmq "$LAB_DATA/rabbitmq" "$LAB_LOG/rabbitmq"
  ( rabbitmq_env
    rm -f "$RABBITMQ_PID_FILE"
    # Debian's wrapper switches to the rabbitmq user with su, keeping this environment
    spawn rabbitmq /usr/sbin/rabbitmq-server )
}

# su starts the broker in a session of its own, so beam.smp is not in our process
# group; its PID (written once the VM runs) is recorded to be able to stop it.
rabbitmq_ready() {
  local beam_pidfile=$LAB_DATA/rabbitmq/beam.pid
  if [ ! -e "$LAB_RUN/rabbitmq.extra-beam.pid" ] && [ -s "$beam_pidfile" ]; then
    record_pid "$LAB_RUN/rabbitmq.extra-beam.pid" "$(cat "$beam_pidfile")"
  fi
  [ -e "$LAB_RUN/rabbitmq.extra-beam.pid" ] && port_answers "$LAB_PORT_AMQP"
}

launch_service() {
  local name=$1 nova_ctl neutron_ctl
  nova_ctl=(--config-file "$LAB_ETC/nova/nova.conf" --config-file "$LAB_ETC/nova/nova-db.conf")
  neutron_ctl=(--config-file "$LAB_ETC/neutron/neutron.conf" --config-file "$LAB_ETC/neutron/ml2_conf.ini")
  case $name in
    mariadb) launch_mariadb ;;
    # started by us (not by the broker) so that it binds to loopback and has a pid file
    epmd) spawn epmd /usr/bin/epmd -address 127.0.0.1 -port "$LAB_PORT_EPMD" ;;
    rabbitmq) launch_rabbitmq ;;
    memcached)
      spawn memcached /usr/bin/memcached -l 127.0.0.1 -p "$LAB_PORT_MEMCACHED" -U 0 -m 64 -c 4096 -u memcache ;;
    keystone)
      uwsgi_app keystone "$LAB_PORT_KEYSTONE" /usr/bin/keystone-wsgi-public 2 4 \
        --env "OS_KEYSTONE_CONFIG_DIR=$LAB_ETC/keystone" ;;
    glance-api)
      spawn glance-api /usr/bin/glance-api --config-file "$LAB_ETC/glance/glance-api.conf" \
        --log-file "$(service_log glance-api)" ;;
    placement-api)
      uwsgi_app placement-api "$LAB_PORT_PLACEMENT" /usr/bin/placement-api 2 4 \
        --env "OS_PLACEMENT_CONFIG_DIR=$LAB_ETC/placement" ;;
    nova-api)
      uwsgi_app nova-api "$LAB_PORT_NOVA" /usr/bin/nova-api-wsgi 2 1 \
        --env "OS_NOVA_CONFIG_DIR=$LAB_ETC/nova" \
        --env "OS_NOVA_CONFIG_FILES=api-paste.ini;nova.conf;nova-db.conf" ;;
    nova-conductor|nova-scheduler)
      spawn "$name" "/usr/bin/$name" "${nova_ctl[@]}" --log-file "$(service_log "$name")" ;;
    nova-compute-*)
      # Debian's nova-compute package would pull in libvirt and qemu; python3-nova has
      # the same entry point and the fake driver.
      spawn "$name" "$LAB_PYTHON" -c \
        'import sys; from nova.cmd.compute import main; sys.argv[0] = "nova-compute"; sys.exit(main())' \
        --config-file "$LAB_ETC/nova/nova.conf" --config-file "$LAB_ETC/nova/$name.conf" \
        --log-file "$(service_log "$name")"
      nova_conf_sum > "$LAB_RUN/$name.nova-conf" ;;
    nova-novncproxy)
      # the console proxy reads the console tokens from the cell database (nova-db.conf)
      spawn nova-novncproxy /usr/bin/nova-novncproxy "${nova_ctl[@]}" --web /usr/share/novnc \
        --log-file "$(service_log nova-novncproxy)" ;;
    neutron-server)
      spawn neutron-server /usr/bin/neutron-server "${neutron_ctl[@]}" --log-file "$(service_log neutron-server)" ;;
    neutron-linuxbridge-agent-*)
      spawn "$name" /usr/bin/neutron-linuxbridge-agent \
        --config-file "$LAB_ETC/neutron/neutron.conf" \
        --config-file "$LAB_ETC/neutron/linuxbridge_agent.ini" \
        --config-file "$LAB_ETC/neutron/l2-agent-${name#neutron-linuxbridge-agent-}.conf" \
        --log-file "$(service_log "$name")" ;;
    *) fail "unknown service '$name'" ;;
  esac
}

# A nova-compute reads nova.conf once, at its start: the file's checksum then is kept beside
# its pid, so that up.sh can restart those that run with an older configuration.
nova_conf_sum() { sha256sum < "$LAB_ETC/nova/nova.conf" | cut -d' ' -f1; }
restart_stale_computes() {
  local name
  for name in $(all_services | grep '^nova-compute-'); do
    service_running "$name" || continue
    [ "$(cat "$LAB_RUN/$name.nova-conf" 2>/dev/null)" = "$(nova_conf_sum)" ] && continue
    note "$name runs with an older nova.conf: restarting it"
    stop_service "$name"
  done
}

ready_check_of() {
  case $1 in
    mariadb) echo mariadb_ready ;;
    epmd) echo epmd_ready ;;
    rabbitmq) echo rabbitmq_ready ;;
    memcached) echo memcached_ready ;;
    keystone) echo keystone_ready ;;
    glance-api) echo glance_ready ;;
    placement-api) echo placement_ready ;;
    nova-api) echo nova_api_ready ;;
    neutron-server) echo neutron_ready ;;
    nova-novncproxy) echo novncproxy_ready ;;
    *) echo process_settled ;;
  esac
}

ready_timeout_of() {
  case $1 in
    rabbitmq|mariadb|keystone|nova-api|neutron-server|glance-api|placement-api) echo 120 ;;
    *) echo 30 ;;
  esac
}

# start_services NAME...: start those not running, then wait until all are ready.
# Starting them all first lets their (CPU-bound) start-ups overlap.
start_services() {
  local name
  for name in "$@"; do launch_service "$name"; done
  await_services "$@"
}

await_services() {
  local name
  for name in "$@"; do await "$name" "$(ready_check_of "$name")" "$(ready_timeout_of "$name")"; done
}
