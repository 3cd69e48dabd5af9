// The NUL character (U+0000) cannot be stored by PostgreSQL; wherever a client can put one (a
// query value, a body string, a JSON field's nested key, login and token bodies, HTTP Basic),
// the answer is a 400 that names the field, and nothing is written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { assertFieldError } from '../helpers/problem.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { ValidationError } from '../../src/model/errors.js';
import { dbOf } from '../../src/store/inspect.js';

const NUL = /NUL character/;

describe('NUL characters in input', () => {
  let s: TestServer;
  const count = async (table: string) => Number((await dbOf(s.store).query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
  before(async () => {
    s = await startTestServer('pglite');
  });
  after(() => s?.close());

  test('in a query value: a filter of any operator, search, or another route\'s parameter', async () => {
    for (const [q, field] of [
      ['name=a%00b', 'name'],
      ['name__contains=%00', 'name__contains'],
      ['name__in=a,b%00', 'name__in'],
      ['login_base__gte=%00', 'login_base__gte'],
      ['search=x%00', 'search'],
    ])
      assertFieldError(await s.call(ADMIN, 'GET', `/api/core/sites?${q}`), field, NUL);
    assertFieldError(await s.call(ADMIN, 'GET', '/api/audit?model=Site%00'), 'model', NUL);
  });

  test('in a body: a string, a URL, a JSON field\'s nested value or key; no row and no audit entry', async () => {
    const rows = await count('controllers');
    const audit = await count('audit_log');
    const controller = { name: 'c-nul', deployment: 1, auth_url: 'https://k.example.com/v3', admin_user: 'a', admin_password: 'p' };
    assertFieldError(await s.call(ADMIN, 'POST', '/api/core/controllers', { ...controller, admin_user: 'a\u0000' }), 'admin_user', NUL);
    assertFieldError(await s.call(ADMIN, 'POST', '/api/core/controllers', { ...controller, admin_password: '\u0000' }), 'admin_password', NUL);
    assertFieldError(await s.call(ADMIN, 'POST', '/api/core/controllers', { ...controller, auth_url: 'https://k.example.com/\u0000' }), 'auth_url', NUL);
    const rule = (r: Record<string, string>) => ({ ...controller, endpoint_rewrite: [r] });
    assertFieldError(await s.call(ADMIN, 'POST', '/api/core/controllers', rule({ from: '10.0.0.0/8', to: 'h\u0000' })), 'endpoint_rewrite', NUL);
    assertFieldError(await s.call(ADMIN, 'POST', '/api/core/controllers', rule({ from: '10.0.0.0/8', to: 'h', 'x\u0000': 'y' })), 'endpoint_rewrite', NUL);
    assertFieldError(await s.call(ADMIN, 'PATCH', '/api/core/sites/1', { name: 'x\u0000' }), 'name', NUL);
    assert.equal(await count('controllers'), rows);
    assert.equal(await count('audit_log'), audit);
  });

  test('in an API token\'s name', async () => {
    const before = await count('api_tokens');
    assertFieldError(await s.call(ADMIN, 'POST', '/api/auth/tokens', { name: 'ci\u0000' }), 'name', NUL);
    assert.equal(await count('api_tokens'), before);
  });

  test('in the email or password of a login or of HTTP Basic', async () => {
    assertFieldError(await s.call(null, 'POST', '/api/auth/login', { email: 'a\u0000@example.com', password: 'x' }), 'email', NUL);
    assertFieldError(await s.call(null, 'POST', '/api/auth/login', { email: ADMIN.email, password: 'x\u0000' }), 'password', NUL);
    assertFieldError(await s.call({ email: 'a\u0000@example.com', password: 'x' }, 'GET', '/api/core/sites'), 'Authorization', NUL);
    assertFieldError(await s.call({ email: ADMIN.email, password: `${ADMIN.password}\u0000` }, 'GET', '/api/core/sites'), 'Authorization', NUL);
  });

  test('the store refuses it too, for writers that do not come through HTTP', async () => {
    const refused = (field: string) => (e: unknown) => {
      assert.ok(e instanceof ValidationError, String(e));
      assert.ok(e.errors.some((x) => x.field === field && NUL.test(x.message)), JSON.stringify(e.errors));
      return true;
    };
    await assert.rejects(s.store.create(model('Deployment'), { name: 'd\u0000' }, SYSTEM), refused('name'));
    await assert.rejects(s.store.update(model('Site'), 1, { site_url: 'https://x/\u0000' }, SYSTEM), refused('site_url'));
    await assert.rejects(s.store.list(model('Site'), { filters: { name: '\u0000' } }), refused('name'));
    await assert.rejects(s.store.list(model('Site'), { search: '\u0000' }), refused('search'));
  });
});
