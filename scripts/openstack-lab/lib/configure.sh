# shellcheck shell=bash
# Writing the lab's configuration under $OSLAB_DIR/etc. The packages' own files in /etc
# are left exactly as installed; only the api-paste pipelines are reused from there.

# Neutron's port forwarding service plugin (API extension floating-ip-port-forwarding) is on
# unless OSLAB_PORT_FORWARDING=0, so that a second lab can play a cluster without it. The
# choice is remembered in the lab directory, like --computes: a later up.sh or svc.sh
# restart without the variable keeps it.
neutron_service_plugins() {
  local pf=${OSLAB_PORT_FORWARDING:-}
  [ -n "$pf" ] || pf=$(cat "$LAB_DIR/port-forwarding" 2>/dev/null || echo 1)
  case $pf in
    1) LAB_NEUTRON_SERVICE_PLUGINS=router,port_forwarding ;;
    0) LAB_NEUTRON_SERVICE_PLUGINS=router ;;
    *) fail "OSLAB_PORT_FORWARDING must be 0 or 1, got '$pf'" ;;
  esac
  echo "$pf" > "$LAB_DIR/port-forwarding"
  export LAB_NEUTRON_SERVICE_PLUGINS
}

write_configs() {
  neutron_service_plugins
  mkdir -p "$LAB_ETC"/{keystone,glance,placement,nova,neutron,rabbitmq}
  mkdir -p "$LAB_DATA"/keystone/{fernet-keys,credential-keys} \
           "$LAB_DATA"/glance/{images,staging,tasks} \
           "$LAB_DATA"/nova/{instances,tmp} "$LAB_DATA"/neutron/tmp
  chmod 700 "$LAB_DATA"/keystone/{fernet-keys,credential-keys}

  render keystone.conf "$LAB_ETC/keystone/keystone.conf"
  render glance-api.conf "$LAB_ETC/glance/glance-api.conf"
  render placement.conf "$LAB_ETC/placement/placement.conf"

  cp -f /etc/nova/api-paste.ini "$LAB_ETC/nova/api-paste.ini"
  render nova.conf "$LAB_ETC/nova/nova.conf"
  render nova-db.conf "$LAB_ETC/nova/nova-db.conf"

  cp -f /etc/neutron/api-paste.ini "$LAB_ETC/neutron/api-paste.ini"
  render neutron.conf "$LAB_ETC/neutron/neutron.conf"
  render ml2_conf.ini "$LAB_ETC/neutron/ml2_conf.ini"
  render linuxbridge_agent.ini "$LAB_ETC/neutron/linuxbridge_agent.ini"

  local host
  for host in $(compute_hosts); do
    LAB_HOST=$host
    mkdir -p "$LAB_DATA/nova/$host"/{instances,tmp}
    render nova-compute-host.conf "$LAB_ETC/nova/nova-compute-$host.conf"
    render l2-agent-host.conf "$LAB_ETC/neutron/l2-agent-$host.conf"
  done
  unset LAB_HOST

  render rabbitmq.conf "$LAB_ETC/rabbitmq/rabbitmq.conf"
  render rabbitmq-env.conf "$LAB_ETC/rabbitmq/rabbitmq-env.conf"
  echo '[].' > "$LAB_ETC/rabbitmq/enabled_plugins"
  # the files hold passwords; only the broker's user needs to read its own
  chmod -R go-rwx "$LAB_ETC"
  chmod 755 "$LAB_ETC" "$LAB_ETC/rabbitmq"
  chmod 644 "$LAB_ETC"/rabbitmq/*
}

write_client_files() {
  ( umask 077
    cat > "$LAB_DIR/admin-openrc" <<EOF
# Admin credentials of the lab cluster in $LAB_DIR (source this file).
export OS_AUTH_URL=$LAB_KEYSTONE_URL/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=$LAB_ADMIN_USER
export OS_PASSWORD=$LAB_ADMIN_PASSWORD
export OS_PROJECT_NAME=$LAB_ADMIN_PROJECT
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$LAB_REGION
export OS_INTERFACE=public
EOF
    local hosts
    hosts=$(compute_hosts | sed 's/.*/"&"/' | paste -sd, -)
    cat > "$LAB_DIR/cluster.json" <<EOF
{
  "auth_url": "$LAB_KEYSTONE_URL/v3",
  "region": "$LAB_REGION",
  "interface": "public",
  "domain": "Default",
  "domain_id": "default",
  "admin": {
    "username": "$LAB_ADMIN_USER",
    "password": "$LAB_ADMIN_PASSWORD",
    "project": "$LAB_ADMIN_PROJECT",
    "user_domain": "Default",
    "project_domain": "Default"
  },
  "compute_hosts": [$hosts],
  "port_offset": $LAB_PORT_OFFSET,
  "ports": {
    "keystone": $LAB_PORT_KEYSTONE,
    "nova": $LAB_PORT_NOVA,
    "neutron": $LAB_PORT_NEUTRON,
    "glance": $LAB_PORT_GLANCE,
    "placement": $LAB_PORT_PLACEMENT,
    "mariadb": $LAB_PORT_MARIADB,
    "rabbitmq": $LAB_PORT_AMQP,
    "rabbitmq_dist": $LAB_PORT_AMQP_DIST,
    "epmd": $LAB_PORT_EPMD,
    "memcached": $LAB_PORT_MEMCACHED
  },
  "dir": "$LAB_DIR",
  "log_dir": "$LAB_LOG",
  "run_dir": "$LAB_RUN"
}
EOF
  )
}
