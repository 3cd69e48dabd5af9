// The SDN controller of a network (part of the ControllerNetwork reconciler) against the fake
// cloud: a network whose template asks for one gets a server from the template's image, and once
// it runs with an address, its URL; a controller that gets no address in time, or goes to ERROR,
// is deleted and reported on the network; a create whose answer is lost is adopted; the controller
// goes before its network, and goes when the template no longer asks for one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World, type Scene } from './world.js';
import type { SceneOptions } from './world.js';

describe('SDN controller of a network (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  // A network from a template that asks for an SDN controller, and its link on the controller.
  const sdnNetwork = async (o: SceneOptions & { timeout?: number } = {}) => {
    const s = await w.begin(o);
    const { link } = await s.readyImage();
    const slice = await s.slice('sdn');
    await s.synced('ControllerSite', (await s.ensureLink('ControllerSite', { site: s.ids.site })).id);
    const cs = await s.synced('ControllerSlice', (await s.ensureLink('ControllerSlice', { slice: slice.id })).id);
    const tpl = await s.create('NetworkTemplate', { name: `${s.tag}-sdn`, controller_kind: 'onos', controller_image: link.image, controller_port: 6653, controller_timeout: o.timeout ?? 30 });
    const net = await s.create('Network', { name: `${s.tag}-ovx`, template: tpl.id, owner: slice.id, autoconnect: false });
    return { s, cs, tpl, net, image: link };
  };
  const sdnServers = (s: Scene, linkId: number) => s.cloud.servers.filter((x) => x.metadata['xos-id'] === `controllernetwork/${linkId}`);

  test('boots the controller on its network in the slice project and records its URL; it goes before the network', async () => {
    // The server stays in BUILD until the test has seen the row say so (a busy machine could
    // otherwise miss the moment between two looks).
    const { s, cs, net, image } = await sdnNetwork({ cloud: { nova: { boot: { stuck: true } } } });
    s.cloud.nova.deleteReads = 1;
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: net.id });
    const waiting = await s.settle('ControllerNetwork', cn.id, (r) => /^0 - SDN controller \S+ is BUILD/.test(r.backend_status), 'the controller building');
    assert.match(waiting.backend_status, new RegExp(`^0 - SDN controller ${net.name}-sdn is BUILD; waiting up to 30 s for its address$`));
    assert.ok(waiting.net_id, 'the network is recorded before the controller is up');
    for (const building of sdnServers(s, cn.id)) building.plan = { polls: 1 };
    const row = await s.synced('ControllerNetwork', cn.id);
    const [server] = sdnServers(s, cn.id);
    assert.equal(row.controller_instance_id, server.id);
    assert.equal(server.name, `${net.name}-sdn`);
    assert.equal(server.tenant_id, cs.tenant_id);
    assert.equal(server.image && server.image.id, image.glance_image_id);
    assert.equal(server.metadata['xos-network'], net.name);
    assert.ok(Number(server.metadata['xos-booted']) > 0);
    const ports = s.cloud.ports.filter((p) => p.device_id === server.id);
    assert.deepEqual(ports.map((p) => p.network_id), [row.net_id], 'on its network only');
    assert.equal(row.controller_url, `tcp:${ports[0].fixed_ips[0].ip_address}:6653`);
    assert.equal(row.backend_status, `1 - OK (SDN controller at ${row.controller_url})`);
    assert.equal((await s.row('Network', net.id))!.controller_url, row.controller_url);

    const mark = s.cloud.mark();
    await s.remove('Network', net.id);
    await s.purged('Network', net.id);
    const deletes = s.cloud.since(mark).filter((r) => r.method === 'DELETE' && r.status === 204).map((r) => r.path);
    assert.deepEqual(deletes, [`/compute/v2.1/servers/${server.id}`, `/network/v2.0/networks/${row.net_id}`]);
    assert.ok(s.logs.some((l) => l === `ControllerNetwork ${cn.id} remove: requeue`), 'it waited for the server to go');
  });

  test('a controller that gets no address in time is deleted and reported on the network; a later one comes up', async () => {
    const { s, net } = await sdnNetwork({ timeout: 1, cloud: { nova: { boot: { stuck: true } } } });
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: net.id });
    // (a retry records its new server as soon as it is made, while the row still shows the failure)
    const failed = await s.settle('ControllerNetwork', cn.id, (r) => r.backend_code === 2 && r.controller_instance_id === null, 'the failure, its server forgotten');
    assert.equal(failed.backend_status, `2 - SDN controller for network ${net.name} got no address within 1 s`);
    assert.equal(failed.backend_reason, 'transient');
    assert.equal(failed.controller_instance_id, null);
    assert.equal(failed.controller_url, null);
    assert.ok(s.cloud.count('DELETE', '/compute/v2.1/servers/*') >= 1, 'the late one was deleted');
    const n = await s.failed('Network', net.id);
    assert.equal(n.backend_status, `2 - on ${s.tag}-ctl: SDN controller for network ${net.name} got no address within 1 s`);
    s.cloud.nova.boot = { polls: 0 };
    const row = await s.synced('ControllerNetwork', cn.id, 20_000);
    assert.deepEqual(sdnServers(s, cn.id).map((x) => x.id), [row.controller_instance_id], 'one controller left');
  });

  test('a controller that goes to ERROR shows its fault and is replaced; a lost create answer is adopted', async () => {
    const { s, net } = await sdnNetwork();
    s.cloud.nova.nextBoots.push({ error: 'Build of instance aborted: Flavor\'s disk is too small for requested image.' });
    s.cloud.fail('POST /compute/v2.1/servers', { afterHandling: true, drop: true, times: 1 });
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: net.id });
    const row = await s.synced('ControllerNetwork', cn.id, 20_000);
    const errors = s.logs.filter((l) => l.startsWith(`ControllerNetwork ${cn.id} reconcile: error`));
    // the dropped create made the ERROR server: the next look finds it by its metadata, reads its fault
    assert.match(errors[0], /cannot reach compute/);
    assert.match(errors[1], new RegExp(`SDN controller for network ${net.name} failed: Build of instance aborted: Flavor's disk is too small for requested image\\.$`));
    assert.equal(s.cloud.count('POST', '/compute/v2.1/servers'), 2, 'one create lost (and adopted), one after the ERROR');
    assert.deepEqual(sdnServers(s, cn.id).map((x) => x.id), [row.controller_instance_id]);
  });

  test('a template that no longer asks for a controller loses it at the next resync', async () => {
    const { s, tpl, net } = await sdnNetwork();
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: net.id });
    const row = await s.synced('ControllerNetwork', cn.id);
    await s.update('NetworkTemplate', tpl.id, { controller_kind: 'none' });
    await s.resync('ControllerNetwork', cn.id);
    const after = await s.settle('ControllerNetwork', cn.id, (r) => r.backend_code === 1 && r.controller_url === null, 'no controller');
    assert.equal(after.controller_instance_id, null);
    assert.equal(after.net_id, row.net_id, 'the network stays');
    assert.equal(s.cloud.nova.servers.has(row.controller_instance_id), false);
    assert.equal((await s.row('Network', net.id))!.controller_url, null);
  });
});
