// List filters whose values the database cannot compare with (dates outside the years it reads,
// numbers outside its integers, addresses it does not parse) are a 400 naming the filter, on
// every backend, never a 500 and never a database error about "(body)".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, backends, startTestServer, type TestServer } from '../helpers/xos.js';
import { assertFieldError } from '../helpers/problem.js';

for (const backend of backends) {
  describe(`list filter values (${backend})`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(backend);
    });
    after(() => s?.close());

    test('dates outside 0001-01-01 to 9999-12-31, as JavaScript reads them, with any operator', async () => {
      for (const d of ['+275760-09-13', '-271821-04-20', '275760-09-13', '0000-01-01', '-000001-01-01', '10000-01-01', '9999-12-31T23:59:59-01:00', '0001-01-01T00:00:00+01:00'])
        for (const op of ['', '__gte', '__lt', '__in']) {
          const key = `created${op}`;
          assertFieldError(await s.call(ADMIN, 'GET', `/api/core/sites?${key}=${encodeURIComponent(d)}`), key, /from 0001-01-01 to 9999-12-31/);
        }
      for (const d of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-01-01'])
        assert.equal((await s.call(ADMIN, 'GET', `/api/core/sites?created__gte=${encodeURIComponent(d)}`)).status, 200, d);
    });

    test('names every object inherits ("constructor", "toString") are no fields: in a filter, a sort or a body', async () => {
      for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
        assertFieldError(await s.call(ADMIN, 'GET', `/api/core/sites?${name}=1`), name, /is not a field of Site/);
        assertFieldError(await s.call(ADMIN, 'GET', `/api/core/sites?${name}__in=1`), `${name}__in`, /is not a field of Site/);
        assertFieldError(await s.call(ADMIN, 'GET', `/api/core/sites?sort=-${name}`), 'sort', new RegExp(`cannot sort by "${name}"`));
        const r = await s.call(ADMIN, 'PATCH', '/api/core/sites/1', { [name]: 1 });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.doesNotMatch(r.body.detail, /cannot be changed after creation/);
      }
    });

    test('whole numbers outside PostgreSQL\'s integer, in a field or a reference', async () => {
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/sites?id=99999999999'), 'id', /whole number from -2147483648 to 2147483647/);
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/slices?site__in=1,2147483648'), 'site__in', /whole number/);
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/slices?max_instances__lt=-2147483649'), 'max_instances__lt', /whole number/);
      assert.equal((await s.call(ADMIN, 'GET', '/api/core/slices?site=2147483647')).status, 200);
    });

    test('a number filter that is empty, and addresses that PostgreSQL does not read', async () => {
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/sites?longitude='), 'longitude', /is not a number/);
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/ports?ip=fe80::1%25eth0'), 'ip', /not an IP address/);
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/ports?ip=10.0.0.256'), 'ip', /not an IP address/);
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/networks?subnet__in=10.0.0.0/8,x'), 'subnet__in', /CIDR/);
      assert.equal((await s.call(ADMIN, 'GET', '/api/core/ports?ip__in=10.0.0.1,fe80::1')).status, 200);
      assert.equal((await s.call(ADMIN, 'GET', '/api/core/networks?subnet=10.0.0.0/8')).status, 200);
    });

    test('a filter key with more than one operator', async () => {
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/sites?name__in__in=x'), 'name__in__in', /one operator/);
      assertFieldError(await s.call(ADMIN, 'GET', '/api/core/sites?name__contains__=x'), 'name__contains__', /one operator/);
    });

    test('an IPv6 zone in a body address', async () => {
      assertFieldError(await s.call(ADMIN, 'POST', '/api/core/ports', { network: 1, ip: 'fe80::1%eth0' }), 'ip', /IPv4 or IPv6 address/);
    });
  });
}
