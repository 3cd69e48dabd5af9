# shellcheck shell=bash
# Installing the Debian 12 (bookworm) packages the lab runs from: OpenStack Zed.
#
# Not installed on purpose:
# - nova-compute: it depends on a hypervisor package (libvirt/qemu). The lab runs
#   nova-compute from python3-nova (pulled in by nova-api), whose nova/virt/fake.py
#   is all the fake driver needs.
# - neutron-linuxbridge-agent: the agent binary is in neutron-common already; the
#   package would only add an init script.
# nova-consoleproxy brings nova-novncproxy and noVNC, so that the remote-console API
# hands out URLs that a proxy on this machine answers.

LAB_PACKAGES=(
  mariadb-server rabbitmq-server memcached
  keystone glance-api placement-api
  nova-api nova-conductor nova-scheduler nova-consoleproxy
  neutron-server
  python3-openstackclient python3-osc-placement
  curl gettext-base util-linux
)

missing_packages() {
  local p
  for p in "${LAB_PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || echo "$p"
  done
}

install_packages() {
  local missing created_policy=0
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -eq 0 ]; then
    step "packages: all present"
    return 0
  fi
  step "packages: installing ${#missing[@]} missing (${missing[*]}), log $LAB_LOG/apt-install.log"
  [ "$(id -u)" = 0 ] || fail "installing packages needs root (or run with --no-install)"

  # Package maintainer scripts must not start or restart daemons: the machine's own
  # MariaDB and RabbitMQ are running and must stay untouched. policy-rc.d answering
  # 101 ("action forbidden") makes invoke-rc.d skip every start/stop/restart.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  # The OpenStack packages ask debconf whether to set up databases, RabbitMQ users
  # and Keystone endpoints for us; the lab does all of that itself, in its own places.
  debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-common glance/configure_rabbit boolean false
glance-common glance/configure_ksat boolean false
glance-api glance/configure_api-endpoint boolean false
placement-common placement/configure_db boolean false
placement-common placement/configure_ksat boolean false
placement-api placement/configure_api-endpoint boolean false
nova-common nova/configure_db boolean false
nova-common nova/configure_rabbit boolean false
nova-common nova/configure_ksat boolean false
nova-common nova/configure_neutron boolean false
nova-common nova/configure_placement boolean false
nova-api novaapi/configure_db boolean false
nova-api nova/configure_api-endpoint boolean false
neutron-common neutron/configure_db boolean false
neutron-common neutron/configure_rabbit boolean false
neutron-common neutron/configure_ksat boolean false
neutron-common neutron/configure_nova boolean false
neutron-api neutron/configure_api-endpoint boolean false
EOF
  local rc=0
  {
    apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  } >> "$LAB_LOG/apt-install.log" 2>&1 || rc=$?
  if [ $created_policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ $rc != 0 ]; then
    tail -n 20 "$LAB_LOG/apt-install.log" >&2
    fail "apt-get install failed (exit $rc); full log: $LAB_LOG/apt-install.log"
  fi
  step "packages: installed"
}

# With --no-install the packages must already be there; say which ones are not.
require_packages() {
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  [ -z "$missing" ] || fail "packages missing: $missing(run up.sh without --no-install, as root)"
}
