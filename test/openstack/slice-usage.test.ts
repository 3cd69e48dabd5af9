// A slice's usage on the real test cluster: once the synchronizer has made the slice's project
// (with max_instances as its instances quota) and its server, GET /api/core/slices/:id/usage
// reports the project's quota and use as Nova reads them, beside XOS's own count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ADMIN, buildTestServer, callerOf, startTestServer, type TestServer } from '../helpers/xos.js';
import { adminPost, connectLab, lab, labClient, labSkip, tinyImageFile } from '../helpers/lab.js';
import { scaled, until } from '../helpers/wait.js';
import { dbOf } from '../../src/store/inspect.js';
import { Engine } from '../../src/sync/engine.js';
import { synchronizerFor } from '../../src/sync/backends.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { openstackQuotas } from '../../src/openstack/quotas.js';

describe('slice usage against the real cluster quota', { skip: labSkip }, () => {
  let s: TestServer;
  let call: TestServer['call']; // a server with the OpenStack quotas wired in
  let closeApp: () => Promise<void> = async () => undefined;
  let engine: Engine;
  const run = crypto.randomBytes(3).toString('hex'); // names unique per run: the lab outlives tests
  const ids: Record<string, number> = {};
  const post = (plural: string, body: unknown) => adminPost(s, ADMIN)(plural, body);

  before(async () => {
    const l = lab();
    s = await startTestServer('pglite');
    const app = await buildTestServer({ store: s.store, config: s.config, logger: false, quotas: openstackQuotas((x) => s.store.secret(x)) });
    await app.ready();
    call = callerOf(app);
    closeApp = () => app.close();
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: scaled(20_000) })), {
      tickMs: 250,
      resyncSeconds: 24 * 3600,
      backoff: { baseSeconds: 2, capSeconds: 10 },
    });
    await engine.start();
    const site = await post('sites', { name: `Usage ${run}`, login_base: `us${run}` });
    const image = await post('images', { name: `tiny-us-${run}`, disk_format: 'raw', container_format: 'bare', path: tinyImageFile(64 * 1024) });
    const { dep, ctl } = await connectLab(post, l, `us-${run}`, site.id, image.id);
    const slice = await post('slices', { name: `us${run}_web`, site: site.id, max_instances: 3 });
    const inst = await post('instances', { slice: slice.id, deployment: dep, image: image.id, flavor: 1 });
    Object.assign(ids, { slice: slice.id, inst: inst.id, ctl, image: image.id });
  });
  after(async () => {
    // The slice's server, network and project go before the synchronizer stops.
    if (ids.slice && (await s.call(ADMIN, 'DELETE', `/api/core/slices/${ids.slice}`)).status === 204)
      await until('the slice purged from the cluster', async () => {
        const [{ n }] = await dbOf(s.store).query<{ n: number }>('SELECT count(*)::int AS n FROM slices WHERE id = $1', [ids.slice]);
        return n === 0;
      }, { ms: 120_000 }).catch((e) => console.error(e));
    if (ids.image) await s.call(ADMIN, 'DELETE', `/api/core/images/${ids.image}`);
    await engine?.stop();
    await closeApp();
    await s?.close();
  });

  test("the project's quota and use as Nova has them, with XOS's count beside", async () => {
    const inst = await until('the instance in sync', async () => {
      const r = (await s.call(ADMIN, 'GET', `/api/core/instances/${ids.inst}`)).body;
      assert.notEqual(r.backend_code, 2, r.backend_status);
      return r.backend_code === 1 && r;
    }, { ms: 180_000 });
    const flavor = (await s.call(ADMIN, 'GET', `/api/core/flavors/${inst.flavor}`)).body;
    const r = await call(ADMIN, 'GET', `/api/core/slices/${ids.slice}/usage`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.xos, { instances: 1, vcpus: flavor.vcpus, ram_mb: flavor.ram_mb, max_instances: 3 });
    assert.equal(r.body.clusters.length, 1);
    const [c] = r.body.clusters;
    assert.equal(c.controller, ids.ctl);
    assert.equal(c.status, 'ok', c.message);
    const [link] = (await s.call(ADMIN, 'GET', `/api/core/controllerslices?slice=${ids.slice}`)).body.items;
    assert.equal(c.project_id, link.tenant_id);
    // What the cluster's admin reads for the project.
    const nova = await labClient(lab()).compute.getQuotaSetDetail(link.tenant_id);
    assert.deepEqual(c.quota.instances, { used: nova.instances.in_use, limit: 3 }, 'the instances quota is the slice\'s max_instances');
    assert.equal(nova.instances.in_use, 1);
    assert.deepEqual(c.quota.cores, { used: nova.cores.in_use, limit: nova.cores.limit < 0 ? null : nova.cores.limit });
    assert.deepEqual(c.quota.ram_mb, { used: nova.ram.in_use, limit: nova.ram.limit < 0 ? null : nova.ram.limit });
    assert.equal(c.quota.cores.used, flavor.vcpus, 'the server uses its flavor\'s vCPUs');
  });
});
