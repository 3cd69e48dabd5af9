// Slice networks, port forwarding and SDN controllers on the real test clusters. Every slice has
// NAT access: its instances get a port on the shared nat-net. A port-forwarding spec on the NAT
// network becomes a floating IP from XOS's address pool with exactly the forwardings Neutron then
// lists, follows a change of the spec and goes when the spec is cleared; the second lab, which has
// no port forwarding plugin, says so on the port. A network whose template asks for an SDN
// controller gets a controller server and its URL, loses it with the network, and reports a
// controller that gets no address in time (the scheduler paused, so that none can).
//
// Everything public runs on an external network of its own (xt-<run>, 198.19.x.0/24, a benchmark
// range no other test uses), and the clean-up also sweeps the clusters for this run's leftovers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { connectLab, lab, labClient, labService, labSkip, tinyImageFile, type Lab } from '../helpers/lab.js';
import { sweep } from '../helpers/lab-sweep.js';
import { scaled, until as waitFor } from '../helpers/wait.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { collect, type OpenStackClient } from '../../src/openstack/client/index.js';
import { parseRanges, toInt } from '../../src/net/address-ranges.js';
import { dbOf } from '../../src/store/inspect.js';
import { synchronizerFor } from '../../src/sync/backends.js';

const LAB2 = process.env.OSLAB2_DIR ?? '/tmp/xos-oslab2';

