// Who may read the operator tools: administrators every cluster, deployment admins the clusters of
// their deployments only (another deployment's cluster is not found), everyone else nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';
import { buildWorld, type World } from './world.js';

describe('operator tools: access', () => {
  let w: OpsWorld;
  let world: World;
  const who: Record<string, { email: string; password: string } | null> = {};
  before(async () => {
    w = await opsWorld();
    world = await buildWorld(w.s);
    const a = await w.addCluster('alpha');
    const b = await w.addCluster('beta');
    await w.poll();
    const dadmin = await world.user('dadmin@example.com', world.siteA);
    await world.make('deploymentprivileges', { user: dadmin.id, deployment: a.dep, role: world.roles.deployment.admin });
    who.dadmin = dadmin.who;
    who.pi = (await world.user('pi@example.com', world.siteA)).who;
    await world.grantSite(Number((await w.s.call(ADMIN, 'GET', '/api/core/users?email=pi@example.com')).body.items[0].id), world.siteA, 'pi');
    who.readonlyAdmin = (await world.user('ro@example.com', world.siteA, { is_admin: true, is_readonly: true })).who;
    void b;
  });
  after(() => w.close());

  const names = (body: { items: { name: string }[] }) => body.items.map((c) => c.name).sort();

  test('administrators (read-only ones too) see every cluster', async () => {
    for (const u of [ADMIN, who.readonlyAdmin]) {
      const r = await w.s.call(u, 'GET', '/api/ops/clusters');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(names(r.body), ['alpha', 'beta']);
      assert.equal((await w.s.call(u, 'GET', `/api/ops/clusters/${w.ids.beta}`)).status, 200);
    }
  });

  test("a deployment admin sees their deployment's clusters only", async () => {
    const r = await w.s.call(who.dadmin, 'GET', '/api/ops/clusters');
    assert.equal(r.status, 200);
    assert.deepEqual(names(r.body), ['alpha']);
    assert.equal((await w.s.call(who.dadmin, 'GET', `/api/ops/clusters/${w.ids.alpha}`)).status, 200);
    assert.equal((await w.s.call(who.dadmin, 'GET', `/api/ops/clusters/${w.ids.beta}`)).status, 404);
    // Asking for the other deployment by filter gives nothing, not its cluster.
    const f = await w.s.call(who.dadmin, 'GET', `/api/ops/clusters?deployment=${w.ids['dep-beta']}`);
    assert.equal(f.status, 200);
    assert.deepEqual(f.body.items, []);
    const byName = await w.s.call(who.dadmin, 'GET', '/api/ops/clusters?controller=beta');
    assert.equal(byName.status, 400);
    assert.match(JSON.stringify(byName.body), /controller/);
  });

  test('other users are refused, anonymous callers must log in', async () => {
    assert.equal((await w.s.call(who.pi, 'GET', '/api/ops/clusters')).status, 403);
    assert.equal((await w.s.call(who.pi, 'GET', `/api/ops/clusters/${w.ids.alpha}`)).status, 403);
    assert.equal((await w.s.call(null, 'GET', '/api/ops/clusters')).status, 401);
  });

  test('cluster tokens for `xos cluster run -- ...`: administrators who may write only', async () => {
    for (const u of [who.pi, who.dadmin, who.readonlyAdmin]) {
      const r = await w.s.call(u, 'POST', '/api/ops/run-credentials', {});
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.ok(!JSON.stringify(r.body).includes('token'), 'no token in a refusal');
    }
    assert.equal((await w.s.call(null, 'POST', '/api/ops/run-credentials', {})).status, 401);
    const r = await w.s.call(ADMIN, 'POST', '/api/ops/run-credentials', { controller: 'alpha' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.items.map((x: { cluster: string; state: string }) => [x.cluster, x.state]), [['alpha', 'ok']]);
    assert.ok(r.body.items[0].credentials.token.length > 0);
    for (const c of w.clouds.values()) assert.ok(!JSON.stringify(r.body).includes(c.adminPassword), 'a token, never the password');
    const bad = await w.s.call(ADMIN, 'POST', '/api/ops/run-credentials', { controller: 'nope', command: 'rm -rf /' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /command is not accepted in the body/);
    const unknown = await w.s.call(ADMIN, 'POST', '/api/ops/run-credentials', { controller: 'nope' });
    assert.equal(unknown.status, 400);
    assert.match(JSON.stringify(unknown.body), /controller.*nope/);
  });

  test('bad input is named', async () => {
    const r = await w.s.call(ADMIN, 'GET', '/api/ops/clusters?deployment=abc');
    assert.equal(r.status, 400);
    assert.match(JSON.stringify(r.body), /deployment/);
    assert.equal((await w.s.call(ADMIN, 'GET', '/api/ops/clusters?colour=red')).status, 400);
  });

  test('no credential of a cluster appears in what is served', async () => {
    const r = await w.s.call(ADMIN, 'GET', '/api/ops/clusters');
    const text = JSON.stringify(r.body);
    for (const c of w.clouds.values()) assert.ok(!text.includes(c.adminPassword));
  });
});
