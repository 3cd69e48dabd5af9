"""Create the networks every cluster of the era had (idempotent).

nat-net: the shared network that gives every slice NAT access (XOS's "Public shared IPv4"
template attaches instances to it by name): shared, subnet 172.16.0.0/16 with gateway
172.16.0.1, no DHCP, as the OpenCloud Neutron plugin made it. It is an ordinary "local"
network here; the lab has no data plane. The external network (ext-net) is not made
here: XOS makes it from its address pool.

Reads the LAB_* variables exported by up.sh.
"""
import os

from keystoneauth1 import session
from keystoneauth1.identity import v3

env = os.environ
sess = session.Session(auth=v3.Password(
    auth_url=env['LAB_KEYSTONE_URL'] + '/v3', username=env['LAB_ADMIN_USER'],
    password=env['LAB_ADMIN_PASSWORD'], project_name=env['LAB_ADMIN_PROJECT'],
    user_domain_id='default', project_domain_id='default'))
endpoint = {'service_type': 'network', 'interface': 'public', 'region_name': env['LAB_REGION']}


def call(method, path, **kw):
    return sess.request('/v2.0/' + path, method, endpoint_filter=endpoint, **kw).json()


NAME, CIDR, GATEWAY = 'nat-net', '172.16.0.0/16', '172.16.0.1'

nets = call('GET', 'networks', params={'name': NAME})['networks']
if len(nets) > 1:
    raise SystemExit('more than one network is named %s: %s' % (NAME, ', '.join(n['id'] for n in nets)))
if nets:
    net = nets[0]
    if not net['shared']:
        net = call('PUT', 'networks/' + net['id'], json={'network': {'shared': True}})['network']
else:
    net = call('POST', 'networks', json={'network': {
        'name': NAME, 'shared': True, 'description': 'Shared NAT network (lab)'}})['network']

subnets = call('GET', 'subnets', params={'network_id': net['id']})['subnets']
subnet = next((s for s in subnets if s['cidr'] == CIDR), None)
if subnet is None:
    subnet = call('POST', 'subnets', json={'subnet': {
        'network_id': net['id'], 'name': NAME, 'ip_version': 4, 'cidr': CIDR,
        'gateway_ip': GATEWAY, 'enable_dhcp': False}})['subnet']
print('%s %s, subnet %s gateway %s' % (NAME, net['id'], subnet['cidr'], subnet['gateway_ip']))
