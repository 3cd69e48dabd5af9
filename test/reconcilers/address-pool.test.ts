// The address pool reconcilers against the fake cloud: a pool becomes its controllers' external
// network and a subnet whose allocation pools are exactly its ranges; the subnet follows the pool
// and is repaired when it drifts; removal takes away only what XOS made and nothing still in use.
// Instances on a public network boot with a port at the address XOS allocated, and give it back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World, type R, type Scene } from './world.js';

const NET = '198.51.100';
const RANGES = `${NET}.3-${NET}.15, ${NET}.17, ${NET}.19-${NET}.30`;
const POOLS = [`${NET}.3-${NET}.15`, `${NET}.17-${NET}.17`, `${NET}.19-${NET}.30`];

describe('AddressPool reconcilers (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  const pool = async (s: Scene, extra: R = {}) => {
    const p = await s.create('AddressPool', { name: `${s.tag}-pool`, cidr: `${NET}.0/24`, gateway: `${NET}.1`, ranges: RANGES, controller: s.ids.ctl, ...extra });
    const link = await s.appears('ControllerAddressPool', { address_pool: p.id });
    return { p, link: await s.synced('ControllerAddressPool', link.id) };
  };
  const pools = (sub: { allocation_pools: { start: string; end: string }[] }) => sub.allocation_pools.map((x) => `${x.start}-${x.end}`);

  test("a pool becomes the controller's external network and a subnet of exactly its ranges", async () => {
    const s = await w.begin();
    const { p, link } = await pool(s);
    const net = s.cloud.neutron.networks.get(link.net_id)!;
    assert.equal(net.name, 'ext-net');
    assert.equal(net['router:external'], true);
    assert.equal(net.shared, true);
    assert.equal(net.description, `xos-addresspool-${p.id}`);
    const sub = s.cloud.neutron.subnets.get(link.subnet_id)!;
    assert.equal(sub.cidr, `${NET}.0/24`);
    assert.equal(sub.gateway_ip, `${NET}.1`);
    assert.equal(sub.enable_dhcp, false, 'XOS picks every address itself');
    assert.deepEqual(pools(sub), POOLS);
    assert.equal(link.backend_status, `1 - OK (ext-net ${NET}.0/24: ${NET}.3-${NET}.15, ${NET}.17, ${NET}.19-${NET}.30)`);
    assert.equal((await s.synced('AddressPool', p.id)).backend_status, `1 - OK on ${s.tag}-ctl`);
  });

  test('the subnet follows the pool, and is put back when it drifts', async () => {
    const s = await w.begin();
    const { p, link } = await pool(s);
    // drift: someone widens the allocation pools
    s.cloud.neutron.subnets.get(link.subnet_id)!.allocation_pools = [{ start: `${NET}.2`, end: `${NET}.254` }];
    await s.resync('ControllerAddressPool', link.id);
    await s.cloudState('the allocation pools put back', () => pools(s.cloud.neutron.subnets.get(link.subnet_id)!).join() === POOLS.join());
    // the pool's ranges change
    await s.update('AddressPool', p.id, { ranges: `${NET}.40-${NET}.49` });
    await s.cloudState('the new ranges on the subnet', () => pools(s.cloud.neutron.subnets.get(link.subnet_id)!).join() === `${NET}.40-${NET}.49`);
    // the pool's CIDR changes: a new subnet, and the old one (unused) goes
    await s.update('AddressPool', p.id, { cidr: '192.0.2.0/24', gateway: '192.0.2.1', ranges: '192.0.2.10-192.0.2.20' });
    const moved = await s.settle('ControllerAddressPool', link.id, (r) => r.backend_code === 1 && r.subnet_id !== link.subnet_id, 'a new subnet');
    assert.equal(moved.net_id, link.net_id, 'on the same network');
    assert.equal(s.cloud.neutron.subnets.has(link.subnet_id), false);
    assert.equal(s.cloud.neutron.subnets.get(moved.subnet_id)!.cidr, '192.0.2.0/24');
  });

  test("an operator's network of that name is used; removal leaves it, and what ports still use", async () => {
    const s = await w.begin({ start: false });
    const theirs = s.cloud.neutron.addNetwork({ name: 'ext-net', 'router:external': true, shared: true });
    await s.engine.start();
    const { p, link } = await pool(s);
    assert.equal(link.net_id, theirs.id);
    assert.equal(s.cloud.count('POST', '/network/v2.0/networks'), 0);
    s.cloud.neutron.addPort({ network_id: theirs.id, name: 'someones', fixed_ips: [{ subnet_id: link.subnet_id, ip_address: `${NET}.200` }] });
    await s.remove('AddressPool', p.id);
    await s.purged('ControllerAddressPool', link.id);
    await s.purged('AddressPool', p.id);
    assert.ok(s.cloud.neutron.networks.has(theirs.id));
    assert.ok(s.cloud.neutron.subnets.has(link.subnet_id), 'a port is on it');
    assert.ok(s.logs.some((l) => l === `address pool ${p.name}: left on ${s.tag}-ctl: subnet ${NET}.0/24 (1 port on it), network ext-net (not made by XOS)`), s.logs.join('\n'));
  });

  test('removal deletes the subnet and network XOS made', async () => {
    const s = await w.begin();
    const { p, link } = await pool(s);
    await s.remove('AddressPool', p.id);
    await s.purged('AddressPool', p.id);
    assert.equal(s.cloud.neutron.networks.has(link.net_id), false);
    assert.equal(s.cloud.neutron.subnets.has(link.subnet_id), false);
  });

  test("a deployment's pool goes to each of its controllers that has no pool of its own", async () => {
    const s = await w.begin();
    const { cloud: other, ctl: c2 } = await s.addController('ctl2');
    const { cloud: third, ctl: c3 } = await s.addController('ctl3');
    const own = await s.create('AddressPool', { name: `${s.tag}-own`, cidr: '192.0.2.0/24', ranges: '192.0.2.5-192.0.2.9', controller: c3.id });
    const p = await s.create('AddressPool', { name: `${s.tag}-dep`, cidr: `${NET}.0/24`, ranges: RANGES, deployment: s.ids.dep });
    const done = await s.synced('AddressPool', p.id);
    assert.equal(done.backend_status, `1 - OK on ${s.tag}-ctl, ${c2.name}`);
    for (const c of [s.cloud, other]) assert.deepEqual(pools(c.subnets.find((x) => x.cidr === `${NET}.0/24`)!), POOLS);
    assert.equal(third.subnets.some((x) => x.cidr === `${NET}.0/24`), false, 'the third has its own pool');
    assert.deepEqual(third.subnets.map((x) => x.cidr), ['192.0.2.0/24']);
    await s.synced('AddressPool', own.id);
  });

  describe('instances on a public network', () => {
    const publicSlice = async (s: Scene, ranges: string) => {
      const { p, link: poolLink } = await pool(s, { ranges });
      const { slice } = await s.readySlice('pub');
      const [tpl] = await s.find('NetworkTemplate', { name: 'Public dedicated IPv4' });
      const pub = await s.create('Network', { name: `${s.tag}-pub`, template: tpl.id, owner: slice.id });
      const { link } = await s.readyImage();
      return { p, poolLink, slice, pub, image: { id: link.image } };
    };

    test('boot with a port at the address XOS allocated, and give it back once the server is gone', async () => {
      const s = await w.begin();
      const { p, poolLink, slice, pub, image } = await publicSlice(s, RANGES);
      const inst = await s.instance(slice, image);
      const row = await s.synced('Instance', inst.id);
      const [alloc] = await s.find('AddressAllocation', { instance: inst.id });
      assert.equal(alloc.address, `${NET}.3`, 'the first address of the ranges');
      assert.equal(alloc.pool, p.id);
      const port = s.cloud.ports.find((x) => x.network_id === poolLink.net_id && x.device_id === row.instance_uuid)!;
      assert.ok(port, 'a port on the external network, bound to the server');
      assert.equal(port.name, `${slice.name}-${inst.id}-public`);
      assert.equal(port.description, `xos-instance-${inst.id}`);
      assert.deepEqual(port.fixed_ips, [{ subnet_id: poolLink.subnet_id, ip_address: `${NET}.3` }]);
      const boot = s.cloud.requestsTo('POST /compute/v2.1/servers')[0].json.server;
      assert.ok(boot.networks.some((n: R) => n.port === port.id), 'booted with that port');
      assert.equal((await s.one('Port', { instance: inst.id, network: pub.id })).ip, `${NET}.3`);

      await s.remove('Instance', inst.id);
      await s.purged('Instance', inst.id);
      assert.equal(s.cloud.neutron.ports.has(port.id), false, 'the port Nova was given is deleted by XOS');
      assert.deepEqual(await s.find('AddressAllocation', { instance: inst.id }), []);
    });

    test('an exhausted pool is a configuration error on the instance that found no address', async () => {
      const s = await w.begin();
      const { slice, image } = await publicSlice(s, `${NET}.9`);
      const a = await s.instance(slice, image);
      await s.synced('Instance', a.id);
      const b = await s.instance(slice, image);
      const row = await s.failed('Instance', b.id);
      assert.equal(row.backend_status, `2 - pool ${s.tag}-pool exhausted: 1 of 1 addresses in use`);
      assert.equal(row.backend_reason, 'configuration');
      assert.equal(s.cloud.count('POST', '/compute/v2.1/servers'), 1);
      // a freed address goes to the one that waits
      await s.remove('Instance', a.id);
      await s.purged('Instance', a.id);
      await s.synced('Instance', b.id, 20_000);
      assert.equal((await s.one('AddressAllocation', { instance: b.id })).address, `${NET}.9`);
    });
  });
});
