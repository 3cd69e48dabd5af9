import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { dbOf } from '../../src/store/inspect.js';

let s: TestServer;
before(async () => {
  s = await startTestServer('pglite');
});
after(() => s.close());

test('retry now brings back an object that failed for good, for those who may change it', async () => {
  const site = (await s.call(ADMIN, 'POST', '/api/core/sites', { name: 'Retry', login_base: 'retry' })).body;
  // the synchronizer gave up on it: a terminal error, reconciled after its last change
  await dbOf(s.store).query(
    "UPDATE sites SET backend_code = 2, backend_status = '2 - bad', backend_reason = 'unrecoverable', last_sync = now() + interval '1 second', retry_count = 3 WHERE id = $1",
    [site.id],
  );
  await dbOf(s.store).query('UPDATE sites SET no_sync = true WHERE id <> $1', [site.id]);
  assert.deepEqual(await s.store.sync.claim(model('Site'), 'probe', 10, 1), [], 'a terminal error is not retried by itself');
  const plain = { email: 'plain@example.com', password: 'plain-password' };
  await s.call(ADMIN, 'POST', '/api/core/users', { ...plain, firstname: 'P', lastname: 'L', site: 1 });
  assert.equal((await s.call(plain, 'POST', `/api/core/sites/${site.id}/retry`)).status, 403);
  const r = await s.call(ADMIN, 'POST', `/api/core/sites/${site.id}/retry`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.retry_count, 0);
  assert.equal(r.body.next_retry, null);
  const claimed = await s.store.sync.claim(model('Site'), 'probe', 10, 1);
  assert.deepEqual(claimed.map((x) => x.id), [site.id]);
  assert.equal((await s.call(ADMIN, 'POST', '/api/core/deployments/1/retry')).status, 404, 'only synced models have it');
});
