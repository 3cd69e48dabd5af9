// Address pools on the real test cluster: the pool becomes the external network's subnet with
// exactly its fragmented ranges as allocation pools; instances on a public network get ports
// with the addresses XOS allocated, 13 of them from a 13-address pool under 50 concurrent
// creations while the other 37 say the pool is exhausted; deleting an instance frees its port and
// address for a waiting one. Everything runs on a network of its own (ext-<run>, 10.x.y.0/24),
// never on a real one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { connectLab, controllerBody, lab, labClient, labSkip, tinyImageFile } from '../helpers/lab.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { collect, type OpenStackClient } from '../../src/openstack/client/index.js';
import { parseRanges, toInt } from '../../src/net/address-ranges.js';
import { until as waitUntil } from '../helpers/wait.js';
import { dbOf } from '../../src/store/inspect.js';
import { synchronizerFor } from '../../src/sync/backends.js';

describe('address pools on the real cluster', { skip: labSkip }, () => {
  let s: TestServer;
  let engine: Engine;
  let cloud: OpenStackClient;
  const run = crypto.randomBytes(3).toString('hex');
  // 10.<128-254>.<0-255>.0/24: far from the private subnets (10.0.x.0/24 for the first link rows)
  const net = `10.${128 + crypto.randomInt(127)}.${crypto.randomInt(256)}`;
  const extName = `ext-${run}`;
  const poolName = `pool-${run}`;
  const sliceName = `ap${run}_pub`;
  const ids: Record<string, number> = {};
  let extNetId: string | null = null;
  const logs: string[] = [];

  const post = async (plural: string, body: unknown) => {
    const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, `${plural}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const get = async (plural: string, id: number) => (await s.call(ADMIN, 'GET', `/api/core/${plural}/${id}`)).body;
  const list = async (plural: string, query = '') => (await s.call(ADMIN, 'GET', `/api/core/${plural}?limit=500${query}`)).body.items as any[];
  // Budgets for an idle machine; wait.ts stretches them while the machine is loaded.
  const until = <T>(what: () => Promise<string> | string, probe: () => Promise<T | null | undefined | false>, ms: number) => waitUntil(what, probe, { ms });
  const allocations = () =>
    dbOf(s.store).query<{ instance: number; ip: string }>('SELECT instance, host(address) AS ip FROM address_allocations WHERE pool = $1 ORDER BY address', [ids.pool]);
  const extPorts = async () => (extNetId ? collect(cloud.network.ports.list({ network_id: extNetId })) : []);
  const inRanges = (ranges: string, ip: string) => parseRanges(ranges).ranges.some((r) => toInt(ip) >= r.start && toInt(ip) <= r.end);
  const exhausted = `2 - pool ${poolName} exhausted: 13 of 13 addresses in use`;
  const RANGES_A = `${net}.3-${net}.15, ${net}.17, ${net}.19-${net}.30`; // 26 addresses
  const RANGES_B = `${net}.3-${net}.8, ${net}.17, ${net}.19-${net}.24`; // 13 addresses
  const pools = (ranges: string) =>
    parseRanges(ranges)
      .ranges.map((r) => `${[24, 16, 8, 0].map((b) => (r.start >>> b) & 255).join('.')}-${[24, 16, 8, 0].map((b) => (r.end >>> b) & 255).join('.')}`)
      .sort();
  const subnetOf = async () => {
    const [n] = (await collect(cloud.network.networks.list({ name: extName })));
    if (!n) return null;
    const subs = await collect(cloud.network.subnets.list({ network_id: n.id }));
    return { n, subs };
  };

  before(async () => {
    const l = lab();
    s = await startTestServer('pglite');
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: 30_000 })), {
      tickMs: 250,
      perController: 8,
      backoff: { baseSeconds: 2, capSeconds: 10 },
      log: (msg) => logs.push(msg),
    });
    await engine.start();
    cloud = labClient(l);
    const site = await post('sites', { name: `Pools ${run}`, login_base: `ap${run}` });
    const image = await post('images', { name: `ap-${run}`, disk_format: 'raw', container_format: 'bare', path: tinyImageFile() });
    const { dep, ctl } = await connectLab(post, l, `ap-${run}`, site.id, image.id);
    const slice = await post('slices', { name: sliceName, site: site.id, max_instances: 60 });
    // A public template of its own, on this run's external network (the seeded one names ext-net).
    const tpl = await post('networktemplates', { name: `Public ${run}`, visibility: 'public', translation: 'none', shared_network_name: extName });
    const pub = await post('networks', { name: `pub-${run}`, template: tpl.id, owner: slice.id });
    Object.assign(ids, { site: site.id, dep, ctl, image: image.id, slice: slice.id, tpl: tpl.id, pub: pub.id });
  });

  after(async () => {
    await engine?.stop();
    await s?.close();
    if (!cloud) return;
    // Whatever a failed test left on the cluster, found by this run's names.
    const gone = async (p: Promise<unknown>) => p.catch(() => undefined);
    const servers = await collect(cloud.compute.servers.list({ all_tenants: true, name: `^${sliceName}-` })).catch(() => []);
    for (const sv of servers) await gone(cloud.compute.servers.delete(sv.id, { ignoreMissing: true }));
    const t0 = Date.now();
    while (servers.length && Date.now() - t0 < 120_000) {
      const left = await collect(cloud.compute.servers.list({ all_tenants: true, name: `^${sliceName}-` })).catch(() => []);
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const name of [extName, `${sliceName}-private`, `ext-${run}-d`, `ext-${run}-own`]) {
      for (const n of await collect(cloud.network.networks.list({ name })).catch(() => [])) {
        for (const p of await collect(cloud.network.ports.list({ network_id: n.id })).catch(() => [])) await gone(cloud.network.ports.delete(p.id, { ignoreMissing: true }));
        await gone(cloud.network.networks.delete(n.id, { ignoreMissing: true }));
      }
    }
    for (const name of [sliceName, `ap${run}`]) {
      const p = await cloud.identity.findProject(name).catch(() => null);
      if (p) await gone(cloud.identity.projects.delete(p.id, { ignoreMissing: true }));
    }
    for (const img of await collect(cloud.image.list({ name: `ap-${run}` })).catch(() => [])) await gone(cloud.image.delete(img.id, { ignoreMissing: true }));
  });

  test('the pool becomes the external network and subnet, with exactly its ranges; a change of ranges updates the subnet', async () => {
    const pool = await post('addresspools', { name: poolName, cidr: `${net}.0/24`, gateway: `${net}.1`, ranges: RANGES_A, deployment: ids.dep, network_name: extName });
    ids.pool = pool.id;
    const ok = await until(
      async () => `pool ${poolName}: ${(await get('addresspools', pool.id)).backend_status}`,
      async () => {
        const r = await get('addresspools', pool.id);
        assert.notEqual(r.backend_code, 2, r.backend_status);
        return r.backend_code === 1 && r;
      },
      90_000,
    );
    assert.match(ok.backend_status, new RegExp(`^1 - OK on ap-${run}$`));
    const [link] = await list('controlleraddresspools', `&address_pool=${pool.id}`);
    assert.ok(link.net_id && link.subnet_id, JSON.stringify(link));
    const found = await subnetOf();
    assert.ok(found, `no network ${extName}`);
    extNetId = found.n.id;
    assert.equal(found.n.id, link.net_id);
    assert.equal(found.n['router:external'], true);
    assert.equal(found.n.shared, true);
    assert.equal(found.n.description, `xos-addresspool-${pool.id}`);
    assert.equal(found.subs.length, 1);
    const [sub] = found.subs;
    assert.equal(sub.id, link.subnet_id);
    assert.equal(sub.cidr, `${net}.0/24`);
    assert.equal(sub.gateway_ip, `${net}.1`);
    assert.equal(sub.enable_dhcp, false);
    assert.deepEqual(sub.allocation_pools.map((p) => `${p.start}-${p.end}`).sort(), pools(RANGES_A));
    assert.deepEqual(pools(RANGES_A), [`${net}.17-${net}.17`, `${net}.19-${net}.30`, `${net}.3-${net}.15`].sort(), 'three fragments');

    // Fewer addresses: 13, in three fragments again.
    const r = await s.call(ADMIN, 'PATCH', `/api/core/addresspools/${pool.id}`, { ranges: RANGES_B });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await until(
      async () => `the subnet to show ${RANGES_B} (it shows ${JSON.stringify((await subnetOf())?.subs[0]?.allocation_pools)})`,
      async () => {
        const f = await subnetOf();
        return f?.subs.length === 1 && JSON.stringify(f.subs[0].allocation_pools.map((p) => `${p.start}-${p.end}`).sort()) === JSON.stringify(pools(RANGES_B));
      },
      90_000,
    );
    const again = await subnetOf();
    assert.equal(again!.subs[0].id, sub.id, 'the same subnet, updated');
  });

  test("a deployment's pool goes to its controllers, except one with a pool of its own", async () => {
    // Two more controllers for the same cluster, in a deployment of their own (no instances).
    const dep = await post('deployments', { name: `ap-${run}-2` });
    const l = lab();
    const a = await post('controllers', controllerBody(l, `ap-${run}-a`, dep.id));
    const b = await post('controllers', controllerBody(l, `ap-${run}-b`, dep.id));
    const own = await post('addresspools', { name: `${poolName}-own`, cidr: `${net}.0/25`, ranges: `${net}.10-${net}.20`, controller: b.id, network_name: `ext-${run}-own` });
    const shared = await post('addresspools', { name: `${poolName}-d`, cidr: `${net}.128/25`, gateway: `${net}.129`, ranges: `${net}.130-${net}.140`, deployment: dep.id, network_name: `ext-${run}-d` });
    for (const p of [own, shared])
      await until(
        async () => `pool ${p.name}: ${(await get('addresspools', p.id)).backend_status}`,
        async () => {
          const r = await get('addresspools', p.id);
          assert.notEqual(r.backend_code, 2, r.backend_status);
          return r.backend_code === 1;
        },
        90_000,
      );
    assert.deepEqual((await list('controlleraddresspools', `&address_pool=${shared.id}`)).map((x) => x.controller), [a.id]);
    assert.deepEqual((await list('controlleraddresspools', `&address_pool=${own.id}`)).map((x) => x.controller), [b.id]);
    const subs = async (name: string) => {
      const [n] = await collect(cloud.network.networks.list({ name }));
      return n ? (await collect(cloud.network.subnets.list({ network_id: n.id }))).map((x) => `${x.cidr} ${x.allocation_pools.map((p) => `${p.start}-${p.end}`)}`) : null;
    };
    assert.deepEqual(await subs(`ext-${run}-d`), [`${net}.128/25 ${net}.130-${net}.140`]);
    assert.deepEqual(await subs(`ext-${run}-own`), [`${net}.0/25 ${net}.10-${net}.20`]);
    for (const p of [own, shared]) assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/addresspools/${p.id}`)).status, 204);
    await until(
      () => 'both pools to be purged',
      async () => !(await dbOf(s.store).query('SELECT 1 FROM address_pools WHERE id = ANY($1)', [[own.id, shared.id]])).length,
      90_000,
    );
    assert.equal(await subs(`ext-${run}-d`), null);
    assert.equal(await subs(`ext-${run}-own`), null);
    for (const c of [a, b]) assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/controllers/${c.id}`)).status, 204);
  });

  test('50 concurrent instances on a 13-address pool: 13 ACTIVE with distinct pool addresses on their ports, 37 say the pool is exhausted', async () => {
    assert.ok(ids.pool && extNetId, 'needs the pool of the first test');
    const t0 = Date.now();
    const made = await Promise.all(
      Array.from({ length: 50 }, () => s.call(ADMIN, 'POST', '/api/core/instances', { slice: ids.slice, deployment: ids.dep, image: ids.image, flavor: 1 })),
    );
    for (const m of made) assert.equal(m.status, 201, JSON.stringify(m.body));
    const all = made.map((m) => Number(m.body.id));
    ids.first = all[0];
    const states = async () => {
      const rows = await list('instances', `&slice=${ids.slice}`);
      const active = rows.filter((r) => r.backend_code === 1);
      const waiting = rows.filter((r) => r.backend_status === exhausted);
      return { rows, active, waiting };
    };
    const state = async () => {
      const { rows, active, waiting } = await states();
      const other = rows.filter((r) => r.backend_code !== 1 && r.backend_status !== exhausted);
      return `13 ACTIVE and 37 exhausted (${active.length} ACTIVE, ${waiting.length} exhausted, others: ${[...new Set(other.map((r) => r.backend_status))].slice(0, 4).join(' | ')})`;
    };
    const { active, waiting } = await until(state, async () => {
      const st = await states();
      return st.active.length === 13 && st.waiting.length === 37 && st;
    }, 420_000);
    console.log(`# 50 instances settled in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    // XOS's allocations: 13 distinct addresses inside the ranges, one per ACTIVE instance.
    const allocs = await allocations();
    assert.equal(allocs.length, 13);
    assert.equal(new Set(allocs.map((a) => a.ip)).size, 13, 'no address twice');
    assert.deepEqual(allocs.map((a) => a.instance).sort(), active.map((r) => Number(r.id)).sort());
    for (const a of allocs) assert.ok(inRanges(RANGES_B, a.ip), `${a.ip} is outside ${RANGES_B}`);

    // Neutron: exactly 13 ports on the external network, each with its instance's allocated
    // address, bound to that instance's server; no server for the 37.
    const ports = await extPorts();
    assert.equal(ports.length, 13, `ports on ${extName}: ${ports.map((p) => p.fixed_ips[0]?.ip_address).join(', ')}`);
    assert.equal(new Set(ports.map((p) => p.fixed_ips[0].ip_address)).size, 13);
    for (const inst of active) {
      const mine = allocs.find((a) => a.instance === Number(inst.id))!;
      const port = ports.find((p) => p.device_id === inst.instance_uuid);
      assert.ok(port, `instance ${inst.id} has no port on ${extName}`);
      assert.deepEqual(port.fixed_ips.map((f) => f.ip_address), [mine.ip]);
      assert.equal(port.name, `${sliceName}-${inst.id}-public`);
      const server = await cloud.compute.servers.get(inst.instance_uuid);
      assert.equal(server.status, 'ACTIVE');
      assert.deepEqual(server.addresses[extName].map((x) => x.addr), [mine.ip]);
      // XOS's Port row for the public network records it too.
      const [row] = await list('ports', `&instance=${inst.id}&network=${ids.pub}`);
      assert.equal(row?.ip, mine.ip);
    }
    const servers = await collect(cloud.compute.servers.list({ all_tenants: true, name: `^${sliceName}-` }));
    assert.equal(servers.length, 13, 'a server only for the instances with an address');
    for (const w of waiting) assert.equal(w.instance_uuid, null);
    ids.waiting = Number(waiting[0].id);
  });

  test('a server lost behind XOS\'s back comes back on the same port and address, without a second port', async () => {
    assert.ok(ids.waiting, 'needs the instances of the previous test');
    const [a] = await allocations();
    const before = await get('instances', a.instance);
    const port = (await extPorts()).find((p) => p.device_id === before.instance_uuid)!;
    await cloud.compute.servers.delete(before.instance_uuid);
    await until(() => 'the server to go', async () => cloud.compute.servers.get(before.instance_uuid).then((sv) => sv.status === 'DELETED', () => true), 60_000);
    await dbOf(s.store).query("UPDATE instances SET last_sync = now() - interval '1 hour' WHERE id = $1", [a.instance]);
    await engine.resync();
    const after = await until(
      async () => `a new server for instance ${a.instance} (${(await get('instances', a.instance)).backend_status})`,
      async () => {
        const r = await get('instances', a.instance);
        return r.backend_code === 1 && r.instance_uuid !== before.instance_uuid && r;
      },
      120_000,
    );
    const ports = await extPorts();
    assert.equal(ports.length, 13);
    const now = ports.find((p) => p.device_id === after.instance_uuid);
    assert.equal(now?.id, port.id, 'the same port');
    assert.deepEqual(now.fixed_ips.map((f) => f.ip_address), [a.ip]);
    assert.equal((await allocations()).find((x) => x.instance === a.instance)?.ip, a.ip);
  });

  test('deleting an instance gives its port and address back, and a waiting instance gets the address', async () => {
    assert.ok(ids.waiting, 'needs the instances of the previous test');
    const allocs = await allocations();
    const victim = await get('instances', allocs[0].instance);
    const freed = allocs[0].ip;
    const port = (await extPorts()).find((p) => p.device_id === victim.instance_uuid)!;
    assert.ok(port);
    const before = new Set((await list('instances', `&slice=${ids.slice}`)).filter((r) => r.backend_status === exhausted).map((r) => Number(r.id)));
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/instances/${victim.id}`)).status, 204);
    await until(() => `the allocation of ${freed} to go`, async () => !(await allocations()).some((a) => a.instance === Number(victim.id)), 120_000);
    // The address is given back only after the port is gone.
    await assert.rejects(cloud.network.ports.get(port.id), (e: { status: number }) => e.status === 404);
    await assert.rejects(cloud.compute.servers.get(victim.instance_uuid), (e: { status: number }) => e.status === 404);

    // "Retry now" instead of waiting for the backoff; whichever waiting instance asks first gets it.
    assert.equal((await s.call(ADMIN, 'POST', `/api/core/instances/${ids.waiting}/retry`)).status, 200);
    const taker = await until(
      () => `a waiting instance to get ${freed}`,
      async () => {
        const a = (await allocations()).find((x) => x.ip === freed);
        if (!a) return null;
        const r = await get('instances', a.instance);
        return r.backend_code === 1 && r;
      },
      120_000,
    );
    assert.ok(before.has(Number(taker.id)), `instance ${taker.id} was not one of the waiting ones`);
    const p = (await extPorts()).find((x) => x.device_id === taker.instance_uuid);
    assert.deepEqual(p?.fixed_ips.map((f) => f.ip_address), [freed]);
    const now = await allocations();
    assert.equal(now.length, 13);
    assert.equal(new Set(now.map((a) => a.ip)).size, 13);
    assert.equal((await extPorts()).length, 13, 'no orphaned or duplicate port');
  });

  test('deleting the slice and then the pool: ports and addresses go; the network stays while a port XOS did not make is on it', async () => {
    assert.ok(ids.pool);
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/slices/${ids.slice}`)).status, 204);
    await until(
      async () => {
        const by = async (q: string) =>
          (await dbOf(s.store).query<{ st: string; n: number }>(q, [ids.slice])).map((r) => `${r.n} × ${r.st}`).join('; ') || 'none';
        const insts = await by('SELECT backend_status AS st, count(*)::int AS n FROM instances WHERE slice = $1 GROUP BY 1');
        const ports = await by('SELECT p.backend_status AS st, count(*)::int AS n FROM ports p JOIN instances i ON i.id = p.instance WHERE i.slice = $1 GROUP BY 1');
        return `the slice's instances to be removed (instances: ${insts}; their ports: ${ports})`;
      },
      async () => {
        const [{ n }] = await dbOf(s.store).query<{ n: number }>('SELECT count(*)::int AS n FROM instances WHERE slice = $1', [ids.slice]);
        return n === 0;
      },
      300_000,
    );
    assert.equal((await allocations()).length, 0, 'every address released');
    assert.equal((await extPorts()).length, 0, 'no port left on the external network');
    // A port XOS did not make keeps the network and subnet on the cluster, and the log says so.
    const foreign = await cloud.network.ports.create({ network_id: extNetId!, name: `foreign-${run}` });
    const d = await s.call(ADMIN, 'DELETE', `/api/core/addresspools/${ids.pool}`);
    assert.equal(d.status, 204, JSON.stringify(d.body));
    await until(
      () => `pool ${poolName} to be purged`,
      async () => !(await dbOf(s.store).query('SELECT 1 FROM address_pools WHERE id = $1', [ids.pool])).length,
      120_000,
    );
    assert.equal((await cloud.network.networks.get(extNetId!)).id, extNetId, 'left for the port that uses it');
    assert.ok(
      logs.some((m) => m.includes(`address pool ${poolName}: left on ap-${run}: subnet ${net}.0/24 (1 port on it), network ${extName} (1 port, 1 subnet)`)),
      logs.filter((m) => m.includes('left on')).join('\n') || 'nothing logged',
    );
    await cloud.network.ports.delete(foreign.id);
    await cloud.network.networks.delete(extNetId!);
  });
});
