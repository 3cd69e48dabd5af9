/**
 * The OpenStack client against a real cluster: the lab from scripts/openstack-lab
 * (OpenStack Zed, fake hypervisors). Runs only with XOS_TEST_OPENSTACK=1; reads the
 * cluster's address and admin credentials from $OSLAB_DIR/cluster.json.
 *
 *   scripts/openstack-lab/up.sh
 *   XOS_TEST_OPENSTACK=1 node --import tsx --test test/openstack/client.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, encodeUserData, OpenStackClient, OpenStackError, type Credentials } from '../../src/openstack/client/index.js';
import { scaled } from '../helpers/wait.js';

interface LabCluster {
  auth_url: string;
  region: string;
  domain: string;
  admin: { username: string; password: string; project: string; user_domain: string; project_domain: string };
  compute_hosts: string[];
}

const labDir = process.env.OSLAB_DIR ?? '/tmp/xos-oslab';
const clusterFile = join(labDir, 'cluster.json');
const enabled = process.env.XOS_TEST_OPENSTACK === '1';
const skip = enabled
  ? false
  : `set XOS_TEST_OPENSTACK=1 to run against the lab cluster described by ${clusterFile} (start it with scripts/openstack-lab/up.sh)`;

function loadCluster(): LabCluster {
  if (!existsSync(clusterFile)) {
    throw new Error(`XOS_TEST_OPENSTACK=1 but ${clusterFile} does not exist: run scripts/openstack-lab/up.sh (or set OSLAB_DIR)`);
  }
  return JSON.parse(readFileSync(clusterFile, 'utf8')) as LabCluster;
}

function adminClient(cluster: LabCluster, credentials?: Credentials): OpenStackClient {
  return new OpenStackClient({
    authUrl: cluster.auth_url,
    region: cluster.region,
    credentials: credentials ?? {
      type: 'password',
      username: cluster.admin.username,
      password: cluster.admin.password,
      projectName: cluster.admin.project,
      userDomainName: cluster.admin.user_domain,
      projectDomainName: cluster.admin.project_domain,
    },
  });
}

/** names unique to this run, so a failed run never collides with the next one */
const prefix = `xos-client-test-${Date.now().toString(36)}`;

test('authenticates and reads the catalog', { skip }, async () => {
  const cluster = loadCluster();
  const client = adminClient(cluster);
  const token = await client.authenticate();
  assert.equal(token.user.name, cluster.admin.username);
  assert.equal(token.project?.name, cluster.admin.project);
  assert.ok(token.roles.some((r) => r.name === 'admin'));
  assert.ok(token.expiresAt.getTime() > Date.now() + 10 * 60_000, 'the lab issues tokens for hours');
  const types = token.catalog.map((s) => s.type).sort();
  for (const type of ['compute', 'identity', 'image', 'network', 'placement']) assert.ok(types.includes(type), `catalog has ${type}`);
  assert.match(await client.session.endpoint('compute'), /\/v2\.1$/);

  const services = await client.identity.listServices();
  assert.deepEqual([...new Set(services.map((s) => s.type))].sort(), ['compute', 'identity', 'image', 'network', 'placement']);
  assert.match((await client.compute.microversion()) ?? '', /^2\.\d+$/);
});

test('sees the compute services, hypervisors, agents and resource providers', { skip }, async () => {
  const cluster = loadCluster();
  const client = adminClient(cluster);

  const computes = await client.compute.listServices({ binary: 'nova-compute' });
  for (const host of cluster.compute_hosts) {
    const service = computes.find((s) => s.host === host);
    assert.ok(service, `nova-compute on ${host}`);
    assert.equal(service.state, 'up');
    assert.match(String(service.id), /^[0-9a-f-]{36}$/, 'service ids are UUIDs at microversion >= 2.53');
  }
  const hypervisors = await client.compute.listHypervisors();
  for (const host of cluster.compute_hosts) {
    const hv = hypervisors.find((h) => h.hypervisor_hostname === host);
    assert.ok(hv, `hypervisor ${host}`);
    assert.equal(hv.hypervisor_type, 'fake');
    assert.ok((hv.vcpus ?? 0) > 0, 'capacity fields are present (call held at 2.87)');
  }
  const agents = await collect(client.network.agents.list({ binary: 'neutron-linuxbridge-agent' }));
  for (const host of cluster.compute_hosts) assert.ok(agents.some((a) => a.host === host && a.alive), `L2 agent alive on ${host}`);

  const providers = await client.placement.listResourceProviders();
  for (const host of cluster.compute_hosts) {
    const rp = providers.find((p) => p.name === host);
    assert.ok(rp, `resource provider ${host}`);
    const inventories = await client.placement.getInventories(rp.uuid);
    assert.ok(inventories.inventories.VCPU && inventories.inventories.VCPU.total > 0);
    assert.ok(inventories.inventories.MEMORY_MB);
  }
});

