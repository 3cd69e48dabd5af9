#!/bin/bash
# Bring up the project's OpenStack test cluster: OpenStack Zed from Debian 12's
# packages on 127.0.0.1, with Nova's fake virt driver, so that XOS talks to real
# Keystone, Nova, Neutron, Glance and Placement APIs without any virtualisation.
#
#   Keystone, Glance, Placement, Nova (api, conductor, scheduler, nova-compute per fake
#   host), Neutron (server with ML2, one linuxbridge agent per fake host), plus the
#   cluster's own MariaDB, RabbitMQ (with its own epmd) and memcached.
#
# Usage: up.sh [--no-install] [--computes N] [--only SERVICE]
#   --no-install   never call apt-get; fail if a package is missing
#   --computes N   number of fake compute hosts compute1..computeN (default 2,
#                  remembered for later runs)
#   --only NAME    start just this service (see svc.sh list) and wait until it is ready
# Environment:
#   OSLAB_DIR (default /tmp/xos-oslab), OSLAB_PORT_OFFSET (default 21000),
#   OSLAB_ADMIN_PASSWORD (default: generated once), OSLAB_REGION (default RegionOne),
#   OSLAB_COMPUTE_DRIVER (default fake.FakeDriver; fake.SmallFakeDriver has 2 vCPUs),
#   OSLAB_PORT_FORWARDING (default 1; 0 leaves out Neutron's port forwarding plugin,
#                  remembered for later runs)
#
# Running it again is safe: it starts only what is not running. The result is
# $OSLAB_DIR/admin-openrc and $OSLAB_DIR/cluster.json (auth URL, admin credentials,
# ports). down.sh stops the cluster, svc.sh stops or starts single services.
set -euo pipefail
LAB_T0=$(date +%s.%N)
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$LAB_SCRIPTS/lib/process.sh"
source "$LAB_SCRIPTS/lib/services.sh"
source "$LAB_SCRIPTS/lib/install.sh"
source "$LAB_SCRIPTS/lib/configure.sh"
source "$LAB_SCRIPTS/lib/bootstrap.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
do_install=1 only="" computes=""
while [ $# -gt 0 ]; do
  case $1 in
    --no-install) do_install=0 ;;
    --computes) computes=${2:?--computes needs a number}; shift ;;
    --only) only=${2:?--only needs a service name}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || fail "run as root: the lab starts MariaDB, RabbitMQ and memcached as their own users"

mkdir -p "$LAB_DIR" "$LAB_ETC" "$LAB_DATA" "$LAB_LOG" "$LAB_RUN"
# the database, broker and cache users must be able to reach their directories
chmod 755 "$LAB_DIR" "$LAB_DATA" "$LAB_LOG"
chmod 700 "$LAB_RUN"
if [ -n "$computes" ]; then
  case $computes in ''|*[!0-9]*|0) fail "--computes needs a positive number, got '$computes'" ;; esac
  echo "$computes" > "$LAB_DIR/computes"
fi

# one up.sh/down.sh at a time per lab directory
exec 9> "$LAB_DIR/.lock"
flock -n 9 || { echo "waiting for another up.sh/down.sh on $LAB_DIR ..."; flock 9; }

: > "$LAB_LOG/timings.txt"
step "lab $LAB_DIR, port offset $LAB_PORT_OFFSET, computes: $(compute_hosts | paste -sd' ')"
if [ $do_install = 1 ]; then install_packages; else require_packages; fi
load_secrets

# Every port this cluster needs must be free unless our own service holds it; a port
# that someone else listens on would make a daemon fail with an obscure error.
check_ports() {
  local owner port busy=""
  while read -r owner port; do
    service_running "$owner" && continue
    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then busy="$busy $port($owner)"; fi
  done <<EOF
mariadb $LAB_PORT_MARIADB
epmd $LAB_PORT_EPMD
rabbitmq $LAB_PORT_AMQP
rabbitmq $LAB_PORT_AMQP_DIST
memcached $LAB_PORT_MEMCACHED
keystone $LAB_PORT_KEYSTONE
glance-api $LAB_PORT_GLANCE
placement-api $LAB_PORT_PLACEMENT
nova-api $LAB_PORT_NOVA
nova-novncproxy $LAB_PORT_NOVNC
neutron-server $LAB_PORT_NEUTRON
EOF
  [ -z "$busy" ] || fail "ports already in use by something else:$busy; pick another OSLAB_PORT_OFFSET"
}
[ -n "$only" ] || check_ports

write_configs
step "configuration written to $LAB_ETC"

if [ -n "$only" ]; then
  is_known_service "$only" || fail "unknown service '$only'; known: $(all_services | paste -sd' ')"
  start_services "$only"
  case $only in
    nova-compute-*|neutron-linuxbridge-agent-*)
      host=${only##*-}
      LAB_WAIT_HOSTS=$host LAB_WAIT_TIMEOUT=180 "$LAB_PYTHON" "$LAB_SCRIPTS/lib/wait_for_cluster.py" ;;
  esac
  step "$only is up"
  exit 0
fi

# 1. the cluster's own database, then the schema migrations (in parallel: they are
#    CPU-bound and there are two cores) while the broker and the cache start
start_services mariadb
create_databases
step "mariadb ready on :$LAB_PORT_MARIADB"
run_job keystone-manage sync_keystone
run_job glance-manage sync_glance
run_job placement-manage sync_placement
run_job nova-manage sync_nova
run_job neutron-db-manage sync_neutron
# epmd must answer before the broker boots, or Erlang would start an epmd of its own
start_services epmd
for name in memcached rabbitmq; do launch_service "$name"; done

# 2. Keystone starts as soon as its schema is there (it needs no broker), and its
#    catalog comes before the other services: they all validate tokens there
wait_jobs keystone-manage
launch_service keystone
await_services memcached rabbitmq
ensure_rabbitmq_user
step "rabbitmq ready on :$LAB_PORT_AMQP, memcached on :$LAB_PORT_MEMCACHED"
await_services keystone
register_catalog
step "keystone ready on :$LAB_PORT_KEYSTONE, catalog registered"
wait_jobs
step "database schemas up to date"

# 3. everything else, then wait until the APIs answer
restart_stale_computes
mapfile -t rest < <(all_services | grep -vxE 'mariadb|epmd|rabbitmq|memcached|keystone')
start_services "${rest[@]}"
step "APIs answer: glance :$LAB_PORT_GLANCE placement :$LAB_PORT_PLACEMENT nova :$LAB_PORT_NOVA neutron :$LAB_PORT_NEUTRON"

# 4. the cluster is usable once every compute and L2 agent reports in
LAB_WAIT_HOSTS=$(compute_hosts | paste -sd' ') "$LAB_PYTHON" "$LAB_SCRIPTS/lib/wait_for_cluster.py"
ensure_networks
write_client_files
step "cluster healthy"
echo
echo "OpenStack lab is up (logs: $LAB_LOG, pids: $LAB_RUN)"
echo "  source $LAB_DIR/admin-openrc     # for the openstack CLI"
echo "  $LAB_DIR/cluster.json            # auth URL, admin credentials, ports"
