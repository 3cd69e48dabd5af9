// GET /api/core/slices/:id/usage over HTTP, with the OpenStack quotas wired to the fake cloud: what
// XOS counts from its rows and flavors, each cluster's quota and use for the slice's project, a
// cluster that cannot be reached (listed as failing with the reason), one where the project is
// not made yet, one that does not answer in time; who may read it (as for the slice: others get 404).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ADMIN, buildTestServer, callerOf, startTestServer, type TestServer } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { openstackQuotas } from '../../src/openstack/quotas.js';
import { sliceUsage } from '../../src/ops/slice-usage.js';
import { FakeCloud } from '../fake-cloud/index.js';

const PW = 'a-user-password-1';

describe('slice usage against max_instances and cluster quotas', () => {
  let s: TestServer;
  let cloud: FakeCloud;
  let call: TestServer['call']; // a server with the quotas wired in
  let closeApp: () => Promise<void>;
  let silent: net.Server; // accepts connections and never answers
  const held = new Set<net.Socket>();
  const ids: Record<string, number> = {};
  const project = 'f00dfeed00000000000000000000abcd';
  const user = (name: string) => ({ email: `${name}@example.com`, password: PW });

  before(async () => {
    s = await startTestServer('pglite');
    cloud = await FakeCloud.start();
    const app = await buildTestServer({ store: s.store, config: s.config, logger: false, quotas: openstackQuotas((x) => s.store.secret(x)) });
    await app.ready();
    call = callerOf(app);
    closeApp = () => app.close();
    silent = net.createServer((sock) => held.add(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    // A port nothing listens on: take one and close it.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const mk = async (plural: string, body: unknown) => {
      const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as number;
    };
    const dep2 = await mk('deployments', { name: 'far' });
    const dep3 = await mk('deployments', { name: 'new' });
    ids.lab = await mk('controllers', { name: 'lab', deployment: 1, auth_url: cloud.authUrl, admin_user: cloud.adminUser, admin_password: cloud.adminPassword });
    ids.dead = await mk('controllers', { name: 'dead', deployment: dep2, auth_url: `http://127.0.0.1:${deadPort}/v3`, admin_user: 'admin', admin_password: 'pw' });
    ids.fresh = await mk('controllers', { name: 'fresh', deployment: dep3, auth_url: cloud.authUrl, admin_user: cloud.adminUser, admin_password: cloud.adminPassword });
    ids.slice = await mk('slices', { name: 'mysite_web', site: 1, max_instances: 5 });
    ids.image = await mk('images', { name: 'cirros' });
    for (const name of ['member', 'outsider']) ids[name] = await mk('users', { email: `${name}@example.com`, password: PW, firstname: name, lastname: 'Tester', site: 1 });
    const access = (await s.call(ADMIN, 'GET', '/api/core/sliceroles?role=access')).body.items[0].id;
    await mk('sliceprivileges', { user: ids.member, slice: ids.slice, role: access });
    const flavor = async (name: string) => (await s.call(ADMIN, 'GET', `/api/core/flavors?name=${name}`)).body.items[0].id;
    await mk('instances', { name: 'web1', slice: ids.slice, deployment: 1, image: ids.image, flavor: await flavor('m1.small') });
    await mk('instances', { name: 'db1', slice: ids.slice, deployment: 1, image: ids.image, flavor: await flavor('m1.large') });
    // As the synchronizer leaves them: the slice's project on two clusters, not yet on the third.
    for (const c of [ids.lab, ids.dead, ids.fresh]) {
      const link = await mk('controllerslices', { controller: c, slice: ids.slice });
      if (c !== ids.fresh) await s.store.sync.setObserved(model('ControllerSlice'), link, { tenant_id: project });
    }
    Object.assign(cloud.nova.quotaOf(project), { instances: 5, cores: 8, ram: -1 });
    cloud.nova.addServer({ name: 'mysite_web-1', project, flavor: '3', status: 'ACTIVE' }); // m1.medium: 2 vCPUs, 4096 MB
  });
  after(async () => {
    await closeApp?.();
    await s?.close();
    await cloud?.close();
    for (const sock of held) sock.destroy();
    await new Promise((r) => silent?.close(r));
  });

  test("a slice member reads XOS's count and each cluster's quota; an unreachable cluster is listed as failing", async () => {
    const r = await call(user('member'), 'GET', `/api/core/slices/${ids.slice}/usage`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.xos, { instances: 2, vcpus: 1 + 4, ram_mb: 2048 + 8192, max_instances: 5 });
    const by = Object.fromEntries(r.body.clusters.map((c: { name: string }) => [c.name, c]));
    assert.deepEqual(Object.keys(by).sort(), ['dead', 'fresh', 'lab']);
    assert.deepEqual(by.lab, {
      controller: ids.lab,
      name: 'lab',
      deployment: 1,
      project_id: project,
      status: 'ok',
      message: null,
      quota: { instances: { used: 1, limit: 5 }, cores: { used: 2, limit: 8 }, ram_mb: { used: 4096, limit: null } },
    });
    assert.equal(by.dead.status, 'error');
    assert.equal(by.dead.quota, null);
    assert.match(by.dead.message, new RegExp(`^cannot read the quota of project ${project}: `));
    assert.equal(by.fresh.status, 'pending');
    assert.equal(by.fresh.message, 'the slice has no project on this cluster yet');
  });

  test('a failing Nova shows on its cluster with its reason', async () => {
    cloud.fail('GET /compute/**', { status: 500, message: 'nova-api is broken' });
    try {
      const r = await call(ADMIN, 'GET', `/api/core/slices/${ids.slice}/usage`);
      assert.equal(r.status, 200);
      const lab = r.body.clusters.find((c: { name: string }) => c.name === 'lab');
      assert.equal(lab.status, 'error');
      assert.match(lab.message, /cannot read the quota of project/);
    } finally {
      cloud.heal();
    }
  });

  test('who may not read the slice gets 404 for its usage too; no login is 401; a bad id is 400', async () => {
    assert.equal((await call(user('outsider'), 'GET', `/api/core/slices/${ids.slice}`)).status, 404);
    const r = await call(user('outsider'), 'GET', `/api/core/slices/${ids.slice}/usage`);
    assert.equal(r.status, 404);
    assert.equal((await call(null, 'GET', `/api/core/slices/${ids.slice}/usage`)).status, 401);
    assert.equal((await call(ADMIN, 'GET', '/api/core/slices/999999/usage')).status, 404);
    const bad = await call(ADMIN, 'GET', '/api/core/slices/x/usage');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /id/);
  });

  test('without a cluster backend every cluster with a project shows why it was not read', async () => {
    const r = await s.call(user('member'), 'GET', `/api/core/slices/${ids.slice}/usage`);
    assert.equal(r.status, 200);
    const lab = r.body.clusters.find((c: { name: string }) => c.name === 'lab');
    assert.equal(lab.status, 'error');
    assert.match(lab.message, /no cluster backend/);
  });

  test('a cluster that does not answer is reported after the time limit, the others still are', async () => {
    await s.call(ADMIN, 'PATCH', `/api/core/controllers/${ids.dead}`, { auth_url: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/v3`, admin_password: 'pw' });
    const slice = await s.store.get(model('Slice'), ids.slice);
    const started = Date.now();
    const u = await sliceUsage(s.store, slice, openstackQuotas((x) => s.store.secret(x)), 400);
    const elapsed = Date.now() - started;
    const dead = u.clusters.find((c) => c.name === 'dead')!;
    assert.equal(dead.status, 'error');
    assert.equal(dead.message, 'the cluster did not answer within 0.4 s');
    assert.equal(u.clusters.find((c) => c.name === 'lab')!.status, 'ok');
    assert.ok(elapsed < 10_000, `the deadline holds (${elapsed} ms)`);
  });
});
