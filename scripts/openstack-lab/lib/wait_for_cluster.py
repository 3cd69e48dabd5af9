"""Wait until the lab cluster is really usable, not just listening.

Usable means, for every expected compute host:
  - its nova-compute service is "up" with a heartbeat newer than the process's start
    (so a restarted compute is not mistaken for the one that was stopped),
  - its hypervisor is mapped into cell1 and "up",
  - its L2 agent is alive with a fresh heartbeat,
and nova-conductor and nova-scheduler are "up". New computes are mapped into the cell
with `nova-manage cell_v2 discover_hosts` as soon as they have registered: the
scheduler's periodic discovery first runs ~45 s after it starts.

Environment: the LAB_* variables exported by up.sh, plus
  LAB_WAIT_HOSTS     space-separated compute host names to check
  LAB_WAIT_TIMEOUT   seconds (default 240)
On failure it names the service that is missing and its log file, and exits 1.
"""
import datetime
import os
import subprocess
import sys
import time

from keystoneauth1 import session
from keystoneauth1.identity import v3

env = os.environ
hosts = env['LAB_WAIT_HOSTS'].split()
timeout = float(env.get('LAB_WAIT_TIMEOUT', '240'))
run_dir, log_dir = env['LAB_RUN'], env['LAB_LOG']

sess = session.Session(auth=v3.Password(
    auth_url=env['LAB_KEYSTONE_URL'] + '/v3', username=env['LAB_ADMIN_USER'],
    password=env['LAB_ADMIN_PASSWORD'], project_name=env['LAB_ADMIN_PROJECT'],
    user_domain_id='default', project_domain_id='default'))


def get(service_type, path):
    return sess.get(path, endpoint_filter={'service_type': service_type, 'interface': 'public',
                                           'region_name': env['LAB_REGION']}).json()


def started_at(service):
    """Wall-clock start of our process for `service`, or None if it is not running."""
    try:
        with open(os.path.join(run_dir, service + '.pid')) as f:
            pid = f.read().strip()
        with open(os.path.join(run_dir, service + '.started')) as f:
            started = int(f.read().strip())
    except OSError:
        return None
    if not os.path.exists('/proc/' + pid):
        return None
    return datetime.datetime.fromtimestamp(started, datetime.timezone.utc).replace(tzinfo=None)


def heartbeat(value):
    # Nova and Neutron report UTC without a zone, "2026-11-22T04:38:11.000000" or with a space
    if not value:
        return None
    return datetime.datetime.fromisoformat(value.replace(' ', 'T').split('.')[0])


def fresh(beat, since):
    # heartbeats carry whole seconds; allow the one the process sends as it starts
    return beat is not None and since is not None and beat >= since - datetime.timedelta(seconds=1)


def die(service, why):
    log = os.path.join(log_dir, service + '.log')
    message = 'ERROR: %s did not come up: %s.\n       log file: %s' % (service, why, log)
    try:
        with open(log, errors='replace') as f:
            tail = [line.rstrip()[:300] for line in f.readlines()[-12:]]
        message += '\n------ last lines of %s\n%s\n------' % (log, '\n'.join(tail))
    except OSError:
        pass
    sys.exit(message)


deadline = time.time() + timeout
discovered = set()
while True:
    missing = []
    services = get('compute', '/os-services')['services']
    for binary in ('nova-conductor', 'nova-scheduler'):
        if not any(s['binary'] == binary and s['state'] == 'up' for s in services):
            missing.append((binary, 'service not "up" in os-services'))
    hypervisors = {h['hypervisor_hostname']: h for h in get('compute', '/os-hypervisors')['hypervisors']}
    agents = {a['host']: a for a in get('network', '/v2.0/agents?binary=neutron-linuxbridge-agent')['agents']}
    undiscovered = []
    for host in hosts:
        compute, agent = 'nova-compute-' + host, 'neutron-linuxbridge-agent-' + host
        for service in (compute, agent):
            if started_at(service) is None:
                die(service, 'its process is not running')
        svc = next((s for s in services if s['binary'] == 'nova-compute' and s['host'] == host), None)
        if svc is None or svc['state'] != 'up' or not fresh(heartbeat(svc['updated_at']), started_at(compute)):
            missing.append((compute, 'no fresh heartbeat in os-services'))
        elif host not in hypervisors or hypervisors[host]['state'] != 'up':
            missing.append((compute, 'hypervisor not mapped or not up'))
            undiscovered.append(host)
        a = agents.get(host)
        if a is None or not a['alive'] or not fresh(heartbeat(a['heartbeat_timestamp']), started_at(agent)):
            missing.append((agent, 'agent not alive with a fresh heartbeat'))
    if not missing:
        print('compute services up: %d, hypervisors up: %d, L2 agents alive: %d'
              % (len(hosts), len(hosts), len(hosts)))
        break
    new_hosts = [h for h in undiscovered if h not in discovered]
    if new_hosts:
        subprocess.run(['nova-manage', '--config-file', env['LAB_ETC'] + '/nova/nova.conf',
                        '--config-file', env['LAB_ETC'] + '/nova/nova-db.conf',
                        'cell_v2', 'discover_hosts'], capture_output=True, check=False)
        discovered.update(new_hosts)
        continue
    if time.time() > deadline:
        service, why = missing[0]
        die(service, why + ' after %ds' % timeout)
    time.sleep(1)