test('creates and deletes a project, a user and a role assignment; an application credential authenticates', { skip }, async (t) => {
  const cluster = loadCluster();
  const client = adminClient(cluster);
  const cleanup: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  });

  const project = await client.identity.projects.create({ name: `${prefix}-project`, domain_id: 'default', description: 'made by the client test' });
  cleanup.push(() => client.identity.projects.delete(project.id, { ignoreMissing: true }));
  assert.equal((await client.identity.projects.get(project.id)).name, `${prefix}-project`);
  assert.equal((await client.identity.findProject(`${prefix}-project`))?.id, project.id);
  const renamed = await client.identity.projects.update(project.id, { description: 'changed' });
  assert.equal(renamed.description, 'changed');

  const user = await client.identity.users.create({ name: `${prefix}-user`, domain_id: 'default', password: 'user-pw-1234', default_project_id: project.id });
  cleanup.push(() => client.identity.users.delete(user.id, { ignoreMissing: true }));
  const member = await client.identity.findRole('member');
  assert.ok(member, 'the lab has a member role');
  await client.identity.grantProjectRole(project.id, user.id, member.id);
  assert.equal(await client.identity.hasProjectRole(project.id, user.id, member.id), true);
  const assignments = await collect(client.identity.listRoleAssignments({ 'scope.project.id': project.id, include_names: true }));
  assert.deepEqual(assignments.map((a) => [a.user?.name, a.role.name]), [[`${prefix}-user`, 'member']]);

  // the user, scoped to the new project, can use the cloud
  const asUser = adminClient(cluster, { type: 'password', username: `${prefix}-user`, password: 'user-pw-1234', projectId: project.id });
  assert.equal((await asUser.authenticate()).project?.id, project.id);
  assert.deepEqual(await collect(asUser.network.networks.list({ project_id: project.id })), []);

  // an application credential of that user authenticates on its own
  const appCred = await client.identity.createApplicationCredential(user.id, { name: `${prefix}-appcred` }).catch(async (err: unknown) => {
    // only the user may create its own credentials: do it as the user
    if (err instanceof OpenStackError && err.status === 403) return asUser.identity.createApplicationCredential(user.id, { name: `${prefix}-appcred` });
    throw err;
  });
  assert.ok(appCred.secret, 'the secret comes back once, on creation');
  const viaAppCred = adminClient(cluster, { type: 'application_credential', id: appCred.id, secret: appCred.secret });
  const appToken = await viaAppCred.authenticate();
  assert.deepEqual(appToken.methods, ['application_credential']);
  assert.equal(appToken.project?.id, project.id);
  await asUser.identity.deleteApplicationCredential(user.id, appCred.id);

  assert.equal(await client.identity.revokeProjectRole(project.id, user.id, member.id), true);
  assert.equal(await client.identity.users.delete(user.id), true);
  assert.equal(await client.identity.projects.delete(project.id), true);
  await assert.rejects(client.identity.projects.get(project.id), (err: unknown) => err instanceof OpenStackError && err.status === 404 && !!err.requestId);
});

test('creates, updates and deletes a network, a subnet and a port', { skip }, async (t) => {
  const cluster = loadCluster();
  const client = adminClient(cluster);
  const cleanup: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  });

  const network = await client.network.networks.create({ name: `${prefix}-net` });
  cleanup.push(() => client.network.networks.delete(network.id, { ignoreMissing: true }));
  assert.equal(network.status, 'ACTIVE');
  const subnet = await client.network.subnets.create({
    network_id: network.id, name: `${prefix}-subnet`, ip_version: 4, cidr: '198.51.100.0/24', gateway_ip: '198.51.100.1',
    allocation_pools: [{ start: '198.51.100.10', end: '198.51.100.14' }, { start: '198.51.100.50', end: '198.51.100.54' }],
  });
  cleanup.push(() => client.network.subnets.delete(subnet.id, { ignoreMissing: true }));
  assert.equal(subnet.allocation_pools.length, 2);

  const port = await client.network.ports.create({ network_id: network.id, name: `${prefix}-port` });
  cleanup.push(() => client.network.ports.delete(port.id, { ignoreMissing: true }));
  const ip = port.fixed_ips[0]?.ip_address ?? '';
  const last = Number(ip.split('.').pop());
  assert.ok((last >= 10 && last <= 14) || (last >= 50 && last <= 54), `port address ${ip} comes from a pool`);

  const updated = await client.network.networks.update(network.id, { name: `${prefix}-net-renamed` });
  assert.equal(updated.name, `${prefix}-net-renamed`);
  const ports = await collect(client.network.ports.list({ network_id: network.id }, { limit: 1 }));
  assert.deepEqual(ports.map((p) => p.id), [port.id]);

  assert.equal(await client.network.ports.delete(port.id), true);
  assert.equal(await client.network.subnets.delete(subnet.id), true);
  assert.equal(await client.network.networks.delete(network.id), true);
  await assert.rejects(client.network.networks.get(network.id), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.status, 404);
    assert.match(err.message, /could not be found/);
    assert.ok(err.requestId?.startsWith('req-'));
    return true;
  });
});

