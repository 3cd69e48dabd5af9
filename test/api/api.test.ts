// The HTTP contract of the API: authentication, errors, concurrency control, paging, documents.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { models } from '../../src/model/registry.js';
import { dbOf } from '../../src/store/inspect.js';

const problem = (r: { status: number; headers: Record<string, unknown>; body: any }, status: number, detail?: RegExp) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  if (detail) assert.match(r.body.detail, detail);
};
const fieldsOf = (r: { body: any }) => Object.fromEntries((r.body.errors ?? []).map((e: { field: string; message: string }) => [e.field, e.message]));

describe('API', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('pglite', { XOS_API_BODY_LIMIT: '4096', XOS_API_LOGIN_ATTEMPTS_PER_MINUTE: '5' });
  });
  after(() => s.close());

  test('health answers without authentication', async () => {
    const r = await s.call(null, 'GET', '/api/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.database, 'pglite');
  });

  test('everything else needs credentials: 401 with a Basic challenge', async () => {
    const r = await s.call(null, 'GET', '/api/core/sites');
    problem(r, 401, /authentication required/);
    assert.match(String(r.headers['www-authenticate']), /^Basic realm="XOS"/);
    problem(await s.call({ email: ADMIN.email, password: 'wrong-password' }, 'GET', '/api/core/sites'), 401, /wrong email or password/);
    problem(await s.call(null, 'GET', '/api/core/sites', undefined, { authorization: 'Bearer nope' }), 401, /unknown or has expired/);
    assert.equal((await s.call(ADMIN, 'GET', '/api/core/sites')).status, 200);
  });

  test('login gives a cookie session (writes need the CSRF token) and a bearer token; logout ends both', async () => {
    const login = await s.call(null, 'POST', '/api/auth/login', { email: ADMIN.email, password: ADMIN.password });
    assert.equal(login.status, 200);
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] as string[]);
    const session = cookies.find((c) => c.startsWith('xos_session='))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Lax/);
    const cookie = session.split(';')[0];
    assert.equal((await s.call(null, 'GET', '/api/auth/me', undefined, { cookie })).body.user.email, ADMIN.email);
    problem(await s.call(null, 'POST', '/api/core/deployments', { name: 'csrf' }, { cookie }), 403, /CSRF/);
    problem(await s.call(null, 'POST', '/api/core/deployments', { name: 'csrf' }, { cookie, 'x-csrf-token': 'forged' }), 403, /CSRF/);
    assert.equal((await s.call(null, 'POST', '/api/core/deployments', { name: 'csrf' }, { cookie, 'x-csrf-token': login.body.csrf_token })).status, 201);
    const bearer = { authorization: `Bearer ${login.body.token}` };
    assert.equal((await s.call(null, 'POST', '/api/core/deployments', { name: 'bearer' }, bearer)).status, 201, 'bearer writes need no CSRF token');
    assert.equal((await s.call(null, 'POST', '/api/auth/logout', undefined, bearer)).status, 204);
    problem(await s.call(null, 'GET', '/api/auth/me', undefined, { cookie }), 401, /expired/);
    problem(await s.call(null, 'GET', '/api/auth/me', undefined, bearer), 401);
  });

  test('API tokens for scripts: shown once, stored hashed, revocable', async () => {
    const made = await s.call(ADMIN, 'POST', '/api/auth/tokens', { name: 'ci' });
    assert.equal(made.status, 201);
    assert.match(made.body.token, /^xos_/);
    const auth = { authorization: `Bearer ${made.body.token}` };
    assert.equal((await s.call(null, 'GET', '/api/core/slices', undefined, auth)).status, 200);
    const list = await s.call(ADMIN, 'GET', '/api/auth/tokens');
    assert.ok(list.body.items.some((t: { id: number; token?: string }) => t.id === made.body.id && t.token === undefined));
    const [row] = await dbOf(s.store).query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [made.body.id]);
    assert.ok(!row.token_hash.includes(made.body.token));
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/auth/tokens/${made.body.id}`)).status, 204);
    problem(await s.call(null, 'GET', '/api/core/slices', undefined, auth), 401);
  });

  test('errors are problem+json with a message per field; nothing is half-written', async () => {
    const before = (await s.call(ADMIN, 'GET', '/api/core/slices')).body.total;
    const r = await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'bad name', site: 'one', color: 'red', backend_status: '1 - OK' });
    problem(r, 400);
    const f = fieldsOf(r);
    assert.match(f.name, /may contain only/);
    assert.equal(f.site, 'must be a whole number');
    assert.equal(f.color, 'is not a field of Slice');
    assert.equal(f.backend_status, 'is read-only');
    problem(await s.call(ADMIN, 'POST', '/api/core/slices', {}), 400, /name is required/);
    // an empty form sends null for a required reference: it is missing, not "at least 1"
    const empty = await s.call(ADMIN, 'POST', '/api/core/slices', { name: '', site: null, description: null });
    problem(empty, 400);
    assert.deepEqual(fieldsOf(empty), { name: 'must not be empty', site: 'is required' });
    problem(await s.call(ADMIN, 'POST', '/api/core/slices', [1, 2]), 400);
    problem(await s.call(ADMIN, 'POST', '/api/core/slices', '{"name": '), 400, /not valid JSON/);
    problem(await s.call(ADMIN, 'POST', '/api/core/slices', 'name=x', { 'content-type': 'text/plain' }), 415);
    problem(await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'mysite_big', description: 'x'.repeat(5000) }), 413, /larger than the limit of 4096 bytes/);
    assert.equal((await s.call(ADMIN, 'GET', '/api/core/slices')).body.total, before);
  });

  test('404 for what does not exist; ids are validated', async () => {
    problem(await s.call(ADMIN, 'GET', '/api/core/slices/99999'), 404, /Slice 99999 not found/);
    problem(await s.call(ADMIN, 'GET', '/api/core/nonsense'), 404, /no route/);
    problem(await s.call(ADMIN, 'GET', '/api/core/slices/abc'), 400);
    problem(await s.call(ADMIN, 'PATCH', '/api/core/slices/99999', { description: 'x' }), 404);
    problem(await s.call(ADMIN, 'DELETE', '/api/core/slices/99999'), 404);
  });

  test('ETag and If-Match: a stale write gets 412', async () => {
    const c = await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'mysite_etag', site: 1 });
    assert.equal(c.status, 201);
    assert.equal(c.headers.location, `/api/core/slices/${c.body.id}`);
    const url = `/api/core/slices/${c.body.id}`;
    const g = await s.call(ADMIN, 'GET', url);
    assert.equal(g.headers.etag, '"1"');
    const p = await s.call(ADMIN, 'PATCH', url, { description: 'one' }, { 'if-match': '"1"' });
    assert.equal(p.status, 200);
    assert.equal(p.headers.etag, '"2"');
    problem(await s.call(ADMIN, 'PATCH', url, { description: 'two' }, { 'if-match': '"1"' }), 412, /has changed/);
    problem(await s.call(ADMIN, 'DELETE', url, undefined, { 'if-match': 'W/"1"' }), 412);
    problem(await s.call(ADMIN, 'PATCH', url, { description: 'two' }, { 'if-match': 'garbage' }), 400, /If-Match/);
    assert.equal((await s.call(ADMIN, 'GET', url)).body.description, 'one');
    assert.equal((await s.call(ADMIN, 'DELETE', url, undefined, { 'if-match': '"2"' })).status, 204);
    problem(await s.call(ADMIN, 'GET', url), 404);
  });

  test('lists page with total and next, filter on any field, and sort', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await s.call(ADMIN, 'POST', '/api/core/images', { name: `img-${i}`, disk_format: i % 2 ? 'raw' : 'qcow2' })).status, 201);
    const p1 = await s.call(ADMIN, 'GET', '/api/core/images?limit=2&sort=-name');
    assert.equal(p1.body.total, 5);
    assert.deepEqual(p1.body.items.map((i: { name: string }) => i.name), ['img-4', 'img-3']);
    assert.match(p1.body.next, /^http:\/\/localhost(:\d+)?\/api\/core\/images\?limit=2&sort=-name&offset=2$/);
    const last = await s.call(ADMIN, 'GET', '/api/core/images?limit=2&offset=4&sort=-name');
    assert.equal(last.body.items.length, 1);
    assert.equal(last.body.next, null);
    assert.equal((await s.call(ADMIN, 'GET', '/api/core/images?disk_format=raw')).body.total, 2);
    assert.equal((await s.call(ADMIN, 'GET', '/api/core/sites?login_base=mysite')).body.items[0].id, 1);
    problem(await s.call(ADMIN, 'GET', '/api/core/images?colour=red'), 400, /colour: is not a field of Image/);
    problem(await s.call(ADMIN, 'GET', '/api/core/images?limit=0'), 400);
    problem(await s.call(ADMIN, 'GET', '/api/core/images?limit=100000'), 400);
    problem(await s.call(ADMIN, 'GET', '/api/core/images?sort=-admin_password'), 400);
  });

  test('the audit log is for administrators and never shows secrets', async () => {
    await s.call(ADMIN, 'POST', '/api/core/controllers', {
      name: 'audited', deployment: 1, auth_url: 'http://127.0.0.1:5000/v3', admin_user: 'admin', admin_password: 'TopSecret-1',
    });
    const r = await s.call(ADMIN, 'GET', '/api/audit?model=Controller');
    assert.equal(r.status, 200);
    assert.equal(r.body.items[0].user_email, ADMIN.email);
    assert.ok(!JSON.stringify(r.body).includes('TopSecret-1'));
    await s.call(ADMIN, 'POST', '/api/core/users', { email: 'plain@example.com', password: 'plain-password', firstname: 'P', lastname: 'L', site: 1 });
    problem(await s.call({ email: 'plain@example.com', password: 'plain-password' }, 'GET', '/api/audit'), 403);
  });

  test('the OpenAPI document is valid OpenAPI 3 and covers every model; /api/docs browses it', async () => {
    const r = await s.call(null, 'GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    const result = await new Validator().validate(r.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors ?? null).slice(0, 2000));
    for (const m of models) {
      assert.ok(r.body.paths[`/api/core/${m.plural}`]?.post, `POST /api/core/${m.plural}`);
      assert.ok(r.body.paths[`/api/core/${m.plural}/{id}`]?.patch, `PATCH /api/core/${m.plural}/{id}`);
    }
    const docs = await s.call(null, 'GET', '/api/docs/');
    assert.equal(docs.status, 200);
    assert.match(String(docs.body), /swagger-ui/i);
  });

  test('login is rate-limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await s.call(null, 'POST', '/api/auth/login', { email: ADMIN.email, password: `guess-${i}` })).status);
    // Five attempts a minute (other tests logged in too): wrong passwords get 401 until the limit.
    const first429 = statuses.indexOf(429);
    assert.ok(first429 > 0 && first429 <= 5, `statuses ${statuses}`);
    assert.ok(statuses.slice(0, first429).every((x) => x === 401));
    assert.ok(statuses.slice(first429).every((x) => x === 429));
    const limited = await s.call(null, 'POST', '/api/auth/login', { email: ADMIN.email, password: ADMIN.password });
    problem(limited, 429, /too many login attempts/);
  });
});

// No input may produce a 500 or leave a row behind when it is refused.
describe('API under hostile input', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('pglite');
  });
  after(() => s.close());

  const junk: unknown[] = [
    null, 0, -1, 2 ** 31, 1.5, '', ' ', 'x'.repeat(3000), '\u0000', "'; DROP TABLE slices; --", true, [], [1], {}, { a: { b: 1 } }, '1e400', '10.0.0.0/33', '2026-13-45',
  ];

  test('random bodies for every model and field: never a 500, never a half-written row', async () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const m of models) {
      const before = (await s.call(ADMIN, 'GET', `/api/core/${m.plural}?limit=1`)).body.total;
      let created = 0;
      for (let i = 0; i < 25; i++) {
        const body: Record<string, unknown> = {};
        for (const f of Object.keys(m.fields)) if (rand() < 0.5) body[f] = junk[Math.floor(rand() * junk.length)];
        const r = await s.call(ADMIN, 'POST', `/api/core/${m.plural}`, body);
        assert.ok(r.status < 500, `${m.plural} POST ${JSON.stringify(body).slice(0, 300)} → ${r.status} ${JSON.stringify(r.body)}`);
        if (r.status === 201) created++;
        else assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
        const p = await s.call(ADMIN, 'PATCH', `/api/core/${m.plural}/1`, body);
        assert.ok(p.status < 500, `${m.plural} PATCH → ${p.status} ${JSON.stringify(p.body)}`);
      }
      const afterTotal = (await s.call(ADMIN, 'GET', `/api/core/${m.plural}?limit=1`)).body.total;
      assert.equal(afterTotal, before + created, `${m.plural}: only accepted bodies add rows`);
    }
  });

  test('odd query strings are 400s, not 500s', async () => {
    for (const q of ['limit=-1', 'limit=abc', 'offset=1e99', 'sort=--x', 'sort=,', 'id__in=a,b', 'created__gte=yesterday', 'name__regex=.*', 'id=1&id=2', 'search=' + '%'.repeat(300), 'enabled=maybe']) {
      const r = await s.call(ADMIN, 'GET', `/api/core/slices?${q}`);
      assert.ok(r.status === 200 || r.status === 400, `${q} → ${r.status} ${JSON.stringify(r.body)}`);
    }
  });
});
