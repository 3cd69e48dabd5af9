// The synchronizer against the real test cluster: XOS objects become Keystone projects, users,
// role assignments, a Glance image, a Neutron network and ACTIVE Nova servers, checked through
// the OpenStack API; changes reach the cluster (a slice's quota, an image enabled in a
// deployment) without waiting for the periodic resync; deleting them removes what was made.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { connectLab, lab, labClient, labSkip, tinyImageFile } from '../helpers/lab.js';
import { scaled, until as waitFor } from '../helpers/wait.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { collect, OpenStackClient } from '../../src/openstack/client/index.js';
import { dbOf } from '../../src/store/inspect.js';
import { synchronizerFor } from '../../src/sync/backends.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@example.org';

describe('synchronizer on the real cluster', { skip: labSkip }, () => {
  let s: TestServer;
  let engine: Engine;
  let cloud: OpenStackClient;
  const run = crypto.randomBytes(3).toString('hex'); // names unique per run: the lab outlives tests
  const ids: Record<string, number> = {};
  const post = async (plural: string, body: unknown) => {
    const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, `${plural}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const get = async (plural: string, id: number) => (await s.call(ADMIN, 'GET', `/api/core/${plural}/${id}?`)).body;
  // Budgets are for an idle machine; helpers/wait.ts stretches them under load.
  const until = <T>(what: string | (() => Promise<string>), probe: () => Promise<T | null | undefined | false>, ms = 180_000) => waitFor(what, probe, { ms });
  const statusOf = (plural: string, id: number) => async () => {
    const r = await get(plural, id);
    return `${plural} ${id} (${r.backend_status})`;
  };

  // The slice's private network on the lab controller (the slice also has its NAT network).
  const privateLink = async () => {
    const [net] = (await s.call(ADMIN, 'GET', `/api/core/networks?owner=${ids.slice}&name=lab${run}_web-private`)).body.items;
    const [cn] = (await s.call(ADMIN, 'GET', `/api/core/controllernetworks?controller=${ids.ctl}&network=${net.id}`)).body.items;
    return cn;
  };

  before(async () => {
    const l = lab();
    s = await startTestServer('pglite');
    // No periodic resync while this runs (the drift test asks for one): what reaches the cluster
    // here is carried by the change itself.
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: scaled(20_000) })), {
      tickMs: 250,
      resyncSeconds: 24 * 3600,
      backoff: { baseSeconds: 2, capSeconds: 10 },
    });
    await engine.start();
    cloud = labClient(l);
    const site = await post('sites', { name: `Lab ${run}`, login_base: `lab${run}` });
    const image = await post('images', { name: `tiny-${run}`, disk_format: 'raw', container_format: 'bare', path: tinyImageFile(64 * 1024) });
    const { dep, ctl, sd } = await connectLab(post, l, `lab-${run}`, site.id, image.id);
    const node = (await s.call(ADMIN, 'GET', '/api/core/nodes?name=compute2')).body.items[0] ?? (await post('nodes', { name: 'compute2', site_deployment: sd }));
    const user = await post('users', { email: `alice-${run}@example.org`, password: 'alice-password', firstname: 'Alice', lastname: 'L', site: site.id, public_key: KEY });
    const slice = await post('slices', { name: `lab${run}_web`, site: site.id, max_instances: 5 });
    await post('sliceprivileges', { user: user.id, slice: slice.id, role: 1 });
    Object.assign(ids, { site: site.id, dep, ctl, node: node.id, image: image.id, user: user.id, slice: slice.id });
  });
  after(async () => {
    await engine?.stop();
    await s?.close();
  });

  test('instances become ACTIVE servers in the slice project, on its network, pinned where asked', async () => {
    const a = await post('instances', { slice: ids.slice, deployment: ids.dep, image: ids.image, flavor: 1 });
    const b = await post('instances', { slice: ids.slice, deployment: ids.dep, image: ids.image, flavor: 1, node: ids.node });
    ids.a = a.id;
    ids.b = b.id;
    for (const i of [a, b])
      await until(statusOf('instances', i.id), async () => {
        const r = await get('instances', i.id);
        assert.notEqual(r.backend_code, 2, r.backend_status);
        return r.backend_code === 1 && r;
      });
    const [cs] = (await s.call(ADMIN, 'GET', `/api/core/controllerslices?slice=${ids.slice}`)).body.items;
    const cn = await privateLink();
    assert.ok(cs.tenant_id && cn.net_id);
    const project = await cloud.identity.projects.get(cs.tenant_id);
    assert.equal(project.name, `lab${run}_web`);
    for (const i of [a, b]) {
      const row = await get('instances', i.id);
      const server = await cloud.compute.servers.get(row.instance_uuid);
      assert.equal(server.status, 'ACTIVE');
      assert.equal(server.name, `lab${run}_web-${i.id}`);
      assert.equal(server.tenant_id, cs.tenant_id, 'in the slice project');
      assert.equal(server.metadata['xos-id'], `instance/${i.id}`);
      // The slice's private network, and NAT access through the cluster's shared nat-net.
      assert.deepEqual(Object.keys(server.addresses).sort(), [`lab${run}_web-private`, 'nat-net']);
      assert.equal(row.ip, server.addresses[`lab${run}_web-private`][0].addr);
      if (i.id === b.id) assert.equal(server['OS-EXT-SRV-ATTR:host'], 'compute2', 'pinned to its node');
      const ports = (await s.call(ADMIN, 'GET', `/api/core/ports?instance=${i.id}`)).body.items;
      assert.equal(ports.length, 2);
      assert.deepEqual(ports.map((p: { ip: string }) => p.ip).sort(), Object.values(server.addresses).flat().map((a) => a.addr).sort());
      assert.ok(ports.some((p: { ip: string }) => p.ip === row.ip));
    }
    // the user, the site project and the role assignment exist too
    const [cu] = (await s.call(ADMIN, 'GET', `/api/core/controllerusers?user=${ids.user}`)).body.items;
    assert.equal((await cloud.identity.users.get(cu.kuser_id)).name, `alice-${run}@example.org`);
    assert.ok(!('kuser_password' in cu), 'the per-controller password never leaves the database');
    const member = await cloud.identity.findRole('member');
    assert.ok(await cloud.identity.hasProjectRole(cs.tenant_id, cu.kuser_id, member!.id));
    assert.ok(await cloud.identity.findProject(`lab${run}`));
    const quota = await cloud.compute.getQuotaSet(cs.tenant_id);
    assert.equal(quota.instances, 5);
    // and the logical objects report the state of their clusters
    const slice = await until(statusOf('slices', ids.slice), async () => { const r = await get('slices', ids.slice); return r.backend_code === 1 && r; }, 60_000);
    assert.match(slice.backend_status, new RegExp(`^1 - OK on lab-${run}$`));
  });

  test('running the reconcilers again changes nothing (no duplicate servers)', async () => {
    await dbOf(s.store).query('UPDATE instances SET enacted = NULL WHERE id = ANY($1)', [[ids.a, ids.b]]);
    engine.kick();
    await until('both instances re-reconciled', async () => (await get('instances', ids.a)).enacted && (await get('instances', ids.b)).enacted, 90_000);
    // (by name too, as the reconciler looks: other runs on this cluster have their own instance/<id>)
    const all = await cloud.compute.servers.findByMetadata({ key: 'xos-id', value: `instance/${ids.a}`, name: `lab${run}_web-${ids.a}`, all_tenants: true });
    assert.equal(all.length, 1);
  });

  test('a server deleted behind XOS\'s back is noticed by the periodic resync and made again', async () => {
    const before = await get('instances', ids.a);
    await cloud.compute.servers.delete(before.instance_uuid);
    await until('the server gone out of band', async () => cloud.compute.servers.get(before.instance_uuid).then((sv) => sv.status === 'DELETED', () => true), 60_000);
    // as if the last check were long ago: the resync re-reads it
    await dbOf(s.store).query("UPDATE instances SET last_sync = now() - interval '2 days' WHERE id = $1", [ids.a]);
    await engine.resync();
    const after = await until(statusOf('instances', ids.a), async () => {
      const r = await get('instances', ids.a);
      return r.backend_code === 1 && r.instance_uuid !== before.instance_uuid && r;
    }, 180_000);
    assert.equal((await cloud.compute.servers.get(after.instance_uuid)).status, 'ACTIVE');
    const all = await cloud.compute.servers.findByMetadata({ key: 'xos-id', value: `instance/${ids.a}`, name: `lab${run}_web-${ids.a}`, all_tenants: true });
    assert.deepEqual(all.map((x) => x.id), [after.instance_uuid]);
  });

  test("changing the slice's max_instances changes its project's Nova quota", async () => {
    const [cs] = (await s.call(ADMIN, 'GET', `/api/core/controllerslices?slice=${ids.slice}`)).body.items;
    assert.equal((await cloud.compute.getQuotaSet(cs.tenant_id)).instances, 5);
    assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/slices/${ids.slice}`, { max_instances: 7 })).status, 200);
    let seen: number | undefined;
    await until(async () => `Nova's instances quota of the project to be 7 (it is ${seen})`, async () => (seen = (await cloud.compute.getQuotaSet(cs.tenant_id)).instances) === 7, 60_000);
    const link = await until('the ControllerSlice in sync again', async () => {
      const r = (await s.call(ADMIN, 'GET', `/api/core/controllerslices/${cs.id}`)).body;
      return r.backend_code === 1 && r.enacted && new Date(r.enacted) >= new Date(r.updated) && r;
    }, 60_000);
    assert.equal(link.tenant_id, cs.tenant_id, 'the same project');
  });

  test('enabling an image in a deployment uploads it to Glance, without waiting for the resync', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xos-img-')), 'later.img');
    fs.writeFileSync(file, crypto.randomBytes(32 * 1024));
    const name = `later-${run}`;
    const image = await post('images', { name, disk_format: 'raw', container_format: 'bare', path: file });
    // The image is synced on its own first, where no cluster needs it yet
    const alone = await until(statusOf('images', image.id), async () => { const r = await get('images', image.id); return r.backend_code === 1 && r; }, 60_000);
    assert.equal(alone.backend_status, '1 - OK (no controller needs it yet)');
    assert.equal((await s.call(ADMIN, 'GET', `/api/core/controllerimages?image=${image.id}`)).body.total, 0);
    // then enabled in the deployment: it goes to the deployment's cluster
    await post('imagedeployments', { image: image.id, deployment: ids.dep });
    const inGlance = await until(statusOf('images', image.id), async () => {
      for await (const i of cloud.image.list({ name })) if (i.status === 'active') return i;
      return null;
    }, 90_000);
    const [ci] = await until('its ControllerImage in sync', async () => {
      const items = (await s.call(ADMIN, 'GET', `/api/core/controllerimages?image=${image.id}`)).body.items;
      return items.length === 1 && items[0].backend_code === 1 && items;
    }, 60_000);
    assert.equal(ci.controller, ids.ctl);
    assert.equal(ci.glance_image_id, inGlance.id);
    assert.deepEqual(inGlance.tags.sort(), ['xos', `xos-image-${image.id}`].sort());
    // deleting the image removes it from Glance again
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/images/${image.id}`)).status, 204);
    await until('the image gone from Glance', async () => cloud.image.get(inGlance.id).then((i) => i.status === 'deleted', (e: { status: number }) => e.status === 404), 90_000);
  });

  test('deleting the slice removes its servers, network and project, then the rows', async () => {
    const a = await get('instances', ids.a);
    const [cs] = (await s.call(ADMIN, 'GET', `/api/core/controllerslices?slice=${ids.slice}`)).body.items;
    const cn = await privateLink();
    const [nat] = await collect(cloud.network.networks.list({ name: 'nat-net' }));
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/slices/${ids.slice}`)).status, 204);
    await until('rows purged', async () => {
      const [{ n }] = await dbOf(s.store).query<{ n: number }>('SELECT count(*)::int AS n FROM instances WHERE slice = $1', [ids.slice]);
      const [{ m }] = await dbOf(s.store).query<{ m: number }>('SELECT count(*)::int AS m FROM slices WHERE id = $1', [ids.slice]);
      return n === 0 && m === 0;
    });
    await assert.rejects(cloud.compute.servers.get(a.instance_uuid), (e: { status: number }) => e.status === 404);
    await assert.rejects(cloud.network.networks.get(cn.net_id), (e: { status: number }) => e.status === 404);
    await assert.rejects(cloud.identity.projects.get(cs.tenant_id), (e: { status: number }) => e.status === 404);
    assert.equal((await cloud.network.networks.get(nat.id)).name, 'nat-net', "the cluster's shared NAT network is not XOS's to delete");
  });
});
