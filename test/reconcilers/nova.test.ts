// The Instance reconciler against the fake cloud: an instance becomes a server in its slice's
// project, on the slice's networks, with its members' keys, pinned where asked; a server made
// before XOS wrote its id down (or behind its back) is adopted, one deleted behind its back is made
// again, one that goes to ERROR shows its fault and is replaced; removal deletes the server before
// the row goes, and a slice goes in reverse dependency order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, World, type R, type Scene } from './world.js';
import { dbOf } from '../../src/store/inspect.js';

describe('Instance reconciler (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  const serversOf = (s: Scene, instanceId: number) => s.cloud.servers.filter((x) => x.metadata['xos-id'] === `instance/${instanceId}`);
  const ready = async (s: Scene, extra: R = {}) => ({ ...(await s.readySlice('app', extra)), ...(await s.readyImage()) });

  test('an instance becomes a server in the slice project, on its networks, with the members\' keys; pinned where asked', async () => {
    const s = await w.begin({ cloud: { nova: { boot: { polls: 3 } } } });
    const host = s.cloud.nova.addService(`${s.tag}-h9`).host;
    const node = await s.create('Node', { name: host, site_deployment: s.ids.sd });
    const u = await s.user('ida');
    const { slice, cs, links, link } = await ready(s);
    await s.create('SlicePrivilege', { user: u.id, slice: slice.id, role: (await s.find('SliceRole', { role: 'access' }))[0].id });
    const [large] = await s.find('Flavor', { name: 'm1.large' });
    const a = await s.instance(slice, { id: link.image });
    const b = await s.instance(slice, { id: link.image }, { node: node.id, flavor: large.id });

    // Right after the create: the server's id is recorded and the row says it builds.
    const building = await s.settle('Instance', a.id, (r) => r.instance_uuid != null, 'its server id recorded');
    assert.equal(building.backend_code, 0);
    assert.equal(building.backend_status, `0 - server ${slice.name}-${a.id} is BUILD`);

    const ra = await s.synced('Instance', a.id);
    const rb = await s.synced('Instance', b.id);
    const sa = s.cloud.nova.servers.get(ra.instance_uuid)!;
    const sb = s.cloud.nova.servers.get(rb.instance_uuid)!;
    assert.equal(sa.name, `${slice.name}-${a.id}`);
    assert.equal(sa.tenant_id, cs.tenant_id, 'in the slice project');
    assert.deepEqual(sa.metadata, { 'xos-id': `instance/${a.id}`, 'xos-slice': slice.name });
    assert.equal(sa.image && sa.image.id, link.glance_image_id);
    assert.equal(sa.flavor.id, '2', "Nova's m1.small, found by name");
    const userData = Buffer.from(String(sa.user_data), 'base64').toString('utf8');
    assert.match(userData, /^#cloud-config\n/);
    assert.ok(userData.includes(`hostname: ${slice.name}-${a.id}`));
    assert.ok(userData.includes(JSON.stringify(KEY)), "the member's key");
    // on the slice's private network and the shared nat-net
    const ports = s.cloud.ports.filter((p) => p.device_id === sa.id);
    assert.deepEqual(ports.map((p) => s.cloud.neutron.networks.get(p.network_id)!.name).sort(), ['nat-net', `${slice.name}-private`].sort());
    const privNet = links.map((l) => s.cloud.neutron.networks.get(l.net_id)!).find((n) => n.name === `${slice.name}-private`)!;
    assert.equal(ra.ip, ports.find((p) => p.network_id === privNet.id)!.fixed_ips[0].ip_address);
    assert.equal(ra.instance_id, sa.instance_name);
    assert.equal(ra.instance_name, sa.name);
    // The Port rows record Neutron's ports.
    const portRows = await s.find('Port', { instance: a.id });
    assert.deepEqual(portRows.map((p) => `${p.port_id} ${p.ip} ${p.mac}`).sort(), ports.map((p) => `${p.id} ${p.fixed_ips[0].ip_address} ${p.mac_address}`).sort());
    // pinned, with a flavor Nova did not have (made there)
    assert.equal(sb.host, host);
    assert.equal(s.cloud.requestsTo('POST /compute/v2.1/servers').find((r) => r.json.server.name === sb.name)!.json.server.availability_zone, `nova:${host}`);
    const made = s.cloud.requestsTo('POST /compute/v2.1/flavors');
    assert.deepEqual(made.map((r) => r.json.flavor), [{ name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 }]);
    assert.equal(sb.flavor.id, [...s.cloud.nova.flavors.values()].find((f) => f.name === 'm1.large')!.id);
    assert.equal((await s.synced('Slice', slice.id)).backend_status, `1 - OK on ${s.tag}-ctl`);
  });

  test('a server made before the row recorded its id (a crash after the create) is adopted, not made again', async () => {
    const s = await w.begin();
    const { slice, cs, links, link } = await ready(s);
    await s.pause();
    const inst = await s.instance(slice, { id: link.image });
    // What a crash between the create and its outcome leaves: the name, recorded before the call.
    await dbOf(s.store).query('UPDATE instances SET instance_name = $2 WHERE id = $1', [inst.id, `${slice.name}-${inst.id}`]);
    const theirs = s.cloud.nova.addServer({
      name: `${slice.name}-${inst.id}`,
      project: cs.tenant_id,
      metadata: { 'xos-id': `instance/${inst.id}` },
      networks: links.map((l) => l.net_id),
    });
    // another project's server with a similar name and no xos-id is not mistaken for it
    s.cloud.nova.addServer({ name: `${slice.name}-${inst.id}`, project: s.cloud.keystone.admin.project.id });
    await s.resume();
    const row = await s.synced('Instance', inst.id);
    assert.equal(row.instance_uuid, theirs.id);
    assert.equal(s.cloud.count('POST', '/compute/v2.1/servers'), 0);
    assert.equal(serversOf(s, inst.id).length, 1);
  });

  test('a 500 on create is retried; a create whose answer is lost is adopted: one server', async () => {
    const s = await w.begin();
    const { slice, link } = await ready(s);
    s.cloud.fail('POST /compute/v2.1/servers', { status: 500, times: 1 });
    s.cloud.fail('POST /compute/v2.1/servers', { afterHandling: true, drop: true, times: 1 });
    const inst = await s.instance(slice, { id: link.image });
    const row = await s.synced('Instance', inst.id);
    assert.deepEqual(s.cloud.requestsTo('POST /compute/v2.1/servers').map((r) => r.status), [500, 0]);
    const mine = serversOf(s, inst.id);
    assert.equal(mine.length, 1, 'exactly one server');
    assert.equal(row.instance_uuid, mine[0].id);
    const errors = s.logs.filter((l) => l.startsWith(`Instance ${inst.id} reconcile: error`));
    assert.match(errors[0], /: server \S+: Nova failed with an internal error \(see its log\)$/);
    assert.match(errors[1], /: server \S+: cannot reach compute/);
  });

  test('a server deleted behind its back is made again at the next resync, even when its flavor went too', async () => {
    const s = await w.begin();
    const { slice, link } = await ready(s);
    const inst = await s.instance(slice, { id: link.image });
    const before = await s.synced('Instance', inst.id);
    s.cloud.nova.removeServer(before.instance_uuid);
    s.cloud.nova.flavors.delete('2'); // m1.small, whose id XOS remembers
    await s.resync('Instance', inst.id);
    const after = await s.settle('Instance', inst.id, (r) => r.backend_code === 1 && r.instance_uuid !== before.instance_uuid, 'a new server');
    assert.deepEqual(serversOf(s, inst.id).map((x) => x.id), [after.instance_uuid]);
    const server = s.cloud.nova.servers.get(after.instance_uuid)!;
    assert.equal(server.status, 'ACTIVE');
    // The remembered flavor id was refused (400), looked up again and, missing, made again.
    const creates = s.cloud.requestsTo('POST /compute/v2.1/servers').map((r) => `${r.json.server.flavorRef} ${r.status}`);
    const made = [...s.cloud.nova.flavors.values()].find((f) => f.name === 'm1.small')!;
    assert.deepEqual(creates, ['2 202', '2 400', `${made.id} 202`]);
    assert.equal(server.flavor.id, made.id);
  });

  test('a server that goes to ERROR shows its fault, explained by the hosts, and is replaced', async () => {
    const s = await w.begin();
    const { slice, link } = await ready(s);
    s.cloud.nova.host('compute2')!.state = 'down';
    s.cloud.nova.boot = { error: 'No valid host was found. There are not enough hosts available.' };
    const inst = await s.instance(slice, { id: link.image });
    const failed = await s.failed('Instance', inst.id);
    assert.equal(failed.backend_status, `2 - server ${slice.name}-${inst.id}: No valid host was found. There are not enough hosts available. (nova-compute on compute2 is down)`);
    assert.equal(failed.backend_reason, 'transient');
    assert.ok(failed.next_retry, 'retried');
    s.cloud.nova.boot = { polls: 0 };
    const row = await s.synced('Instance', inst.id, 20_000);
    assert.deepEqual(serversOf(s, inst.id).map((x) => x.id), [row.instance_uuid], 'the failed servers were deleted');
    assert.ok(s.cloud.count('DELETE', '/compute/v2.1/servers/*') >= 1);
  });

  test("an exhausted quota is a configuration error, and raising the slice's limit lets the server come", async () => {
    const s = await w.begin();
    const { slice, link } = await ready(s, { max_instances: 1 });
    const first = await s.instance(slice, { id: link.image });
    await s.synced('Instance', first.id);
    const second = await s.instance(slice, { id: link.image });
    const failed = await s.failed('Instance', second.id);
    assert.equal(failed.backend_status, `2 - server ${slice.name}-${second.id}: the project quota is exhausted`);
    assert.equal(failed.backend_reason, 'configuration');
    await s.update('Slice', slice.id, { max_instances: 2 });
    await s.synced('Instance', second.id, 20_000);
    const project = (await s.one('ControllerSlice', { slice: slice.id })).tenant_id;
    assert.equal(s.cloud.nova.quotaOf(project).instances, 2);
    assert.equal(s.cloud.servers.filter((x) => x.tenant_id === project).length, 2);
  });

  test('an image that cannot reach the cluster shows on the instance, which makes no server', async () => {
    const s = await w.begin();
    const { slice } = await s.readySlice('app');
    const img = await s.image(`${s.tag}-nofile`, '/nonexistent/disk.img');
    const inst = await s.instance(slice, img);
    const row = await s.failed('Instance', inst.id);
    assert.equal(row.backend_status, `2 - Waiting for image ${img.name} on ${s.tag}-ctl, which failed: image file /nonexistent/disk.img does not exist`);
    assert.equal(row.backend_reason, 'dependency');
    assert.equal(s.cloud.count('POST', '/compute/v2.1/servers'), 0);
  });

  test('removal deletes the server, waits for it to go, then purges Ports and the row; the slice goes in reverse order', async () => {
    const s = await w.begin();
    s.cloud.nova.deleteReads = 1; // a deleted server is still seen once, as Nova does while it tears it down
    const { slice, cs, links, link } = await ready(s);
    const a = await s.instance(slice, { id: link.image });
    const b = await s.instance(slice, { id: link.image });
    const [ra, rb] = [await s.synced('Instance', a.id), await s.synced('Instance', b.id)];
    const portIds = (await s.find('Port', { instance: a.id })).map((p) => p.id);
    assert.equal(portIds.length, 2);

    await s.remove('Instance', a.id);
    const going = await s.settle('Instance', a.id, (r) => r.backend_status === '0 - server is being deleted', 'the server being deleted');
    assert.equal(going.deleted, true);
    await s.purged('Instance', a.id);
    for (const p of portIds) assert.equal(await s.row('Port', p), null, 'its Ports went with it');
    assert.equal(s.cloud.nova.servers.has(ra.instance_uuid), false);
    assert.equal(s.cloud.ports.filter((p) => p.device_id === ra.instance_uuid).length, 0, "Nova's ports went with the server");

    // The whole slice: servers first, then its networks, then its project; the rows after them.
    const mark = s.cloud.mark();
    await s.remove('Slice', slice.id);
    await s.purged('Slice', slice.id, 30_000);
    const order = s.cloud.since(mark).filter((r) => r.method === 'DELETE' && r.status === 204).map((r) => r.path);
    const at = (p: string) => order.indexOf(p);
    const privLink = links.find((l) => s.cloud.neutron.networks.get(l.net_id)?.name !== 'nat-net')!;
    assert.ok(at(`/compute/v2.1/servers/${rb.instance_uuid}`) >= 0, order.join('\n'));
    assert.ok(at(`/compute/v2.1/servers/${rb.instance_uuid}`) < at(`/network/v2.0/networks/${privLink.net_id}`), order.join('\n'));
    assert.ok(at(`/network/v2.0/networks/${privLink.net_id}`) < at(`/identity/v3/projects/${cs.tenant_id}`), order.join('\n'));
    assert.equal(s.cloud.keystone.projects.has(cs.tenant_id), false);
    assert.ok(s.cloud.networks.some((n) => n.name === 'nat-net'), "the cluster's nat-net stays");
    for (const [name, id] of [['Instance', b.id], ['ControllerSlice', cs.id], ...links.map((l) => ['ControllerNetwork', l.id] as const)] as const)
      assert.equal(await s.row(name, Number(id)), null, `${name} ${id} purged`);
  });
});