test('boots a server from an uploaded image to ACTIVE on a chosen host, finds it by metadata, deletes it', { skip }, async (t) => {
  const cluster = loadCluster();
  const client = adminClient(cluster);
  const cleanup: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  });

  // a few KB of zeros is a valid raw disk for the fake hypervisor
  const image = await client.image.create({ name: `${prefix}-image`, disk_format: 'raw', container_format: 'bare', visibility: 'private', xos_id: 'image/1' });
  cleanup.push(() => client.image.delete(image.id, { ignoreMissing: true }));
  assert.equal(image.status, 'queued');
  await client.image.upload(image.id, new Uint8Array(8192));
  const active = await client.image.waitForActive(image.id, { timeoutMs: scaled(60_000) });
  assert.equal(active.size, 8192);
  assert.equal(active.xos_id, 'image/1');
  assert.ok((await collect(client.image.list({ name: `${prefix}-image` }))).some((i) => i.id === image.id));

  const flavor = await client.compute.flavors.create({ name: `${prefix}-flavor`, vcpus: 1, ram: 64, disk: 1 });
  cleanup.push(() => client.compute.flavors.delete(flavor.id, { ignoreMissing: true }));
  const network = await client.network.networks.create({ name: `${prefix}-vm-net` });
  cleanup.push(() => client.network.networks.delete(network.id, { ignoreMissing: true }));
  await client.network.subnets.create({ network_id: network.id, ip_version: 4, cidr: '203.0.113.0/24' });

  const host = cluster.compute_hosts[cluster.compute_hosts.length - 1]!;
  const xosId = `instance/${prefix}`;
  const started = Date.now();
  const created = await client.compute.servers.create({
    name: `${prefix}-vm`,
    flavorRef: flavor.id,
    imageRef: image.id,
    networks: [{ uuid: network.id }],
    availability_zone: `nova:${host}`,
    metadata: { 'xos-id': xosId },
    user_data: encodeUserData('#cloud-config\n'),
  });
  cleanup.push(() => client.compute.servers.delete(created.id, { ignoreMissing: true }));
  const server = await client.compute.servers.waitForStatus(created.id, 'ACTIVE', { timeoutMs: scaled(120_000), intervalMs: 200 });
  const bootMs = Date.now() - started;
  t.diagnostic(`server ACTIVE ${bootMs} ms after POST /servers`);
  assert.equal(server['OS-EXT-SRV-ATTR:host'], host);
  assert.equal(server.metadata['xos-id'], xosId);
  assert.equal(server.flavor.vcpus, 1, 'flavor details are embedded from microversion 2.47 on');
  assert.ok(server.addresses[`${prefix}-vm-net`]?.[0]?.addr.startsWith('203.0.113.'));

  const found = await client.compute.servers.findByMetadata({ key: 'xos-id', value: xosId, name: `${prefix}-vm` });
  assert.deepEqual(found.map((s) => s.id), [created.id]);
  assert.deepEqual(await client.compute.servers.findByMetadata({ key: 'xos-id', value: 'instance/none', name: `${prefix}-vm` }), []);

  assert.equal(await client.compute.servers.delete(created.id), true);
  await client.compute.servers.waitForDeleted(created.id, { timeoutMs: scaled(60_000), intervalMs: 200 });
  await assert.rejects(client.compute.servers.get(created.id), (err: unknown) => err instanceof OpenStackError && err.status === 404 && /could not be found/.test(err.message));
});

test('reads and changes a project quota set', { skip }, async (t) => {
  const cluster = loadCluster();
  const client = adminClient(cluster);
  const project = await client.identity.projects.create({ name: `${prefix}-quota`, domain_id: 'default' });
  t.after(() => client.identity.projects.delete(project.id, { ignoreMissing: true }));
  const before = await client.compute.getQuotaSet(project.id);
  assert.equal(before.instances, 200, 'the lab raises the default instance quota');
  const after = await client.compute.updateQuotaSet(project.id, { instances: 7 });
  assert.equal(after.instances, 7);
  assert.equal((await client.compute.getQuotaSet(project.id)).instances, 7);
});
