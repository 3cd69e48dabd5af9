// The Controller reconciler against the fake cloud: it logs in, reads the catalog, negotiates
// Nova's microversion and reports the compute hosts; what is wrong shows in the row's status,
// classified so that the engine retries what may pass and waits for people where it cannot.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from './world.js';

describe('Controller reconciler (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  test('a healthy cluster: OK with the microversion spoken and its compute hosts', async () => {
    const s = await w.begin();
    const c = await s.synced('Controller', s.ids.ctl);
    assert.equal(c.backend_status, '1 - OK (Nova 2.90; 2 of 2 compute hosts up)');
    assert.equal(c.backend_reason, null);
    // The client caps Nova's 2.93 at the 2.90 it was written for, and says so on every call.
    const [services] = s.cloud.requestsTo('GET /compute/v2.1/os-services');
    assert.equal(services.microversion, '2.90');
    assert.equal(services.query.get('binary'), 'nova-compute');
    assert.equal(s.cloud.count('POST', '/identity/v3/auth/tokens'), 1);
    assert.equal(s.cloud.requestsTo('POST /identity/v3/auth/tokens')[0].json.auth.scope.project.name, 'admin');
  });

  test('an older Nova is spoken at its own maximum, and a compute host that is down is named', async () => {
    const s = await w.begin({ cloud: { nova: { maxVersion: '2.60', hosts: ['compute1', 'compute2', 'compute3'] } }, start: false });
    s.cloud.nova.host('compute2')!.state = 'down';
    await s.engine.start();
    const c = await s.synced('Controller', s.ids.ctl);
    assert.equal(c.backend_status, '1 - OK (Nova 2.60; 2 of 3 compute hosts up; down: compute2)');
    assert.deepEqual([...new Set(s.cloud.requestsTo('GET /compute/v2.1/os-services').map((r) => r.microversion))], ['2.60']);
  });

  test('wrong credentials: a configuration error without the password, retried, and OK once the password is fixed', async () => {
    const s = await w.begin({ controller: { admin_password: 'not-the-password' } });
    const c = await s.failed('Controller', s.ids.ctl);
    assert.match(c.backend_status, /^2 - cannot log in to http:\/\/127\.0\.0\.1:\d+\/identity\/v3 as admin: Keystone refused the controller's admin credentials/);
    assert.ok(!c.backend_status.includes('not-the-password'));
    assert.equal(c.backend_reason, 'configuration');
    assert.ok(c.next_retry, 'retried later: the cluster side may be what gets fixed');
    assert.match(String(c.backend_request_id), /^req-/, 'the request id to look for in Keystone\'s log');
    await s.settle('Controller', s.ids.ctl, (r) => r.retry_count >= 2, 'a second attempt');
    await s.update('Controller', s.ids.ctl, { admin_password: s.cloud.adminPassword });
    const ok = await s.synced('Controller', s.ids.ctl);
    assert.equal(ok.backend_status, '1 - OK (Nova 2.90; 2 of 2 compute hosts up)');
    assert.equal(ok.retry_count, 0);
  });

  test('Keystone unreachable: a transient error naming it, retried with growing waits until it answers', async () => {
    const s = await w.begin({ start: false });
    s.cloud.down('identity');
    await s.engine.start();
    const c = await s.failed('Controller', s.ids.ctl);
    assert.match(c.backend_status, /^2 - cannot log in to \S+ as admin: cannot reach identity \(could not authenticate: network error/);
    assert.equal(c.backend_reason, 'transient');
    // The waits double (base 0.1 s, ±20 %, at most 0.4 s): a later one is longer than the first.
    const waits: number[] = [];
    let seen = 0;
    await s.settle('Controller', s.ids.ctl, (r) => {
      if (r.retry_count > seen && r.next_retry) {
        seen = r.retry_count;
        waits[seen] = new Date(r.next_retry).getTime() - new Date(r.last_sync).getTime();
      }
      return r.retry_count >= 4;
    }, 'four failed attempts');
    const seenWaits = waits.filter((x) => x !== undefined);
    assert.ok(seenWaits.length >= 2, `saw the waits of ${seenWaits.length} attempts`);
    assert.ok(seenWaits[seenWaits.length - 1] > seenWaits[0], `waits ${waits.join(', ')} ms grow`);
    assert.ok(s.cloud.count('POST', '/identity/v3/auth/tokens') >= 4);
    s.cloud.heal();
    assert.equal((await s.synced('Controller', s.ids.ctl)).backend_status, '1 - OK (Nova 2.90; 2 of 2 compute hosts up)');
  });

  test('a catalog without Neutron: a configuration error naming what is missing', async () => {
    const s = await w.begin({ cloud: { catalog: ['identity', 'compute', 'image'] } });
    const c = await s.failed('Controller', s.ids.ctl);
    assert.equal(c.backend_status, '2 - the catalog lacks network');
    assert.equal(c.backend_reason, 'configuration');
  });

  test('a Nova newer than the client can speak: a configuration error from the version negotiation', async () => {
    const s = await w.begin({ cloud: { nova: { minVersion: '2.95', maxVersion: '2.99' } } });
    const c = await s.failed('Controller', s.ids.ctl);
    assert.match(c.backend_status, /^2 - the cluster answered the login but not the compute API: .*the server needs at least 2\.95/);
    assert.equal(c.backend_reason, 'configuration');
    assert.equal(s.cloud.count('GET', '/compute/v2.1/os-services'), 0, 'nothing is asked in a version it does not speak');
  });

  test('a 500 from Nova is transient: the next attempt succeeds', async () => {
    const s = await w.begin({ start: false });
    s.cloud.fail('GET /compute/v2.1/os-services', { status: 500, times: 1 });
    await s.engine.start();
    const c = await s.synced('Controller', s.ids.ctl);
    assert.equal(c.backend_status, '1 - OK (Nova 2.90; 2 of 2 compute hosts up)');
    assert.equal(s.cloud.count('GET', '/compute/v2.1/os-services'), 2);
    assert.ok(
      s.logs.some((l) => /^Controller \d+ reconcile: error: the cluster answered the login but not the compute API: .*Nova failed with an internal error|500/.test(l)),
      s.logs.join('\n'),
    );
  });

  test('a password cleared by an endpoint change is a terminal error until someone gives it again', async () => {
    const s = await w.begin();
    await s.synced('Controller', s.ids.ctl);
    await s.update('Controller', s.ids.ctl, { auth_url: `${s.cloud.url}/identity/v3/` });
    const c = await s.failed('Controller', s.ids.ctl, /has no admin password/);
    assert.match(c.backend_status, /^2 - controller \S+ has no admin password \(it is cleared when the endpoint or account changes\); set admin_password$/);
    assert.equal(c.backend_reason, 'unrecoverable');
    assert.equal(c.next_retry, null, 'no retry until the row changes');
    const tokens = s.cloud.count('POST', '/identity/v3/auth/tokens');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await s.row('Controller', s.ids.ctl))!.retry_count, c.retry_count, 'not tried again meanwhile');
    assert.equal(s.cloud.count('POST', '/identity/v3/auth/tokens'), tokens);
    await s.update('Controller', s.ids.ctl, { admin_password: s.cloud.adminPassword });
    assert.equal((await s.synced('Controller', s.ids.ctl)).backend_reason, null);
  });

  test('deleting a controller purges the row without a call to the cluster', async () => {
    const s = await w.begin();
    await s.synced('Controller', s.ids.ctl);
    const mark = s.cloud.mark();
    await s.remove('Controller', s.ids.ctl);
    await s.purged('Controller', s.ids.ctl);
    assert.deepEqual(s.cloud.since(mark).map((r) => `${r.method} ${r.path}`), []);
  });
});
