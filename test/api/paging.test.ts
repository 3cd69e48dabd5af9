// Paging through large lists: keyset cursors on the default order, offsets on any order, and a
// total that is exact up to a cap and an estimate above it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer, type Who } from '../helpers/xos.js';
import { buildWorld } from '../security/world.js';
import { dbOf } from '../../src/store/inspect.js';
import { EXACT_TOTAL_CAP } from '../../src/store/list-page.js';

const pathOf = (next: string) => {
  const u = new URL(next);
  return u.pathname + u.search;
};

// Every page from `first` on, following `next`.
async function walk(s: TestServer, who: Who, first: string) {
  const pages: { items: { id: number }[]; total: number; total_exact: boolean; next: string | null }[] = [];
  let url: string | null = first;
  while (url) {
    const r = await s.call(who, 'GET', url);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    pages.push(r.body);
    url = r.body.next ? pathOf(r.body.next) : null;
    assert.ok(pages.length < 100, 'the walk ends');
  }
  return pages;
}

describe('list paging', () => {
  let s: TestServer;
  let slices: number[] = [];
  let sliceA: number;
  let userA: Who;
  before(async () => {
    s = await startTestServer('pglite');
    const w = await buildWorld(s);
    sliceA = (await w.make('slices', { name: 'mysite_pa', site: w.siteA })).id;
    const sliceB = (await w.make('slices', { name: 'mysite_pb', site: w.siteA })).id;
    slices = [sliceA, sliceB];
    const u = await w.user('member@example.com', w.siteB);
    await w.grantSlice(u.id, sliceA, 'access');
    userA = u.who;
    // Instances of both slices, interleaved, so a member's pages skip rows they may not see.
    const db = dbOf(s.store);
    const [{ deployment }] = await db.query<{ deployment: number }>('SELECT id AS deployment FROM deployments ORDER BY id LIMIT 1');
    const [{ image }] = await db.query<{ image: number }>(`INSERT INTO images (name) VALUES ('paging-img') RETURNING id AS image`);
    const [{ flavor }] = await db.query<{ flavor: number }>('SELECT id AS flavor FROM flavors ORDER BY id LIMIT 1');
    await db.query(
      `INSERT INTO instances (name, slice, deployment, image, flavor)
       SELECT 'vm' || i, (CASE WHEN i % 3 = 0 THEN $1 ELSE $2 END)::int, $3, $4, $5 FROM generate_series(1, 30) i`,
      [sliceA, sliceB, deployment, image, flavor],
    );
  });
  after(() => s.close());

  test('next on the default order is a keyset cursor; the walk sees every row once, in order', async () => {
    const all = (await s.call(ADMIN, 'GET', '/api/core/instances?limit=1000')).body.items.map((r: { id: number }) => r.id);
    assert.equal(all.length, 30);
    for (const [sort, expected] of [[undefined, all], ['-id', [...all].reverse()], ['id', all]] as const) {
      const pages = await walk(s, ADMIN, `/api/core/instances?limit=7${sort ? `&sort=${sort}` : ''}`);
      assert.deepEqual(pages.flatMap((p) => p.items.map((r) => r.id)), expected, `sort ${sort}`);
      assert.equal(pages.length, 5);
      for (const p of pages) assert.equal(p.total, 30);
      for (const p of pages) assert.equal(p.total_exact, true);
      for (const p of pages.slice(0, -1)) {
        const u = new URL(p.next!);
        assert.ok(u.searchParams.get('cursor'), 'the next link carries a cursor');
        assert.equal(u.searchParams.get('offset'), null, 'and no offset');
      }
      assert.equal(pages.at(-1)!.next, null);
    }
  });

  test('a cursor walk keeps the row filters of the caller and the query', async () => {
    const mine = await walk(s, userA, '/api/core/instances?limit=4&sort=-id');
    const ids = mine.flatMap((p) => p.items.map((r) => r.id));
    assert.equal(ids.length, 10, 'a member of one slice sees its 10 instances only');
    const [{ n }] = await dbOf(s.store).query<{ n: number }>('SELECT count(*)::int AS n FROM instances WHERE id = ANY($1) AND slice = $2', [ids, sliceA]);
    assert.equal(n, 10);
    for (const p of mine) assert.equal(p.total, 10);
    const filtered = await walk(s, ADMIN, `/api/core/instances?limit=3&slice=${slices[1]}`);
    assert.equal(filtered.flatMap((p) => p.items).length, 20);
    assert.ok(filtered.flatMap((p) => p.items as { slice?: number }[]).every((r) => r.slice === slices[1]));
    // A page filtered on one reference is read through that reference's index: same rows, same order.
    for (const sort of ['id', '-id']) {
      const walked = (await walk(s, ADMIN, `/api/core/instances?limit=6&slice=${slices[1]}&sort=${sort}`)).flatMap((p) => p.items.map((r) => r.id));
      const rows = await dbOf(s.store).query<{ id: number }>(
        `SELECT id FROM instances WHERE slice = $1 AND NOT deleted ORDER BY id ${sort === 'id' ? 'ASC' : 'DESC'}`,
        [slices[1]],
      );
      assert.deepEqual(walked, rows.map((r) => r.id), `sort ${sort}`);
    }
    const mineFiltered = (await walk(s, userA, `/api/core/instances?limit=4&sort=-id&slice=${sliceA}`)).flatMap((p) => p.items.map((r) => r.id));
    assert.deepEqual(mineFiltered, ids);
  });

  test('offset still works, and other orders page by offset', async () => {
    const byOffset = await s.call(ADMIN, 'GET', '/api/core/instances?limit=5&offset=25');
    assert.equal(byOffset.body.items.length, 5);
    assert.equal(byOffset.body.next, null);
    const byName = await s.call(ADMIN, 'GET', '/api/core/instances?limit=5&sort=-name');
    assert.equal(new URL(byName.body.next).searchParams.get('offset'), '5');
    assert.equal(new URL(byName.body.next).searchParams.get('cursor'), null);
    const walked = await walk(s, ADMIN, '/api/core/instances?limit=8&sort=name');
    assert.equal(new Set(walked.flatMap((p) => p.items.map((r) => r.id))).size, 30);
  });

  test('a bad cursor is a 400 that names the cursor', async () => {
    const first = await s.call(ADMIN, 'GET', '/api/core/instances?limit=2&sort=-id');
    const cursor = new URL(first.body.next).searchParams.get('cursor')!;
    for (const [q, why] of [
      [`cursor=${cursor}&sort=id`, /sort=-id/],
      [`cursor=${cursor}&sort=name`, /default order/],
      ['cursor=garbage', /not a cursor/],
      [`cursor=${Buffer.from('v1:desc:99999999999').toString('base64url')}&sort=-id`, /not a cursor/],
    ] as const) {
      const r = await s.call(ADMIN, 'GET', `/api/core/instances?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.errors?.[0]?.field, 'cursor', q);
      assert.match(r.body.errors[0].message, why, q);
    }
  });

  test('the total is exact up to the cap and an estimate above it', async () => {
    const db = dbOf(s.store);
    const [{ deployment, image, flavor }] = await db.query<{ deployment: number; image: number; flavor: number }>(
      'SELECT deployment, image, flavor FROM instances LIMIT 1',
    );
    await db.query(
      `INSERT INTO instances (name, slice, deployment, image, flavor)
       SELECT 'bulk' || i, $1, $2, $3, $4 FROM generate_series(1, ${EXACT_TOTAL_CAP + 500}) i`,
      [slices[1], deployment, image, flavor],
    );
    await db.query('ANALYZE instances');
    const big = await s.call(ADMIN, 'GET', '/api/core/instances?limit=5');
    assert.equal(big.body.total_exact, false);
    assert.ok(big.body.total > EXACT_TOTAL_CAP, `estimate ${big.body.total}`);
    assert.ok(Math.abs(big.body.total - (EXACT_TOTAL_CAP + 530)) < 2000, `estimate ${big.body.total} near ${EXACT_TOTAL_CAP + 530}`);
    const small = await s.call(ADMIN, 'GET', `/api/core/instances?limit=5&slice=${sliceA}`);
    assert.deepEqual([small.body.total, small.body.total_exact], [10, true]);
    const member = await s.call(userA, 'GET', '/api/core/instances?limit=5');
    assert.deepEqual([member.body.total, member.body.total_exact], [10, true], 'counted over what the caller may see');
  });
});
