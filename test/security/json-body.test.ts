// A body that is not JSON the API accepts (a syntax error, nothing at all, a "__proto__" key or
// "constructor.prototype") is a 400 whose errors name the body, like any other bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { assertFieldError } from '../helpers/problem.js';

describe('bodies that are not acceptable JSON', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('pglite');
  });
  after(() => s?.close());

  test('are a 400 naming (body), and create nothing', async () => {
    const before = (await s.call(ADMIN, 'GET', '/api/core/deployments')).body.total;
    for (const text of ['{"name": ', '', 'nul', '{"name": "x", "__proto__": {"is_admin": true}}', '{"name": "y", "constructor": {"prototype": {"a": 1}}}'])
      assertFieldError(await s.call(ADMIN, 'POST', '/api/core/deployments', text, { 'content-type': 'application/json' }), '(body)', /not valid JSON|__proto__/);
    assertFieldError(await s.call(ADMIN, 'PATCH', '/api/core/sites/1', '{"endpoint_rewrite": {"__proto__": null}}'), '(body)', /__proto__/);
    assert.equal((await s.call(ADMIN, 'GET', '/api/core/deployments')).body.total, before);
  });
});
