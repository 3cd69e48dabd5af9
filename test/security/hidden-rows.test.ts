// A write never reveals a row its caller cannot read: permission is checked before uniqueness,
// a reference to a hidden row is answered as a reference to no row at all, and only
// administrators see deleted rows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, backends, startTestServer, type TestServer, type Who } from '../helpers/xos.js';
import { buildWorld, type World } from './world.js';

const show = (r: { status: number; body: unknown }) => `${r.status} ${JSON.stringify(r.body)}`;
// A problem document with every id in it replaced, to compare two answers about two ids.
const shape = (r: { status: number; body: any }, id: number) =>
  JSON.stringify({ status: r.status, body: { ...r.body, instance: undefined } }).replace(/([A-Z][a-zA-Z]+) (\d+)/g, (all, m, n) => (Number(n) === id ? `${m} <id>` : all));

for (const backend of backends) {
  describe(`writes do not reveal hidden rows (${backend})`, () => {
    let s: TestServer;
    let w: World;
    let piA: Who; // PI of site A: sees and manages site A's slices, nothing of site B's
    let sliceB: number;
    let sliceA: number;
    let netB: number; // site B's private network, not shared
    let template: number;
    before(async () => {
      s = await startTestServer(backend);
      w = await buildWorld(s);
      const u = await w.user('pi@a.example', w.siteA);
      await w.grantSite(u.id, w.siteA, 'pi');
      piA = u.who;
      sliceA = (await w.make('slices', { name: 'mysite_web', site: w.siteA })).id;
      sliceB = (await w.make('slices', { name: 'siteb_s1', site: w.siteB })).id;
      template = (await s.call(ADMIN, 'GET', '/api/core/networktemplates?name=Private')).body.items[0].id;
      netB = (await w.make('networks', { name: 'siteb-secret-net', template, owner: sliceB })).id;
    });
    after(() => s.close());

    test("creating a slice in a site one may not write is 403, whether or not the name is taken", async () => {
      const taken = await s.call(piA, 'POST', '/api/core/slices', { name: 'siteb_s1', site: w.siteB });
      const free = await s.call(piA, 'POST', '/api/core/slices', { name: 'siteb_s2', site: w.siteB });
      assert.equal(taken.status, 403, show(taken));
      assert.equal(free.status, 403, show(free));
      assert.equal(taken.body.detail, free.body.detail);
      assert.doesNotMatch(taken.body.detail, /already/);
    });

    test('a duplicate that the caller may not read is not named', async () => {
      // Controller names are unique; a deployment admin sees only their deployment's controllers.
      const mine = (await w.make('deployments', { name: 'Mine', access_control: 'allow all' })).id;
      const theirs = (await w.make('deployments', { name: 'Theirs', access_control: 'allow all' })).id;
      const d = await w.user('dadmin@a.example', w.siteA);
      await w.make('deploymentprivileges', { user: d.id, deployment: mine, role: w.roles.deployment.admin });
      const body = (deployment: number) => ({ name: 'secret-cluster', deployment, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'pw' });
      const hiddenId = (await w.make('controllers', body(theirs))).id;
      const r = await s.call(d.who, 'POST', '/api/core/controllers', body(mine));
      assert.equal(r.status, 409, show(r));
      assert.equal(r.body.detail, 'a controller named secret-cluster already exists (one you cannot see)');
      assert.doesNotMatch(JSON.stringify(r.body), new RegExp(`controller ${hiddenId}\\b|"id"`, 'i'));
      // an administrator is told which one
      const a = await s.call(ADMIN, 'POST', '/api/core/controllers', body(mine));
      assert.equal(a.body.detail, `a controller named secret-cluster already exists (controller ${hiddenId})`);
    });

    test('joining a hidden network answers exactly as joining a network that does not exist', async () => {
      const hidden = await s.call(piA, 'POST', '/api/core/networkslices', { network: netB, slice: sliceA });
      const missing = await s.call(piA, 'POST', '/api/core/networkslices', { network: 999999, slice: sliceA });
      assert.equal(hidden.status, 400, show(hidden));
      assert.equal(shape(hidden, netB), shape(missing, 999999));
      assert.ok(!JSON.stringify(hidden.body).includes('siteb-secret-net'));
    });

    test('a reference to a hidden slice answers as one to no slice, on create and on change', async () => {
      const body = (slice: number) => ({ name: 'vm', slice, deployment: 1, image: 1, flavor: 1 });
      const hidden = await s.call(piA, 'POST', '/api/core/instances', body(sliceB));
      const missing = await s.call(piA, 'POST', '/api/core/instances', body(999999));
      assert.equal(shape(hidden, sliceB), shape(missing, 999999));
      const other = (await w.make('slices', { name: 'mysite_db', site: w.siteA })).id;
      const net = await s.call(piA, 'POST', '/api/core/networks', { name: 'mysite-net-1', template, owner: sliceA, permit_all_slices: true });
      assert.equal(net.status, 201, show(net));
      const joined = await s.call(piA, 'POST', '/api/core/networkslices', { network: net.body.id, slice: other });
      assert.equal(joined.status, 201, show(joined));
      const toHidden = await s.call(piA, 'PATCH', `/api/core/networkslices/${joined.body.id}`, { network: netB });
      const toMissing = await s.call(piA, 'PATCH', `/api/core/networkslices/${joined.body.id}`, { network: 999999 });
      assert.equal(toHidden.status, 400, show(toHidden));
      assert.equal(shape(toHidden, netB), shape(toMissing, 999999));
    });

    test('only administrators list deleted rows', async () => {
      const gone = await w.user('gone@a.example', w.siteA);
      assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/users/${gone.id}`)).status, 204);
      const r = await s.call(piA, 'GET', '/api/core/users?deleted=true');
      assert.equal(r.status, 400, show(r));
      assert.deepEqual(r.body.errors, [{ field: 'deleted', message: 'only administrators may list deleted rows' }]);
      const a = await s.call(ADMIN, 'GET', '/api/core/users?deleted=true');
      assert.equal(a.status, 200);
      assert.ok(a.body.items.some((u: { email: string }) => u.email === 'gone@a.example'));
    });
  });
}
