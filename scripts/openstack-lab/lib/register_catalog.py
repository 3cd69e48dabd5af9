"""Register the lab's service users and catalog in Keystone (idempotent).

Runs in one Python process because the `openstack` CLI costs 1-2 s of start-up per
call. Reads everything from the environment that up.sh exports, so no password
appears on a command line.
"""
import os

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

env = os.environ
keystone_url = env['LAB_KEYSTONE_URL']
region = env['LAB_REGION']

ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url=keystone_url + '/v3', username=env['LAB_ADMIN_USER'],
    password=env['LAB_ADMIN_PASSWORD'], project_name=env['LAB_ADMIN_PROJECT'],
    user_domain_id='default', project_domain_id='default')))


def first(items):
    return items[0] if items else None


service_project = first(ks.projects.list(name='service', domain='default')) or \
    ks.projects.create('service', 'default', description='OpenStack service users')

roles = {role.name: role for role in ks.roles.list()}
for role_name in ('admin', 'member', 'reader', 'service'):
    if role_name not in roles:
        roles[role_name] = ks.roles.create(role_name)

# Each service authenticates as its own user with the admin and service roles in the
# service project; the password is reset on every run so a new secret takes effect.
for user_name in ('nova', 'neutron', 'glance', 'placement'):
    user = first(ks.users.list(name=user_name, domain='default'))
    if user is None:
        user = ks.users.create(user_name, domain='default', password=env['LAB_SERVICE_PASSWORD'])
    else:
        ks.users.update(user, password=env['LAB_SERVICE_PASSWORD'])
    for role_name in ('admin', 'service'):
        ks.roles.grant(roles[role_name], user=user, project=service_project)

# Nova's endpoint carries its version; Neutron's, Glance's and Placement's do not,
# which is what clients expect from a default deployment.
catalog = [
    ('nova', 'compute', 'http://127.0.0.1:%s/v2.1' % env['LAB_PORT_NOVA']),
    ('neutron', 'network', 'http://127.0.0.1:%s' % env['LAB_PORT_NEUTRON']),
    ('glance', 'image', 'http://127.0.0.1:%s' % env['LAB_PORT_GLANCE']),
    ('placement', 'placement', 'http://127.0.0.1:%s' % env['LAB_PORT_PLACEMENT']),
]
for name, service_type, url in catalog:
    service = first(ks.services.list(type=service_type)) or ks.services.create(name, type=service_type)
    existing = {e.interface: e for e in ks.endpoints.list(service=service, region=region)}
    for interface in ('public', 'internal', 'admin'):
        endpoint = existing.get(interface)
        if endpoint is None:
            ks.endpoints.create(service, url, interface=interface, region=region)
        elif endpoint.url != url:
            ks.endpoints.update(endpoint, url=url)
print('catalog registered: ' + ', '.join(service_type for _, service_type, _ in catalog))
