// A deployment's access list admits an instance only when it admits both the slice's site and
// the creating user: a slice member from an admitted site cannot open the deployment to a site
// it denies, nor a denied user get in through an admitted site's slice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer, type Who } from '../helpers/xos.js';
import { buildWorld, type World } from './world.js';

const show = (r: { status: number; body: unknown }) => `${r.status} ${JSON.stringify(r.body)}`;

describe('deployment access lists on instance create', () => {
  let s: TestServer;
  let w: World;
  let image: number;
  let flavor: number;
  let sliceA: number; // of mysite, the admitted site
  let sliceB: number; // of siteb
  let badmin: { id: number; who: Who }; // site admin of site B
  let userA: { id: number; who: Who }; // a user of site A
  let userB: { id: number; who: Who }; // a user of site B
  const deployments: Record<string, number> = {};
  before(async () => {
    s = await startTestServer('pglite');
    w = await buildWorld(s);
    image = (await w.make('images', { name: 'cirros' })).id;
    flavor = (await s.call(ADMIN, 'GET', '/api/core/flavors?name=m1.small')).body.items[0].id;
    for (const [name, acl] of Object.entries({
      sites: 'allow site mysite*',
      users: 'allow user *@good.example',
      denyuser: 'deny user *@bad.example\nallow all',
      denysite: 'deny site siteb\nallow all',
    }))
      deployments[name] = (await w.make('deployments', { name: `acl-${name}`, access_control: acl })).id;
    badmin = await w.user('badmin@b.example', w.siteB);
    await w.grantSite(badmin.id, w.siteB, 'admin');
    userA = await w.user('alice@good.example', w.siteA);
    userB = await w.user('bob@b.example', w.siteB);
    sliceA = (await w.make('slices', { name: 'mysite_web', site: w.siteA })).id;
    sliceB = (await s.call(badmin.who, 'POST', '/api/core/slices', { name: 'siteb_web', site: w.siteB })).body.id;
    await w.grantSlice(userA.id, sliceA, 'admin');
    await w.grantSlice(userB.id, sliceA, 'admin');
  });
  after(() => s.close());

  let seq = 0;
  const create = (who: Who, slice: number, deployment: string) =>
    s.call(who, 'POST', '/api/core/instances', { name: `vm-${++seq}`, slice, deployment: deployments[deployment], image, flavor });
  const count = async () => (await s.call(ADMIN, 'GET', '/api/core/instances?limit=1')).body.total;

  test("a site admin who adds an admitted site's user to a denied site's slice does not get that user in", async () => {
    // the move: site B's admin makes alice (site A, admitted) an admin of slice B
    const grant = await s.call(badmin.who, 'POST', '/api/core/sliceprivileges', { user: userA.id, slice: sliceB, role: w.roles.slice.admin });
    assert.equal(grant.status, 201, show(grant));
    const before = await count();
    for (const who of [userA.who, badmin.who]) {
      const r = await create(who, sliceB, 'sites');
      assert.equal(r.status, 403, show(r));
      assert.match(r.body.detail, /deployment acl-sites does not admit instances of slice siteb_web \(site Site B\)/);
    }
    assert.equal(await count(), before, 'a refused instance was stored');
  });

  test('a user of a denied site is refused in an admitted site\'s slice; its own users get in', async () => {
    const r = await create(userB.who, sliceA, 'sites');
    assert.equal(r.status, 403, show(r));
    assert.match(r.body.detail, /does not admit bob@b\.example \(home site Site B\)/);
    assert.equal((await create(userA.who, sliceA, 'sites')).status, 201);
  });

  test('user rules admit their users in any site, and deny rules deny', async () => {
    assert.equal((await create(userA.who, sliceA, 'users')).status, 201, 'alice@good.example');
    assert.equal((await create(userB.who, sliceA, 'users')).status, 403, 'bob@b.example');
    const bad = await w.user('mallory@bad.example', w.siteA);
    await w.grantSlice(bad.id, sliceA, 'admin');
    assert.equal((await create(bad.who, sliceA, 'denyuser')).status, 403);
    assert.equal((await create(userA.who, sliceA, 'denyuser')).status, 201);
    assert.equal((await create(badmin.who, sliceB, 'denysite')).status, 403, "site B's own slice");
    assert.equal((await create(userB.who, sliceA, 'denysite')).status, 403, "site B's user in site A's slice");
    assert.equal((await create(userA.who, sliceA, 'denysite')).status, 201);
  });
});