describe('networking on the real clusters', { skip: labSkip }, () => {
  let s: TestServer;
  let engine: Engine;
  let cloud: OpenStackClient;
  let cloud2: OpenStackClient;
  const run = crypto.randomBytes(3).toString('hex');
  const net = `198.19.${crypto.randomInt(256)}`;
  const RANGES = `${net}.10-${net}.14, ${net}.20`;
  const extName = `xt-${run}`;
  const sliceName = `nw${run}_app`;
  const ids: Record<string, number> = {};
  let routerId = '';
  const logs: string[] = [];

  const post = async (plural: string, body: unknown) => {
    const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, `${plural}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const patch = async (plural: string, id: number, body: unknown) => {
    const r = await s.call(ADMIN, 'PATCH', `/api/core/${plural}/${id}`, body);
    assert.equal(r.status, 200, `${plural} ${id}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const get = async (plural: string, id: number) => (await s.call(ADMIN, 'GET', `/api/core/${plural}/${id}`)).body;
  const list = async (plural: string, query = '') => (await s.call(ADMIN, 'GET', `/api/core/${plural}?limit=500${query}`)).body.items as any[];
  // Budgets are for an idle machine; helpers/wait.ts stretches them under load.
  const until = <T>(what: string | (() => Promise<string>), probe: () => Promise<T | null | undefined | false>, ms = 120_000) => waitFor(what, probe, { ms });
  const statusOf = (plural: string, id: number) => async () => `${plural} ${id} (${(await get(plural, id))?.backend_status})`;
  // (a transient error is retried: other suites stop and start the labs' services)
  const synced = (plural: string, id: number, ms?: number) =>
    until(statusOf(plural, id), async () => {
      const r = await get(plural, id);
      if (r.backend_code === 2 && r.backend_reason !== 'transient') assert.fail(`${plural} ${id}: ${r.backend_status}`);
      return r.backend_code === 1 && r.enacted && r;
    }, ms);
  const inPool = (ip: string) => parseRanges(RANGES).ranges.some((r) => toInt(ip) >= r.start && toInt(ip) <= r.end);
  const natPort = async (instance: number) => (await list('ports', `&instance=${instance}&network=${ids.nat}`))[0];
  // What Neutron forwards for a floating IP, as "tcp 80" / "tcp 8000:8010", sorted.
  const forwarded = async (fip: string, ip: string) =>
    (await collect(cloud.network.portForwardings(fip).list()))
      .map((pf) => {
        assert.equal(pf.internal_ip_address, ip, 'to the port\'s fixed address');
        assert.equal(pf.internal_port_range ?? `${pf.internal_port}:${pf.internal_port}`, pf.external_port_range ?? `${pf.external_port}:${pf.external_port}`);
        const [a, b] = String(pf.internal_port_range ?? `${pf.internal_port}:${pf.internal_port}`).split(':');
        return `${pf.protocol} ${a === b ? a : `${a}:${b}`}`;
      })
      .sort();

  before(async () => {
    const l1 = lab();
    const l2: Lab = lab(LAB2);
    s = await startTestServer('pglite');
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: scaled(30_000) })), {
      tickMs: 250,
      backoff: { baseSeconds: 1, capSeconds: 5 },
      log: (msg, extra) => logs.push(`${msg}${extra?.message ? `: ${extra.message}` : ''}`),
    });
    await engine.start();
    cloud = labClient(l1);
    cloud2 = labClient(l2);
    const site = await post('sites', { name: `Net ${run}`, login_base: `nw${run}` });
    const image = await post('images', { name: `nw-${run}`, disk_format: 'raw', container_format: 'bare', path: tinyImageFile() });
    for (const [k, l] of [['1', l1], ['2', l2]] as const)
      ({ dep: ids[`dep${k}`], ctl: ids[`ctl${k}`] } = await connectLab(post, l, `nw-${run}-${k}`, site.id, image.id));
    const pool = await post('addresspools', { name: `nw-${run}`, cidr: `${net}.0/24`, gateway: `${net}.1`, ranges: RANGES, controller: ids.ctl1, network_name: extName });
    const slice = await post('slices', { name: sliceName, site: site.id, max_instances: 10 });
    Object.assign(ids, { site: site.id, image: image.id, pool: pool.id, slice: slice.id });
  });

  after(async () => {
    // XOS takes away what it made; then whatever this run left on the clusters goes too, so that
    // a failed run does not leave floating IPs, routers or servers behind.
    if (s && ids.slice && (await dbOf(s.store).query('SELECT 1 FROM slices WHERE id = $1', [ids.slice])).length) {
      await s.call(ADMIN, 'DELETE', `/api/core/slices/${ids.slice}`);
      await until('the slice purged', async () => {
        const [{ n }] = await dbOf(s.store).query<{ n: number }>('SELECT count(*)::int AS n FROM slices WHERE id = $1', [ids.slice]);
        return n === 0;
      }, 180_000).catch((e: Error) => console.log(`clean-up incomplete: ${e.message}`));
    }
    if (s && ids.pool) {
      await s.call(ADMIN, 'DELETE', `/api/core/addresspools/${ids.pool}`);
      await until('the pool purged', async () => (await dbOf(s.store).query('SELECT 1 FROM address_pools WHERE id = $1', [ids.pool])).length === 0, 60_000).catch(
        (e: Error) => console.log(`clean-up incomplete: ${e.message}`),
      );
    }
    await engine?.stop();
    await s?.close();
    for (const c of [cloud, cloud2].filter(Boolean)) await sweep(c, run).catch((e: Error) => console.log(`sweep: ${e.message}`));
  });

  test('every slice has a private network and NAT access; its instances get a port on nat-net', async () => {
    const inst = await post('instances', { slice: ids.slice, deployment: ids.dep1, image: ids.image, flavor: 1 });
    ids.inst = inst.id;
    const row = await synced('instances', inst.id, 180_000);
    const nets = await list('networks', `&owner=${ids.slice}`);
    const byName = Object.fromEntries(nets.map((n) => [n.name, n]));
    assert.deepEqual(Object.keys(byName).sort(), [`${sliceName}-nat`, `${sliceName}-private`]);
    const templates = Object.fromEntries((await list('networktemplates')).map((t) => [t.id, t.name]));
    assert.equal(templates[byName[`${sliceName}-nat`].template], 'Public shared IPv4');
    ids.nat = byName[`${sliceName}-nat`].id;
    const server = await cloud.compute.servers.get(row.instance_uuid);
    assert.deepEqual(Object.keys(server.addresses).sort(), ['nat-net', `${sliceName}-private`].sort());
    const port = await natPort(inst.id);
    assert.ok(port, 'a Port row on the NAT network');
    assert.equal(port.ip, server.addresses['nat-net'][0].addr);
    assert.match(port.ip, /^172\.16\./);
    const [natNet] = await collect(cloud.network.networks.list({ name: 'nat-net' }));
    assert.equal((await cloud.network.ports.get(port.port_id)).network_id, natNet.id);
    assert.equal(port.floating_ip, null, 'no forwarding asked for, no floating IP');
  });

  test('another slice joins a network only when it is permitted', async () => {
    const other = await post('slices', { name: `nw${run}_other`, site: ids.site });
    const [priv] = (await list('networks', `&owner=${ids.slice}`)).filter((n) => n.name.endsWith('-private'));
    const refused = await s.call(ADMIN, 'POST', '/api/core/networkslices', { network: priv.id, slice: other.id });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /may not join network/);
    await patch('networks', priv.id, { permitted_slices: [other.id] });
    await post('networkslices', { network: priv.id, slice: other.id });
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/slices/${other.id}`)).status, 204);
  });

  test('port forwarding: the spec becomes a floating IP from the pool with exactly those forwardings, and follows the spec', async () => {
    await patch('networks', ids.nat, { ports: 'tcp 80, udp 53, tcp 8000:8010' });
    // (the floating IP is recorded as soon as it exists; the status once the forwardings match)
    const forwarding = (p: any, spec: string) => p.backend_code === 1 && p.backend_status.startsWith(`1 - OK (${spec} at `) && p;
    let port = await until(statusOf('ports', (await natPort(ids.inst)).id), async () => {
      const p = await natPort(ids.inst);
      assert.notEqual(p.backend_code, 2, p.backend_status);
      return forwarding(p, 'tcp 80, udp 53, tcp 8000:8010');
    });
    assert.ok(inPool(port.floating_ip), `${port.floating_ip} is in ${RANGES}`);
    assert.equal(port.backend_status, `1 - OK (tcp 80, udp 53, tcp 8000:8010 at ${port.floating_ip})`);
    const fip = await cloud.network.floatingIps.get(port.floating_ip_id);
    assert.equal(fip.floating_ip_address, port.floating_ip);
    const [ext] = await collect(cloud.network.networks.list({ name: extName }));
    assert.equal(fip.floating_network_id, ext.id, 'on the pool\'s external network');
    assert.deepEqual(await forwarded(fip.id, port.ip), ['tcp 80', 'tcp 8000:8010', 'udp 53']);
    const allocated = await dbOf(s.store).query<{ ip: string }>('SELECT host(address) AS ip FROM address_allocations WHERE instance = $1 AND network = $2', [ids.inst, ids.nat]);
    assert.deepEqual(allocated.map((a) => a.ip), [port.floating_ip], 'XOS allocated exactly that address');
    // The router that joins nat-net to the external network is recorded on the network's link.
    const [link] = await list('controllernetworks', `&network=${ids.nat}&controller=${ids.ctl1}`);
    assert.ok(link.router_id);
    routerId = link.router_id;
    const router = await cloud.network.routers.get(link.router_id);
    assert.equal(router.external_gateway_info?.network_id, ext.id);
    assert.ok(!inPool(router.external_gateway_info!.external_fixed_ips![0].ip_address), 'the router holds no address of the pool');

    // a changed spec: Neutron follows, on the same floating IP
    await patch('networks', ids.nat, { ports: 'tcp 443, udp 53' });
    await until(async () => `forwardings ${JSON.stringify(await forwarded(fip.id, port.ip))} (${(await natPort(ids.inst)).backend_status})`, async () => {
      const now = await forwarded(fip.id, port.ip);
      return JSON.stringify(now) === JSON.stringify(['tcp 443', 'udp 53']) && now;
    });
    port = await until(statusOf('ports', port.id), async () => forwarding(await natPort(ids.inst), 'tcp 443, udp 53'));
    assert.equal(port.floating_ip_id, fip.id);

    // a cleared spec: the forwardings and the floating IP go, and the address is free again
    await patch('networks', ids.nat, { ports: null });
    await until('the floating IP deleted', async () => cloud.network.floatingIps.get(fip.id).then(() => false, (e) => e.status === 404));
    port = await until(statusOf('ports', port.id), async () => {
      const p = await natPort(ids.inst);
      return p.backend_code === 1 && p.floating_ip === null && p;
    });
    assert.equal(port.floating_ip_id, null);
    assert.deepEqual(await dbOf(s.store).query('SELECT 1 FROM address_allocations WHERE instance = $1 AND network = $2', [ids.inst, ids.nat]), []);
  });

  test('a cluster without the port forwarding extension says so on the port', async () => {
    const extensions = (await cloud2.network.listExtensions()).map((e) => e.alias);
    assert.ok(!extensions.includes('floating-ip-port-forwarding'), 'the second lab runs without the plugin (OSLAB_PORT_FORWARDING=0)');
    await patch('networks', ids.nat, { ports: 'tcp 22' });
    const inst = await post('instances', { slice: ids.slice, deployment: ids.dep2, image: ids.image, flavor: 1 });
    await synced('instances', inst.id, 180_000);
    const port = await until(async () => `the port of instance ${inst.id} on the NAT network (${(await natPort(inst.id))?.backend_status})`, async () => {
      const p = await natPort(inst.id);
      return p?.backend_code === 2 && p;
    });
    assert.equal(port.backend_status, `2 - port forwarding is not supported on nw-${run}-2: Neutron has no floating-ip-port-forwarding extension`);
    assert.equal(port.next_retry, null, 'terminal: no retry until something changes');
    assert.equal(port.floating_ip, null);
    // meanwhile the first cluster forwards the same spec
    const p1 = await until(statusOf('ports', (await natPort(ids.inst)).id), async () => {
      const p = await natPort(ids.inst);
      return p.backend_code === 1 && p.backend_status.startsWith('1 - OK (tcp 22 at ') && p;
    });
    assert.deepEqual(await forwarded(p1.floating_ip_id, p1.ip), ['tcp 22']);
    await patch('networks', ids.nat, { ports: null });
    await until('the spec cleared on both', async () => {
      const [a, b] = [await natPort(ids.inst), await natPort(inst.id)];
      return a.backend_code === 1 && a.floating_ip === null && b.backend_code === 1 && b;
    });
  });

  test('an SDN controller boots with its network, its URL is recorded, and it goes with the network', async () => {
    const tpl = await post('networktemplates', { name: `sdn-${run}`, controller_kind: 'onos', controller_image: ids.image, controller_port: 6653, controller_timeout: 90 });
    // (autoconnect off: the slice's other instances need not wait for it)
    const n = await post('networks', { name: `${sliceName}-ovx`, template: tpl.id, owner: ids.slice, autoconnect: false });
    const link = await post('controllernetworks', { controller: ids.ctl1, network: n.id });
    const done = await synced('controllernetworks', link.id, 150_000);
    assert.match(done.controller_url, /^tcp:10\.\d+\.\d+\.\d+:6653$/);
    assert.equal((await get('networks', n.id)).controller_url, done.controller_url);
    const server = await cloud.compute.servers.get(done.controller_instance_id);
    assert.equal(server.status, 'ACTIVE');
    assert.equal(server.metadata['xos-id'], `controllernetwork/${link.id}`);
    assert.deepEqual(Object.keys(server.addresses), [n.name], 'on its network only');
    assert.equal(`tcp:${server.addresses[n.name][0].addr}:6653`, done.controller_url);
    const [cs] = await list('controllerslices', `&slice=${ids.slice}&controller=${ids.ctl1}`);
    assert.equal(server.tenant_id, cs.tenant_id, "in the slice's project");

    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/networks/${n.id}`)).status, 204);
    await until('the network row purged', async () => (await dbOf(s.store).query('SELECT 1 FROM networks WHERE id = $1', [n.id])).length === 0, 120_000);
    await assert.rejects(cloud.compute.servers.get(server.id), (e: { status: number }) => e.status === 404, 'the controller server is gone');
    await assert.rejects(cloud.network.networks.get(done.net_id), (e: { status: number }) => e.status === 404, 'and then the network');
  });

  test('an SDN controller that gets no address in time is deleted and reported on the network', async () => {
    // The fake hypervisor can make a server ACTIVE in under a second, so the cluster is made slow
    // for certain: with its scheduler paused, every server it is asked for stays in BUILD.
    const tpl = await post('networktemplates', { name: `sdn1-${run}`, controller_kind: 'custom', controller_image: ids.image, controller_timeout: 1 });
    const n = await post('networks', { name: `${sliceName}-slow`, template: tpl.id, owner: ids.slice, autoconnect: false });
    await labService(lab(), 'pause', 'nova-scheduler');
    let link: { id: number };
    try {
      link = await post('controllernetworks', { controller: ids.ctl1, network: n.id });
      const failed = await until(statusOf('networks', n.id), async () => {
        const r = await get('networks', n.id);
        return r.backend_code === 2 && r;
      });
      assert.equal(failed.backend_status, `2 - on nw-${run}-1: SDN controller for network ${n.name} got no address within 1 s`);
      const l = await get('controllernetworks', link.id);
      assert.ok(l.next_retry, 'retried with backoff');
      assert.equal(l.controller_url, null);
      assert.ok(logs.some((m) => m.includes(`got no address within 1 s`)));
    } finally {
      await labService(lab(), 'resume', 'nova-scheduler');
    }
    // what was booted was deleted (the next attempt may have booted another meanwhile)
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/networks/${n.id}`)).status, 204);
    await until('the network row purged', async () => (await dbOf(s.store).query('SELECT 1 FROM networks WHERE id = $1', [n.id])).length === 0, 120_000);
    const left = await cloud.compute.servers.findByMetadata({ key: 'xos-id', value: `controllernetwork/${link.id}`, name: `${n.name}-sdn`, all_tenants: true });
    assert.deepEqual(left.filter((x) => x.status !== 'DELETED').map((x) => x.id), [], 'no controller server left');
  });

  test("deleting the slice takes away its servers, floating IPs and XOS's router, and leaves nat-net", async () => {
    assert.ok(routerId, 'the port-forwarding test made a router');
    await patch('networks', ids.nat, { ports: 'tcp 8080' });
    const p = await until(statusOf('ports', (await natPort(ids.inst)).id), async () => {
      const x = await natPort(ids.inst);
      return x.backend_code === 1 && x.backend_status.startsWith('1 - OK (tcp 8080 at ') && x;
    });
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/slices/${ids.slice}`)).status, 204);
    await until('the slice purged', async () => (await dbOf(s.store).query('SELECT 1 FROM slices WHERE id = $1', [ids.slice])).length === 0, 180_000);
    await assert.rejects(cloud.network.floatingIps.get(p.floating_ip_id), (e: { status: number }) => e.status === 404, 'the floating IP is gone');
    await assert.rejects(cloud.network.routers.get(routerId), (e: { status: number }) => e.status === 404, "XOS's router is gone");
    assert.deepEqual(await dbOf(s.store).query('SELECT host(address) FROM address_allocations WHERE pool = $1', [ids.pool]), [], 'every address is back');
    const [natNet] = await collect(cloud.network.networks.list({ name: 'nat-net' }));
    assert.ok(natNet, 'nat-net is the cluster\'s and stays');
  });
});
