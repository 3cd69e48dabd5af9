// Controllers are checked against the real test cluster, and their status says what is wrong.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { controllerBody, lab, labSkip } from '../helpers/lab.js';
import { scaled, until } from '../helpers/wait.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { synchronizerFor } from '../../src/sync/backends.js';

describe('controller check on the real cluster', { skip: labSkip }, () => {
  let s: TestServer;
  let engine: Engine;
  before(async () => {
    s = await startTestServer('pglite');
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: scaled(20_000) })), { tickMs: 200, backoff: { baseSeconds: 1, capSeconds: 5 } });
    await engine.start();
  });
  after(async () => {
    await engine.stop();
    await s.close();
  });

  // The controller once it satisfies `done` (budget for an idle machine, stretched under load);
  // the test's assertions then say what is wrong when it never does.
  const settle = async (id: number, done = (c: any) => c.backend_code !== 0, ms = 60_000) => {
    let c: any;
    const get = async () => (c = (await s.call(ADMIN, 'GET', `/api/core/controllers/${id}`)).body);
    return until('the controller', async () => done(await get()) && c, { ms, everyMs: 200 }).catch(() => c);
  };

  test('a good controller reports OK with its compute hosts', async () => {
    const r = await s.call(ADMIN, 'POST', '/api/core/controllers', controllerBody(lab(), 'lab', 1));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // A busy cluster may time out once: that is a transient error, retried until it answers.
    const c = await settle(r.body.id, (x) => x.backend_code === 1, 120_000);
    assert.equal(c.backend_code, 1, c.backend_status);
    assert.match(c.backend_status, /^1 - OK \(Nova 2\.\d+; 2 of 2 compute hosts up\)$/);
    assert.ok(c.last_sync);
  });

  test('wrong credentials: a configuration error that says so, without the password', async () => {
    const body = { ...controllerBody(lab(), 'lab-badpw', 1), admin_password: 'not-the-password' };
    const c = await settle((await s.call(ADMIN, 'POST', '/api/core/controllers', body)).body.id, (x) => x.backend_reason === 'configuration', 120_000);
    assert.equal(c.backend_code, 2);
    assert.equal(c.backend_reason, 'configuration');
    assert.match(c.backend_status, /Keystone refused the controller's admin credentials/);
    assert.ok(!c.backend_status.includes('not-the-password'));
    assert.ok(c.next_retry, 'it is retried later (someone may fix the cluster side)');
    // fixing the password through the API makes it pending and then OK
    await s.call(ADMIN, 'PATCH', `/api/core/controllers/${c.id}`, { admin_password: lab().admin.password });
    const fixed = await settle(c.id, (x) => x.backend_code === 1, 120_000);
    assert.equal(fixed.backend_code, 1, fixed.backend_status);
  });

  test('an unreachable cluster is a transient error naming what could not be reached', async () => {
    const body = { ...controllerBody(lab(), 'lab-gone', 1), auth_url: 'http://127.0.0.1:9/v3' };
    const c = await settle((await s.call(ADMIN, 'POST', '/api/core/controllers', body)).body.id);
    assert.equal(c.backend_code, 2);
    assert.equal(c.backend_reason, 'transient');
    assert.match(c.backend_status, /cannot log in to http:\/\/127\.0\.0\.1:9\/v3 as admin: cannot reach identity/);
  });
});
