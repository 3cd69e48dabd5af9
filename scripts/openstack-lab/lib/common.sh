# shellcheck shell=bash
# Settings and small helpers shared by up.sh, down.sh and svc.sh.
#
# Everything that identifies one lab cluster comes from two variables, so that several
# clusters can run side by side on one machine:
#   OSLAB_DIR          state directory (etc/ data/ log/ run/), default /tmp/xos-oslab
#   OSLAB_PORT_OFFSET  added to every base port below, default 21000
# The machine's own MariaDB (3306), RabbitMQ (5672, epmd 4369, dist 25672) and
# PostgreSQL (5432) are never used, stopped or reconfigured: the lab runs its own
# copies on shifted ports with their own data directories.

# Use Debian's python and tools, never a pyenv/virtualenv shim: the OpenStack
# packages live in /usr/lib/python3/dist-packages only.
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PYTHONDONTWRITEBYTECODE || true
export LC_ALL=C.UTF-8 LANG=C.UTF-8
LAB_PYTHON=/usr/bin/python3

LAB_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export LAB_DIR=${OSLAB_DIR:-/tmp/xos-oslab}
LAB_PORT_OFFSET=${OSLAB_PORT_OFFSET:-21000}
case $LAB_PORT_OFFSET in
  ''|*[!0-9]*) echo "OSLAB_PORT_OFFSET must be a non-negative integer, got '$LAB_PORT_OFFSET'" >&2; exit 2 ;;
esac
export LAB_ETC=$LAB_DIR/etc LAB_DATA=$LAB_DIR/data LAB_LOG=$LAB_DIR/log LAB_RUN=$LAB_DIR/run

# Base ports are the usual OpenStack ones, so a port number tells which service it is.
# Exception: RabbitMQ's Erlang distribution port is normally AMQP+20000 (25672); with
# the default offset that would land in the kernel's ephemeral range (32768-60999),
# where an outgoing connection may hold it. AMQP+1 stays well below.
export LAB_PORT_MARIADB=$((3306 + LAB_PORT_OFFSET))
export LAB_PORT_EPMD=$((4369 + LAB_PORT_OFFSET))
export LAB_PORT_AMQP=$((5672 + LAB_PORT_OFFSET))
export LAB_PORT_AMQP_DIST=$((5673 + LAB_PORT_OFFSET))
export LAB_PORT_MEMCACHED=$((11211 + LAB_PORT_OFFSET))
export LAB_PORT_KEYSTONE=$((5000 + LAB_PORT_OFFSET))
export LAB_PORT_GLANCE=$((9292 + LAB_PORT_OFFSET))
export LAB_PORT_PLACEMENT=$((8778 + LAB_PORT_OFFSET))
export LAB_PORT_NOVA=$((8774 + LAB_PORT_OFFSET))
export LAB_PORT_NEUTRON=$((9696 + LAB_PORT_OFFSET))
export LAB_PORT_NOVNC=$((6080 + LAB_PORT_OFFSET))

export LAB_REGION=${OSLAB_REGION:-RegionOne}
export LAB_ADMIN_USER=admin LAB_ADMIN_PROJECT=admin
export LAB_KEYSTONE_URL=http://127.0.0.1:$LAB_PORT_KEYSTONE
export LAB_COMPUTE_DRIVER=${OSLAB_COMPUTE_DRIVER:-fake.FakeDriver}
# Our RabbitMQ node gets a name of its own: the machine's broker is rabbit@localhost,
# and a CLI call aimed at the wrong node could change or stop that broker.
export LAB_RABBIT_NODE=xoslab$LAB_PORT_AMQP@localhost
export LAB_MYSQL_SOCKET=$LAB_DATA/mysql-run/mysqld.sock

# ---------------------------------------------------------------------------------
# output

LAB_T0=${LAB_T0:-$(date +%s.%N)}
elapsed() { awk -v t0="$LAB_T0" -v now="$(date +%s.%N)" 'BEGIN { printf "%6.1fs", now - t0 }'; }
# progress goes to the terminal and, with its time stamp, to log/timings.txt
step() {
  local line
  line="[$(elapsed)] $*"
  echo "$line"
  if [ -d "$LAB_LOG" ]; then echo "$line" >> "$LAB_LOG/timings.txt"; fi
}
note() { echo "          $*"; }
fail() { echo "ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------
# secrets: generated once per lab directory and kept in a 0600 file beside the data,
# so a re-run reuses the passwords that the databases and the broker already hold.

load_secrets() {
  local file=$LAB_DIR/secrets.env
  if [ ! -s "$file" ]; then
    mkdir -p "$LAB_DIR"
    ( umask 077
      printf 'LAB_ADMIN_PASSWORD=%s\nLAB_SERVICE_PASSWORD=%s\nLAB_DB_PASSWORD=%s\nLAB_RABBIT_PASSWORD=%s\n' \
        "$(random_hex 12)" "$(random_hex 12)" "$(random_hex 12)" "$(random_hex 12)" > "$file" )
  fi
  # shellcheck disable=SC1090
  . "$file"
  # an explicit admin password wins; up.sh re-runs keystone's bootstrap when it changes
  LAB_ADMIN_PASSWORD=${OSLAB_ADMIN_PASSWORD:-$LAB_ADMIN_PASSWORD}
  export LAB_ADMIN_PASSWORD LAB_SERVICE_PASSWORD LAB_DB_PASSWORD LAB_RABBIT_PASSWORD
}
# hex only, so the passwords can sit inside database and AMQP URLs unescaped
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# ---------------------------------------------------------------------------------
# compute hosts: the count given with --computes is remembered, so that a plain
# re-run of up.sh (e.g. to restart one stopped nova-compute) keeps the same cluster.

compute_count() {
  if [ -s "$LAB_DIR/computes" ]; then cat "$LAB_DIR/computes"; else echo 2; fi
}
compute_hosts() {
  local n
  for n in $(seq 1 "$(compute_count)"); do echo "compute$n"; done
}

# ---------------------------------------------------------------------------------
# one-time steps (database syncs, bootstrap, catalog): a marker file remembers the key
# the step last ran with, typically the package version, so a warm restart skips them.

step_done() { [ "$(cat "$LAB_DATA/.done/$1" 2>/dev/null)" = "$2" ]; }
mark_done() { mkdir -p "$LAB_DATA/.done"; echo "$2" > "$LAB_DATA/.done/$1"; }
package_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# render TEMPLATE DEST: substitute only ${LAB_*} variables, so that any other "$" in a
# config file (there are some in api-paste files) is left alone
render() {
  local names
  names=$(compgen -v LAB_ | sed 's/.*/${&}/' | tr '\n' ' ')
  # shellcheck disable=SC2046
  ( export $(compgen -v LAB_); envsubst "$names" < "$LAB_SCRIPTS/templates/$1" > "$2" )
}

port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_answers() {
  local code
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null) || true
  [ -n "$code" ] && [ "$code" != 000 ]
}
