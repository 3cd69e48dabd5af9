# shellcheck shell=bash
# One-time set-up against the lab's own MariaDB, RabbitMQ and Keystone: databases and
# their users, schema migrations, Keystone's bootstrap and catalog. Each step is
# skipped when its marker says it already ran for the same package version and
# settings, which makes a warm restart take seconds instead of a minute.

mysql_root() { mariadb --no-defaults --socket="$LAB_MYSQL_SOCKET" -uroot "$@"; }

create_databases() {
  local sql="" db user
  for db in keystone glance placement nova_api nova nova_cell0 neutron; do
    sql+="CREATE DATABASE IF NOT EXISTS $db;"
  done
  # ALTER as well as CREATE, so that a regenerated password takes effect
  for user in keystone glance placement nova neutron; do
    sql+="CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$LAB_DB_PASSWORD';"
    sql+="ALTER USER '$user'@'127.0.0.1' IDENTIFIED BY '$LAB_DB_PASSWORD';"
  done
  for grant in keystone:keystone glance:glance placement:placement \
               nova:nova_api nova:nova nova:nova_cell0 neutron:neutron; do
    sql+="GRANT ALL PRIVILEGES ON ${grant#*:}.* TO '${grant%%:*}'@'127.0.0.1';"
  done
  mysql_root -e "$sql" || fail "creating the databases failed (mariadb log: $LAB_LOG/mariadb.log)"
}

ensure_rabbitmq_user() {
  step_done rabbitmq-user "$LAB_RABBIT_PASSWORD" && return 0
  if lab_rabbitmqctl list_users 2>/dev/null | grep -q '^openstack\b'; then
    lab_rabbitmqctl change_password openstack "$LAB_RABBIT_PASSWORD" > /dev/null
  else
    lab_rabbitmqctl add_user openstack "$LAB_RABBIT_PASSWORD" > /dev/null
  fi
  lab_rabbitmqctl set_permissions openstack '.*' '.*' '.*' > /dev/null
  mark_done rabbitmq-user "$LAB_RABBIT_PASSWORD"
}

# --- schema migrations, each run as a background job by up.sh (see run_job)

sync_keystone() {
  local ksm=(keystone-manage --config-file "$LAB_ETC/keystone/keystone.conf")
  local version key
  version=$(package_version keystone)
  if ! step_done keystone-db "$version"; then
    "${ksm[@]}" db_sync
    mark_done keystone-db "$version"
  fi
  [ -e "$LAB_DATA/keystone/fernet-keys/0" ] || "${ksm[@]}" fernet_setup --keystone-user root --keystone-group root
  [ -e "$LAB_DATA/keystone/credential-keys/0" ] || "${ksm[@]}" credential_setup --keystone-user root --keystone-group root
  # bootstrap creates (or resets) the admin user, project, role and the identity
  # endpoint; it runs again only when the password, region or port changed
  key="$version $(echo -n "$LAB_ADMIN_PASSWORD" | sha256sum | cut -c1-16) $LAB_REGION $LAB_PORT_KEYSTONE"
  if ! step_done keystone-bootstrap "$key"; then
    "${ksm[@]}" bootstrap --bootstrap-password "$LAB_ADMIN_PASSWORD" \
      --bootstrap-username "$LAB_ADMIN_USER" --bootstrap-project-name "$LAB_ADMIN_PROJECT" \
      --bootstrap-role-name admin --bootstrap-region-id "$LAB_REGION" \
      --bootstrap-admin-url "$LAB_KEYSTONE_URL/v3/" --bootstrap-internal-url "$LAB_KEYSTONE_URL/v3/" \
      --bootstrap-public-url "$LAB_KEYSTONE_URL/v3/"
    mark_done keystone-bootstrap "$key"
  fi
}

sync_glance() {
  local version
  version=$(package_version glance-common)
  step_done glance-db "$version" && return 0
  glance-manage --config-file "$LAB_ETC/glance/glance-api.conf" db_sync
  mark_done glance-db "$version"
}

