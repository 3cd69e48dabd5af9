// The rows a create references are remembered for a second (src/store/reference-cache.ts). What
// that must never do: show one caller's references to another who may not see them, outlive a
// change made in this process, let a create through to a reference another process deleted, or
// keep a changed access list from taking effect within the second.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type Reply, type TestServer, type Who } from '../helpers/xos.js';
import { buildWorld, type World } from './world.js';
import { dbOf } from '../../src/store/inspect.js';
import { REFERENCE_TTL_MS, ReferenceCache } from '../../src/store/reference-cache.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the cache itself: a second, and only the tables an entry read', () => {
  let now = 0;
  const cache = new ReferenceCache<string>(new Set(['slices', 'sites', 'images']), 1000, 100, () => now);
  const slices = ReferenceCache.key('SELECT * FROM "slices" t JOIN sites s ON s.id = t.site WHERE t.id = $1', [1]);
  const images = ReferenceCache.key('SELECT * FROM "images" WHERE id = $1', [1]);
  cache.set(slices, 'slice 1', cache.begin());
  cache.set(images, 'image 1', cache.begin());
  assert.equal(cache.get(slices), 'slice 1');
  cache.changed('instances');
  assert.equal(cache.get(slices), 'slice 1', 'a write to a table it did not read keeps it');
  cache.changed('sites');
  assert.equal(cache.get(slices), undefined, 'a write to a table it read, quoted or not, drops it');
  assert.equal(cache.get(images), 'image 1');
  now = 1000;
  assert.equal(cache.get(images), undefined, 'a second later it is gone');
  const begun = cache.begin();
  cache.changed('slices'); // a write while the rows were being read
  cache.set(slices, 'slice 1 as it was', begun);
  assert.equal(cache.get(slices), undefined, 'what was read across a write to its tables is not kept');
  const begunAgain = cache.begin();
  cache.changed('images');
  cache.set(slices, 'slice 1', begunAgain);
  assert.equal(cache.get(slices), 'slice 1', 'a write elsewhere meanwhile does not matter');
});

describe('references remembered for a second', () => {
  let s: TestServer;
  let w: World;
  let member: Who;
  let body: Record<string, unknown>;
  let mine: number;
  let hidden: number;
  let deployment: number;
  before(async () => {
    s = await startTestServer('pglite');
    w = await buildWorld(s);
    mine = (await w.make('slices', { name: 'mysite_cached', site: w.siteA })).id;
    hidden = (await w.make('slices', { name: 'mysite_hidden', site: w.siteA })).id;
    deployment = (await s.call(ADMIN, 'GET', '/api/core/deployments?limit=1')).body.items[0].id;
    const image = (await w.make('images', { name: 'cache-image' })).id;
    const [flavor] = (await s.call(ADMIN, 'GET', '/api/core/flavors?limit=1')).body.items;
    body = { deployment, image, flavor: flavor.id };
    const u = await w.user('cache-member@example.com', w.siteB);
    await w.grantSlice(u.id, mine, 'admin');
    member = u.who;
  });
  after(() => s.close());

  const create = (who: Who, slice: number, name: string) => s.call(who, 'POST', '/api/core/instances', { ...body, slice, name });
  const instances = async (slice: number) =>
    (await dbOf(s.store).query<{ n: number }>('SELECT count(*)::int AS n FROM instances WHERE slice = $1', [slice]))[0].n;
  // A create refused as if the slice were not there: 400, naming the field and nothing more.
  const refusedAsMissing = (r: Reply, slice: number) => {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors, [{ field: 'slice', message: `Slice ${slice} does not exist` }]);
  };

  test("another caller's look at a slice does not open it to a member who cannot see it", async () => {
    // The site's admin sees it through the same row filter as the member, with other values.
    const siteAdmin = await w.user('cache-site-admin@example.com', w.siteA);
    await w.grantSite(siteAdmin.id, w.siteA, 'admin');
    assert.equal((await create(siteAdmin.who, hidden, 'by-site-admin')).status, 201);
    assert.equal((await create(ADMIN, hidden, 'by-admin')).status, 201);
    refusedAsMissing(await create(member, hidden, 'by-member'), hidden);
  });

  test('a slice deleted in this process is gone for the next create at once', async () => {
    const slice = (await w.make('slices', { name: 'mysite_doomed', site: w.siteA })).id;
    assert.equal((await create(ADMIN, slice, 'before')).status, 201);
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/slices/${slice}`)).status, 204);
    refusedAsMissing(await create(ADMIN, slice, 'after'), slice);
  });

  test('a slice another process deleted within the second: no instance, the reason named', async () => {
    const slice = (await w.make('slices', { name: 'mysite_elsewhere', site: w.siteA })).id;
    assert.equal((await create(ADMIN, slice, 'before')).status, 201);
    const before = await instances(slice);
    // Another process's write: straight to the database, unseen by this one.
    await dbOf(s.store).query('UPDATE slices SET deleted = true WHERE id = $1', [slice]);
    refusedAsMissing(await create(ADMIN, slice, 'after'), slice);
    assert.equal(await instances(slice), before, 'nothing was inserted');
  });

  test("a deployment's access list changed here applies at once; changed elsewhere, within the second", async () => {
    const acl = (text: string) => s.call(ADMIN, 'PATCH', `/api/core/deployments/${deployment}`, { access_control: text });
    try {
      assert.equal((await create(member, mine, 'allowed')).status, 201);
      assert.equal((await acl('deny all')).status, 200);
      const refused = await create(member, mine, 'refused-at-once');
      assert.equal(refused.status, 403, JSON.stringify(refused.body));

      assert.equal((await acl('allow all')).status, 200);
      assert.equal((await create(member, mine, 'allowed-again')).status, 201);
      await dbOf(s.store).query(`UPDATE deployments SET access_control = 'deny all' WHERE id = $1`, [deployment]);
      await pause(REFERENCE_TTL_MS + 100);
      const later = await create(member, mine, 'refused-later');
      assert.equal(later.status, 403, JSON.stringify(later.body));
    } finally {
      await acl('allow all');
    }
  });
});
