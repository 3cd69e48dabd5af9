// How many SQL statements one create costs, counted on the store's database handle: who the caller
// is comes from a short-lived cache, the references (with the sites the access rules read) are
// checked in one query, and the row, its audit entry and its change notice are written in one
// statement, without a transaction around the two; PostgreSQL keeps the plans of both. The
// references read within the last second are not read again, unless this process wrote to them
// since: what another process changed meanwhile is caught by the insert (live references only)
// or, for what decides access, takes effect within the second.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, basic, startTestServer, type TestServer } from '../helpers/xos.js';
import { buildWorld, PW } from '../security/world.js';
import { dbOf } from '../../src/store/inspect.js';
import type { Db } from '../../src/store/db.js';
import { watchStatements } from '../helpers/statements.js';
import { REFERENCE_TTL_MS } from '../../src/store/reference-cache.js';
import { PRINCIPAL_TTL_MS } from '../../src/auth/principal-cache.js';
import { sha256 } from '../../src/auth/passwords.js';

// Every statement sent through the handle, a transaction's BEGIN and COMMIT included.
// Those PostgreSQL may keep the plan of are marked "(same plan)".
function countStatements(db: Db) {
  const seen: string[] = [];
  watchStatements(db, (text, o) => seen.push(o?.reusePlan ? `${text} (same plan)` : text));
  return seen;
}

describe('create round trips', () => {
  let s: TestServer;
  let seen: string[];
  let body: Record<string, unknown>;
  let memberAuth: string;
  let adminAuth: string;
  before(async () => {
    s = await startTestServer('pglite');
    const w = await buildWorld(s);
    const slice = (await w.make('slices', { name: 'mysite_rt', site: w.siteA })).id;
    const [deployment] = (await s.call(ADMIN, 'GET', '/api/core/deployments?limit=1')).body.items;
    const image = (await w.make('images', { name: 'rt-image' })).id;
    const [flavor] = (await s.call(ADMIN, 'GET', '/api/core/flavors?limit=1')).body.items;
    body = { slice, deployment: deployment.id, image, flavor: flavor.id };
    // A slice admin from the other site: their privileges and the deployment's access list apply.
    const u = await w.user('rt-member@example.com', w.siteB);
    await w.grantSlice(u.id, slice, 'admin');
    const token = async (who: { email: string; password: string }) =>
      (await s.call(who, 'POST', '/api/auth/tokens', { name: 'rt' })).body.token as string;
    adminAuth = `Bearer ${await token(ADMIN)}`;
    memberAuth = `Bearer ${await token({ email: 'rt-member@example.com', password: PW })}`;
    seen = countStatements(dbOf(s.store));
  });
  after(() => s.close());

  const create = async (authorization: string, name: string) => {
    const r = await s.call(null, 'POST', '/api/core/instances', { ...body, name }, { authorization });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };

  for (const who of ['administrator', 'slice admin'] as const)
    test(`a create by a ${who}: 2 statements once the caller is known, 1 while its references are`, async () => {
      const authorization = who === 'administrator' ? adminAuth : memberAuth;
      // Both caches keep an answer for a second: on a machine too busy to make the two calls well
      // within it, try again.
      let statements: string[] = [];
      let row: Record<string, unknown> = {};
      for (let attempt = 0; attempt < 5; attempt++) {
        const t0 = Date.now();
        await create(authorization, `${who}-warm-${attempt}`); // looks the caller and the references up
        await new Promise((r) => setTimeout(r, 20)); // the token's last_used update is not awaited
        seen.length = 0;
        row = await create(authorization, `${who}-counted-${attempt}`);
        statements = [...seen];
        if (Date.now() - t0 < REFERENCE_TTL_MS / 2) break;
      }
      assert.equal(statements.length, 1, `${statements.length} statements:\n${statements.join('\n')}`);
      assert.match(statements[0], /^WITH ins AS \(INSERT INTO "instances"/, 'the row, its audit entry and its notice');
      assert.match(statements[0], /\(same plan\)$/, 'an insert keeps its plan');
      // What the fewer statements still do: the audit entry and the change notice.
      const [audit] = await dbOf(s.store).query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE model = 'Instance' AND object_id = $1 AND action = 'create'`, [row.id]);
      assert.equal(audit.n, 1);

      // References not read within the second: one query for them (with the sites the rules read).
      await new Promise((r) => setTimeout(r, REFERENCE_TTL_MS + 100));
      seen.length = 0;
      await create(authorization, `${who}-stale`);
      const fresh = seen.filter((t) => /FROM "slices" t WHERE/.test(t));
      assert.equal(fresh.length, 1, seen.join('\n'));
      assert.match(fresh[0], /\(same plan\)$/);
    });

  test('the cached caller still meets every check: a reference they cannot see does not exist', async () => {
    const other = (await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'mysite_hidden', site: 1 })).body.id;
    const r = await s.call(null, 'POST', '/api/core/instances', { ...body, slice: other, name: 'x' }, { authorization: memberAuth });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors, [{ field: 'slice', message: `Slice ${other} does not exist` }]);
    const missing = await s.call(null, 'POST', '/api/core/instances', { ...body, image: 999999, flavor: 888888, name: 'y' }, { authorization: basic(ADMIN) });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.errors.map((e: { field: string }) => e.field).sort(), ['flavor', 'image']);
  });

  test('a caller not known from a moment ago costs two statements; the last use of a token is written once a minute', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const lookups = () => seen.filter((t) => /api_tokens|_privileges/.test(t));
    const lastUsed = async () =>
      (await dbOf(s.store).query<{ t: string | null }>(`SELECT last_used::text AS t FROM api_tokens WHERE token_hash = $1`, [sha256(memberAuth.slice(7))]))[0]?.t;
    const list = async () => assert.equal((await s.call(null, 'GET', '/api/core/sites', undefined, { authorization: memberAuth })).status, 200);
    await list();
    await sleep(PRINCIPAL_TTL_MS + 100);
    const before = await lastUsed();
    assert.ok(before, 'the first use is noted');
    seen.length = 0;
    await list();
    await sleep(20); // the last_used update is not awaited
    assert.deepEqual(
      lookups().map((t) => t.replace(/\s+/g, ' ').slice(0, 40)),
      ['SELECT u.*, t.id AS _tid, (t.last_used I', "SELECT 'site' AS kind, p.site AS id, r.r"],
      'the token with its user, then every privilege',
    );
    assert.ok(lookups().every((t) => t.endsWith('(same plan)')), 'both keep their plan');
    assert.equal(await lastUsed(), before, 'used again within the minute: not written');

    await dbOf(s.store).query(`UPDATE api_tokens SET last_used = now() - interval '61 seconds' WHERE token_hash = $1`, [sha256(memberAuth.slice(7))]);
    const old = await lastUsed();
    await sleep(PRINCIPAL_TTL_MS + 100);
    await list();
    await sleep(20);
    assert.ok(new Date((await lastUsed())!).getTime() > new Date(old!).getTime() + 60_000, 'a use after the minute is noted');
  });
});