sync_placement() {
  local version
  version=$(package_version placement-common)
  step_done placement-db "$version" && return 0
  placement-manage --config-file "$LAB_ETC/placement/placement.conf" db sync
  mark_done placement-db "$version"
}

sync_nova() {
  local nm=(nova-manage --config-file "$LAB_ETC/nova/nova.conf" --config-file "$LAB_ETC/nova/nova-db.conf")
  local version cells
  version=$(package_version nova-common)
  step_done nova-db "$version $LAB_PORT_AMQP" && return 0
  "${nm[@]}" api_db sync
  # cell0 holds instances that never got a host; cell1 is where computes live
  cells=$("${nm[@]}" cell_v2 list_cells 2>/dev/null || true)
  echo "$cells" | grep -q ' cell0 ' || "${nm[@]}" cell_v2 map_cell0
  if echo "$cells" | grep -q ' cell1 '; then
    # the cell's transport and database URLs are stored in nova_api; keep them current
    "${nm[@]}" cell_v2 update_cell --cell_uuid "$(echo "$cells" | awk '$2 == "cell1" { print $4 }')"
  else
    "${nm[@]}" cell_v2 create_cell --name=cell1 --verbose
  fi
  "${nm[@]}" db sync
  mark_done nova-db "$version $LAB_PORT_AMQP"
}

sync_neutron() {
  local version
  version=$(package_version neutron-common)
  step_done neutron-db "$version" && return 0
  neutron-db-manage --config-file "$LAB_ETC/neutron/neutron.conf" \
    --config-file "$LAB_ETC/neutron/ml2_conf.ini" upgrade heads
  mark_done neutron-db "$version"
}

register_catalog() {
  local key="$(package_version keystone) $LAB_REGION $LAB_PORT_OFFSET $(echo -n "$LAB_SERVICE_PASSWORD" | sha256sum | cut -c1-16)"
  step_done catalog "$key" && return 0
  "$LAB_PYTHON" "$LAB_SCRIPTS/lib/register_catalog.py" >> "$LAB_LOG/register-catalog.log" 2>&1 ||
    service_failed keystone "registering the service catalog failed, see $LAB_LOG/register-catalog.log"
  mark_done catalog "$key"
}

# the shared networks the clusters of the era had (nat-net), once Neutron answers
ensure_networks() {
  "$LAB_PYTHON" "$LAB_SCRIPTS/lib/ensure_networks.py" >> "$LAB_LOG/ensure-networks.log" 2>&1 ||
    { tail -n 15 "$LAB_LOG/ensure-networks.log" >&2; fail "creating nat-net failed, see $LAB_LOG/ensure-networks.log"; }
  step "$(tail -n 1 "$LAB_LOG/ensure-networks.log")"
}

# --- background jobs: several migrations at once use both cores

declare -A LAB_JOBS=()
run_job() {  # run_job NAME FUNCTION: FUNCTION's output goes to log/NAME.log
  ( set -euo pipefail; "$2" ) >> "$LAB_LOG/$1.log" 2>&1 &
  LAB_JOBS[$1]=$!
}
wait_jobs() {  # wait_jobs [NAME...]: the named jobs, or all of them
  local name failed=""
  local names=("$@")
  [ ${#names[@]} -gt 0 ] || names=("${!LAB_JOBS[@]}")
  for name in "${names[@]}"; do
    [ -n "${LAB_JOBS[$name]:-}" ] || continue
    wait "${LAB_JOBS[$name]}" || failed="$failed $name"
    unset "LAB_JOBS[$name]"
  done
  if [ -n "$failed" ]; then
    for name in $failed; do
      echo "ERROR: $name failed; log file: $LAB_LOG/$name.log" >&2
      tail -n 15 "$LAB_LOG/$name.log" >&2
    done
    exit 1
  fi
}
