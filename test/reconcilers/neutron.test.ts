// The Neutron reconciler (ControllerNetwork) against the fake cloud: a slice's private network and
// subnet are made in its project, found again after a crash, made again when deleted behind XOS's
// back and removed when the row goes; shared networks (nat-net) are only looked up, never deleted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World, type R, type Scene } from './world.js';

describe('Neutron reconciler (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  // A slice whose project is ready on the controller, and its two networks (private, nat).
  const sliceWithProject = async (s: Scene, extra: R = {}) => {
    const slice = await s.slice('net', extra);
    await s.synced('ControllerSite', (await s.ensureLink('ControllerSite', { site: s.ids.site })).id);
    const cs = await s.synced('ControllerSlice', (await s.ensureLink('ControllerSlice', { slice: slice.id })).id);
    const priv = await s.appears('Network', { owner: slice.id, name: `${slice.name}-private` });
    const nat = await s.appears('Network', { owner: slice.id, name: `${slice.name}-nat` });
    return { slice, cs, priv, nat };
  };
  const privateCidr = (id: number) => `10.${(id >> 8) & 0xff}.${id & 0xff}.0/24`;

  test("a slice's private network and subnet are made in its project, tagged; the Network reports", async () => {
    const s = await w.begin();
    const { cs, priv } = await sliceWithProject(s);
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: priv.id });
    const row = await s.synced('ControllerNetwork', cn.id);
    const net = s.cloud.neutron.networks.get(row.net_id)!;
    assert.equal(net.name, priv.name);
    assert.equal(net.project_id, cs.tenant_id);
    assert.equal(net.description, `xos-network-${priv.id}`);
    const sub = s.cloud.neutron.subnets.get(row.subnet_id)!;
    assert.equal(sub.network_id, net.id);
    assert.equal(sub.cidr, privateCidr(cn.id), 'the subnet derived from the link row');
    assert.equal(row.subnet, sub.cidr);
    assert.equal(sub.gateway_ip, null);
    assert.equal(sub.enable_dhcp, true);
    assert.equal(sub.description, `xos-network-${priv.id}`);
    // made with a token of the slice's project
    assert.equal(s.cloud.requestsTo('POST /network/v2.0/networks')[0].project, cs.tenant_id);
    assert.equal((await s.synced('Network', priv.id)).backend_status, `1 - OK on ${s.tag}-ctl`);
  });

  test("a network's own subnet is used when it names one", async () => {
    const s = await w.begin();
    const { slice, cs } = await sliceWithProject(s);
    const tpl = (await s.find('NetworkTemplate', { name: 'Private' }))[0];
    const n = await s.create('Network', { name: `${s.tag}-lan`, template: tpl.id, owner: slice.id, subnet: '192.168.77.0/24' });
    const row = await s.synced('ControllerNetwork', (await s.create('ControllerNetwork', { controller: s.ids.ctl, network: n.id })).id);
    assert.equal(s.cloud.neutron.subnets.get(row.subnet_id)!.cidr, '192.168.77.0/24');
    assert.equal(s.cloud.neutron.networks.get(row.net_id)!.project_id, cs.tenant_id);
  });

  test("a shared template's network is looked up, and its absence is a configuration error", async () => {
    const s = await w.begin();
    const { nat } = await sliceWithProject(s);
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: nat.id });
    const row = await s.synced('ControllerNetwork', cn.id);
    const natNet = s.cloud.networks.find((n) => n.name === 'nat-net')!;
    assert.equal(row.net_id, natNet.id);
    assert.equal(s.cloud.count('POST', '/network/v2.0/networks'), 0);
    // removal leaves it: it is the cluster's
    await s.remove('ControllerNetwork', cn.id);
    await s.purged('ControllerNetwork', cn.id);
    assert.ok(s.cloud.neutron.networks.has(natNet.id));

    const s2 = await w.begin({ natNet: false });
    const { nat: nat2 } = await sliceWithProject(s2);
    const cn2 = await s2.create('ControllerNetwork', { controller: s2.ids.ctl, network: nat2.id });
    const failed = await s2.failed('ControllerNetwork', cn2.id);
    assert.equal(failed.backend_status, '2 - the cluster has no network "nat-net" (template Public shared IPv4)');
    assert.equal(failed.backend_reason, 'configuration');
  });

  test('a create whose answer is lost is adopted by its tag on the next attempt, no duplicate', async () => {
    const s = await w.begin();
    const { priv } = await sliceWithProject(s);
    s.cloud.fail('POST /network/v2.0/networks', { afterHandling: true, drop: true, times: 1 });
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: priv.id });
    const row = await s.synced('ControllerNetwork', cn.id);
    const mine = s.cloud.networks.filter((n) => n.name === priv.name);
    assert.equal(mine.length, 1);
    assert.equal(row.net_id, mine[0].id);
    assert.equal(s.cloud.count('POST', '/network/v2.0/networks'), 1);
    assert.equal(s.cloud.subnets.filter((x) => x.network_id === mine[0].id).length, 1);
  });

  test('a network deleted behind its back is made again, with its subnet, at the next resync', async () => {
    const s = await w.begin();
    const { priv } = await sliceWithProject(s);
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: priv.id });
    const before = await s.synced('ControllerNetwork', cn.id);
    s.cloud.neutron.deleteNetwork(before.net_id);
    await s.resync('ControllerNetwork', cn.id);
    const after = await s.settle('ControllerNetwork', cn.id, (r) => r.backend_code === 1 && r.net_id !== before.net_id, 'a new network');
    assert.ok(s.cloud.neutron.networks.has(after.net_id));
    assert.equal(s.cloud.neutron.subnets.get(after.subnet_id)!.network_id, after.net_id);
    assert.equal(s.cloud.neutron.subnets.get(after.subnet_id)!.cidr, privateCidr(cn.id));
  });

  test('removal looks again while a server XOS does not know still has a port on the network (409), then deletes it', async () => {
    const s = await w.begin();
    const { cs, priv } = await sliceWithProject(s);
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: priv.id });
    const row = await s.synced('ControllerNetwork', cn.id);
    const server = s.cloud.nova.addServer({ name: 'still-here', project: cs.tenant_id, networks: [row.net_id] });
    await s.remove('ControllerNetwork', cn.id);
    const busy = await s.settle('ControllerNetwork', cn.id, (r) => /still has ports/.test(r.backend_status), 'a requeue on the busy network');
    assert.match(busy.backend_status, /^0 - network \S+ still has ports$/);
    assert.equal(busy.backend_reason, null, 'not an error: the ports of a server going away are expected');
    assert.ok(s.cloud.neutron.networks.has(row.net_id));
    s.cloud.nova.removeServer(server.id);
    await s.purged('ControllerNetwork', cn.id);
    assert.equal(s.cloud.neutron.networks.has(row.net_id), false);
    assert.equal(s.cloud.neutron.subnets.has(row.subnet_id), false);
  });

  test("a network whose tag is not XOS's is left on removal", async () => {
    const s = await w.begin();
    const { priv } = await sliceWithProject(s);
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: priv.id });
    const row = await s.synced('ControllerNetwork', cn.id);
    s.cloud.neutron.networks.get(row.net_id)!.description = 'taken over by an operator';
    await s.remove('ControllerNetwork', cn.id);
    await s.purged('ControllerNetwork', cn.id);
    assert.ok(s.cloud.neutron.networks.has(row.net_id));
  });

  test("a slice project that cannot be made shows on the network's link, which waits", async () => {
    const s = await w.begin();
    const slice = await s.slice('dep');
    await s.synced('ControllerSite', (await s.ensureLink('ControllerSite', { site: s.ids.site })).id);
    s.cloud.fail('PUT /compute/v2.1/os-quota-sets/*', { status: 400, message: 'Quota value 5 for instances is less than already used and reserved instances.' });
    const priv = await s.appears('Network', { owner: slice.id, name: `${slice.name}-private` });
    const cn = await s.create('ControllerNetwork', { controller: s.ids.ctl, network: priv.id });
    const row = await s.failed('ControllerNetwork', cn.id);
    assert.equal(
      row.backend_status,
      `2 - Waiting for the project of slice ${slice.id} on this controller, which failed: slice project: compute rejected the request: Quota value 5 for instances is less than already used and reserved instances.`,
    );
    assert.equal(row.backend_reason, 'dependency');
    assert.equal(s.cloud.count('POST', '/network/v2.0/networks'), 0);
    const sliceRow = await s.failed('Slice', slice.id);
    assert.match(sliceRow.backend_status, /^2 - on \S+: slice project: compute rejected the request/);
  });
});
