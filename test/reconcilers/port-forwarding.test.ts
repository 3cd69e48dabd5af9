// The Port reconciler (port forwarding) against the fake cloud: a network's `ports` spec becomes,
// for each instance's port, a floating IP from XOS's address pool with exactly those forwardings,
// through a router XOS makes (or one that is there); it follows the spec, repairs what drifts,
// adopts a floating IP whose create answer was lost, and says plainly what the cluster cannot do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World, type R, type Scene } from './world.js';
import type { SceneOptions } from './world.js';

const NET = '203.0.113';
const RANGES = `${NET}.10-${NET}.20`;

describe('Port reconciler: port forwarding (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  // An ACTIVE instance on a slice whose nat network can forward, and (unless `pool` is false) an
  // address pool on the controller whose external network is made.
  const setUp = async (o: SceneOptions & { pool?: boolean } = {}) => {
    const s = await w.begin(o);
    let pool: R | null = null;
    if (o.pool !== false) {
      pool = await s.create('AddressPool', { name: `${s.tag}-pool`, cidr: `${NET}.0/24`, gateway: `${NET}.1`, ranges: RANGES, controller: s.ids.ctl });
      await s.synced('ControllerAddressPool', (await s.appears('ControllerAddressPool', { address_pool: pool.id })).id);
    }
    const { slice, nets, links } = await s.readySlice('pf');
    const { link } = await s.readyImage();
    const inst = await s.instance(slice, { id: link.image });
    await s.synced('Instance', inst.id);
    const nat = nets.find((n) => n.name.endsWith('-nat'))!;
    const natLink = links.find((l) => l.network === nat.id)!;
    const port = await s.synced('Port', (await s.one('Port', { instance: inst.id, network: nat.id })).id);
    const ext = s.cloud.networks.find((n) => n.name === 'ext-net');
    return { s, pool, slice, inst, nat, natLink, port, ext };
  };
  const forward = async (s: Scene, nat: R, ports: string | null) => s.update('Network', nat.id, { ports });
  const withSpec = (s: Scene, portId: number, spec: string) =>
    s.settle('Port', portId, (r) => r.backend_code === 1 && String(r.backend_status).startsWith(`1 - OK (${spec} at `), `forwarding ${spec}`);
  // What Neutron forwards for a floating IP, as "tcp 80" / "tcp 8000:8010", sorted.
  const forwarded = (s: Scene, fip: string) =>
    s.cloud.portForwardings
      .filter((pf) => pf.floatingip_id === fip)
      .map((pf) => {
        const [a, b] = (pf.internal_port_range ?? `${pf.internal_port}:${pf.internal_port}`).split(':');
        return `${pf.protocol} ${a === b ? a : `${a}:${b}`}`;
      })
      .sort();
  const allocations = (s: Scene, inst: R) => s.find('AddressAllocation', { instance: inst.id });

  test('a spec becomes a floating IP from the pool with exactly its forwardings, through a router XOS makes; it follows the spec', async () => {
    const { s, pool, inst, nat, natLink, port, ext } = await setUp();
    await forward(s, nat, 'tcp 80, udp 53, tcp 8000:8010');
    let row = await withSpec(s, port.id, 'tcp 80, udp 53, tcp 8000:8010');
    const fip = s.cloud.neutron.floatingIps.get(row.floating_ip_id)!;
    assert.equal(row.backend_status, `1 - OK (tcp 80, udp 53, tcp 8000:8010 at ${NET}.10)`);
    assert.equal(row.floating_ip, `${NET}.10`, 'the first address of the pool');
    assert.equal(fip.floating_ip_address, `${NET}.10`);
    assert.equal(fip.floating_network_id, ext!.id);
    assert.equal(fip.description, `xos-port-${port.id}`);
    assert.deepEqual(forwarded(s, fip.id), ['tcp 80', 'tcp 8000:8010', 'udp 53']);
    const target = s.cloud.neutron.ports.get(port.port_id)!;
    for (const pf of s.cloud.portForwardings) {
      assert.equal(pf.internal_port_id, target.id);
      assert.equal(pf.internal_ip_address, port.ip);
    }
    assert.deepEqual((await allocations(s, inst)).map((a) => `${a.address} ${a.network} ${a.pool}`), [`${NET}.10 ${nat.id} ${pool!.id}`]);
    // XOS's router: a gateway outside the pool's ranges, an interface at nat-net's gateway
    const [router] = s.cloud.routers;
    assert.equal(router.name, `xos-${s.tag}-ctl`);
    assert.equal(router.description, `xos-controller-${s.ids.ctl}`);
    assert.deepEqual(router.external_gateway_info!.external_fixed_ips.map((f) => f.ip_address), [`${NET}.254`]);
    const iface = s.cloud.ports.find((p) => p.device_id === router.id && p.device_owner === 'network:router_interface')!;
    assert.deepEqual(iface.fixed_ips.map((f) => f.ip_address), ['172.16.0.1']);
    assert.equal((await s.row('ControllerNetwork', natLink.id))!.router_id, router.id);

    // A changed spec: only the difference is made and deleted, on the same floating IP.
    const kept = s.cloud.portForwardings.find((pf) => pf.protocol === 'udp')!.id;
    const mark = s.cloud.mark();
    await forward(s, nat, 'tcp 443, udp 53');
    row = await withSpec(s, port.id, 'tcp 443, udp 53');
    assert.equal(row.floating_ip_id, fip.id);
    assert.deepEqual(forwarded(s, fip.id), ['tcp 443', 'udp 53']);
    assert.ok(s.cloud.neutron.portForwardings.has(kept), 'udp 53 stayed as it was');
    assert.equal(s.cloud.since(mark, 'POST /network/v2.0/floatingips/*/port_forwardings').length, 1);
    assert.equal(s.cloud.since(mark, 'DELETE /network/v2.0/floatingips/*/port_forwardings/*').length, 2);

    // A cleared spec: the forwardings and the floating IP go, and the address is free again.
    await forward(s, nat, null);
    // Level, not message: a later pass over the cleared port (woken by the released address, say)
    // finds nothing held and writes a plain "1 - OK" over "1 - OK (port forwarding removed)".
    row = await s.settle(
      'Port',
      port.id,
      (r) => r.backend_code === 1 && r.floating_ip_id == null && /^1 - OK( \(port forwarding removed\))?$/.test(String(r.backend_status)),
      'the forwarding removed',
    );
    assert.equal(row.floating_ip, null);
    assert.equal(row.floating_ip_id, null);
    assert.equal(s.cloud.floatingIps.length, 0);
    assert.equal(s.cloud.portForwardings.length, 0);
    assert.deepEqual(await allocations(s, inst), []);
  });

  test('without the port-ranges extension a range is forwarded port by port; too many is a terminal error', async () => {
    const { s, nat, port } = await setUp({ cloud: { neutron: { extensions: ['router', 'external-net', 'floating-ip-port-forwarding'] } } });
    await forward(s, nat, 'tcp 8000:8002, udp 53');
    const row = await withSpec(s, port.id, 'tcp 8000:8002, udp 53');
    assert.deepEqual(forwarded(s, row.floating_ip_id), ['tcp 8000', 'tcp 8001', 'tcp 8002', 'udp 53']);
    assert.ok(s.cloud.requestsTo('POST /network/v2.0/floatingips/*/port_forwardings').every((r) => !('internal_port_range' in r.json.port_forwarding)));

    await forward(s, nat, 'tcp 1000:1200');
    const failed = await s.failed('Port', port.id);
    assert.equal(
      failed.backend_status,
      `2 - port forwarding needs 201 forwardings on ${s.tag}-ctl, which cannot forward port ranges (no floating-ip-port-forwarding-port-ranges extension): at most 100 are made one port at a time (ranges: tcp 1000:1200)`,
    );
    assert.equal(failed.backend_reason, 'unrecoverable');
    assert.equal(failed.next_retry, null);
    assert.deepEqual(forwarded(s, row.floating_ip_id), ['tcp 8000', 'tcp 8001', 'tcp 8002', 'udp 53'], 'nothing changed on the cluster');
  });

  test('a cluster without the port forwarding extension says so, terminally, and gets no floating IP', async () => {
    const { s, nat, port } = await setUp({ cloud: { neutron: { extensions: ['router', 'external-net'] } } });
    await forward(s, nat, 'tcp 22');
    const row = await s.failed('Port', port.id);
    assert.equal(row.backend_status, `2 - port forwarding is not supported on ${s.tag}-ctl: Neutron has no floating-ip-port-forwarding extension`);
    assert.equal(row.backend_reason, 'unrecoverable');
    assert.equal(row.next_retry, null, 'no retry until something changes');
    assert.equal(s.cloud.count('POST', '/network/v2.0/floatingips'), 0);
    assert.equal(s.cloud.count('POST', '/network/v2.0/routers'), 0);
  });

  test('a forwarding or a floating IP deleted behind its back is made again at the next resync', async () => {
    const { s, inst, nat, port } = await setUp();
    await forward(s, nat, 'tcp 22, tcp 80');
    const first = await withSpec(s, port.id, 'tcp 22, tcp 80');
    const gone = s.cloud.portForwardings.find((pf) => pf.internal_port === 80)!;
    s.cloud.neutron.portForwardings.delete(gone.id);
    await s.resync('Port', port.id);
    await s.cloudState('tcp 80 forwarded again', () => forwarded(s, first.floating_ip_id).join() === 'tcp 22,tcp 80');

    for (const pf of s.cloud.portForwardings) s.cloud.neutron.portForwardings.delete(pf.id);
    s.cloud.neutron.floatingIps.delete(first.floating_ip_id);
    for (const p of s.cloud.ports.filter((x) => x.device_id === first.floating_ip_id)) s.cloud.neutron.deletePort(p.id);
    await s.resync('Port', port.id);
    // (the new floating IP is recorded as soon as it exists, before its forwardings are made)
    const again = await s.settle(
      'Port',
      port.id,
      (r) => r.backend_code === 1 && r.floating_ip_id !== first.floating_ip_id && forwarded(s, r.floating_ip_id).join() === 'tcp 22,tcp 80',
      'a new floating IP with both forwardings',
    );
    assert.equal(again.floating_ip, first.floating_ip, 'the address XOS allocated stays the port\'s');
    assert.deepEqual(forwarded(s, again.floating_ip_id), ['tcp 22', 'tcp 80']);
    assert.equal((await allocations(s, inst)).length, 1);
  });

  test('a floating IP whose create answer is lost is found by its tag: one floating IP', async () => {
    const { s, nat, port } = await setUp();
    s.cloud.fail('POST /network/v2.0/floatingips', { afterHandling: true, drop: true, times: 1 });
    await forward(s, nat, 'udp 5000');
    const row = await withSpec(s, port.id, 'udp 5000');
    assert.equal(s.cloud.floatingIps.length, 1);
    assert.equal(row.floating_ip_id, s.cloud.floatingIps[0].id);
    assert.equal(s.cloud.count('POST', '/network/v2.0/floatingips'), 1);
    assert.deepEqual(forwarded(s, row.floating_ip_id), ['udp 5000']);
  });

  test('an address of the pool held by something XOS did not make is a configuration error naming it', async () => {
    const { s, nat, port, ext } = await setUp();
    const subnet = s.cloud.subnets.find((x) => x.network_id === ext!.id)!;
    s.cloud.neutron.addPort({ network_id: ext!.id, name: 'operator', fixed_ips: [{ subnet_id: subnet.id, ip_address: `${NET}.10` }] });
    await forward(s, nat, 'tcp 80');
    const row = await s.failed('Port', port.id);
    assert.equal(row.backend_status, `2 - address ${NET}.10 of pool ${s.tag}-pool is taken on ${s.tag}-ctl by something XOS did not make`);
    assert.equal(row.backend_reason, 'configuration');
  });

  test("a router the cluster already has is used; no pool is a configuration error", async () => {
    const { s, nat, port, ext } = await setUp();
    const natNet = s.cloud.networks.find((n) => n.name === 'nat-net')!;
    const theirs = s.cloud.neutron.routers;
    const routerId = 'operator-router';
    theirs.set(routerId, {
      id: routerId,
      name: 'edge',
      project_id: s.cloud.keystone.admin.project.id,
      tenant_id: s.cloud.keystone.admin.project.id,
      status: 'ACTIVE',
      admin_state_up: true,
      external_gateway_info: { network_id: ext!.id, enable_snat: true, external_fixed_ips: [] },
      description: '',
      tags: [],
    });
    s.cloud.neutron.addPort({ network_id: natNet.id, device_id: routerId, device_owner: 'network:router_interface', fixed_ips: [{ subnet_id: natNet.subnets[0], ip_address: '172.16.0.1' }] });
    await forward(s, nat, 'tcp 80');
    await withSpec(s, port.id, 'tcp 80');
    assert.equal(s.cloud.count('POST', '/network/v2.0/routers'), 0);
    assert.equal(s.cloud.floatingIps[0].router_id, routerId);

    const t = await setUp({ pool: false });
    await forward(t.s, t.nat, 'tcp 80');
    const row = await t.s.failed('Port', t.port.id);
    assert.equal(row.backend_status, `2 - port forwarding needs a public address, and no address pool serves ${t.s.tag}-ctl`);
    assert.equal(row.backend_reason, 'configuration');
  });

  test("deleting the slice takes away the floating IP, the address and XOS's router, and leaves nat-net", async () => {
    const { s, slice, inst, nat, port } = await setUp();
    await forward(s, nat, 'tcp 8080');
    const row = await withSpec(s, port.id, 'tcp 8080');
    const [router] = s.cloud.routers;
    await s.remove('Slice', slice.id);
    await s.purged('Slice', slice.id, 30_000);
    assert.equal(s.cloud.neutron.floatingIps.has(row.floating_ip_id), false);
    assert.equal(s.cloud.neutron.routers.has(router.id), false, "XOS's router went with its last interface");
    assert.deepEqual(await allocations(s, inst), []);
    const natNet = s.cloud.networks.find((n) => n.name === 'nat-net')!;
    assert.ok(natNet);
    assert.equal(s.cloud.ports.filter((p) => p.network_id === natNet.id && p.device_owner !== 'network:dhcp').length, 0, 'nothing of XOS left on nat-net');
  });
});
