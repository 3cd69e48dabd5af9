// A controller's admin password goes only where it was given for: changing where the credentials
// go (auth URL, domain, account, project, CA bundle, endpoint rewriting) clears the stored
// password unless the same request gives it, the synchronizer then sends nothing, and the audit
// log says who moved the endpoint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN, startTestServer, type TestServer, type Who } from '../helpers/xos.js';
import { buildWorld, type World } from './world.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { until } from '../helpers/wait.js';
import { synchronizerFor } from '../../src/sync/backends.js';

const SECRET = 'cluster-admin-secret-1';

describe('controller credentials follow their endpoint', () => {
  let s: TestServer;
  let w: World;
  let dadmin: Who;
  let deployment: number;
  let engine: Engine;
  let listener: http.Server;
  let listenerUrl: string;
  const received: string[] = []; // every request body the listener got
  before(async () => {
    s = await startTestServer('pglite');
    w = await buildWorld(s);
    deployment = (await w.make('deployments', { name: 'Lab', access_control: 'allow all' })).id;
    const d = await w.user('dadmin@b.example', w.siteB);
    await w.make('deploymentprivileges', { user: d.id, deployment, role: w.roles.deployment.admin });
    dadmin = d.who;
    listener = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error": {"code": 401}}');
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/v3`;
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: 2000 })), { tickMs: 100, backoff: { baseSeconds: 0.2, capSeconds: 1 } });
    await engine.start();
  });
  after(async () => {
    await engine.stop();
    await s.close();
    listener.close();
  });

  const controller = async (name: string) =>
    (
      await w.make('controllers', {
        name,
        deployment,
        auth_url: 'http://127.0.0.1:9/v3', // nothing listens there
        admin_user: 'admin',
        admin_password: SECRET,
      })
    ).id as number;
  const get = async (id: number) => (await s.call(ADMIN, 'GET', `/api/core/controllers/${id}`)).body;

  test('moving auth_url clears the password; the synchronizer sends nothing to the new address', async () => {
    const id = await controller('moved');
    const r = await s.call(dadmin, 'PATCH', `/api/core/controllers/${id}`, { auth_url: listenerUrl });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.has_admin_password, false);
    const c = await until('the controller to say why it cannot log in', async () => {
      const c = await get(id);
      return /has no admin password/.test(c.backend_status) && c;
    }, { ms: 10_000, everyMs: 100 });
    assert.equal(c.backend_code, 2);
    assert.equal(c.backend_reason, 'unrecoverable', 'nothing to retry until someone gives the password');
    await new Promise((res) => setTimeout(res, 1500)); // a few more engine ticks
    assert.deepEqual(received.filter((b) => b.includes(SECRET)), [], 'the password reached the new address');
    assert.deepEqual(received, [], 'nothing was sent to the new address');
  });

  test('every field that says where the credentials go clears them; other fields do not', async () => {
    const moves: Record<string, unknown> = {
      domain: 'Other',
      admin_user: 'someone',
      admin_tenant: 'other-project',
      ca_bundle: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      endpoint_rewrite: [{ from: '10.0.0.0/8', to: '127.0.0.1' }],
    };
    for (const [field, value] of Object.entries(moves)) {
      const id = await controller(`move-${field}`);
      const r = await s.call(dadmin, 'PATCH', `/api/core/controllers/${id}`, { [field]: value });
      assert.equal(r.status, 200, `${field}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.has_admin_password, false, `${field} kept the password`);
    }
    const id = await controller('renamed');
    const r = await s.call(dadmin, 'PATCH', `/api/core/controllers/${id}`, { backend_version: 'Zed', region: 'RegionTwo' });
    assert.equal(r.body.has_admin_password, true);
    // the same value again is no move
    const same = await s.call(dadmin, 'PATCH', `/api/core/controllers/${id}`, { auth_url: 'http://127.0.0.1:9/v3' });
    assert.equal(same.body.has_admin_password, true);
  });

  test('a move that gives the password again keeps it (it is the one given)', async () => {
    const id = await controller('moved-with-password');
    const r = await s.call(dadmin, 'PATCH', `/api/core/controllers/${id}`, { auth_url: 'http://127.0.0.1:10/v3', admin_password: 'new-secret-2' });
    assert.equal(r.body.has_admin_password, true);
    const raw = await s.store.raw((await import('../../src/model/registry.js')).model('Controller'), id);
    assert.equal(s.store.secret(raw!.admin_password), 'new-secret-2');
  });

  test('the audit log says who moved the endpoint and that the password was cleared', async () => {
    const id = await controller('audited');
    await s.call(dadmin, 'PATCH', `/api/core/controllers/${id}`, { auth_url: 'http://127.0.0.1:11/v3' });
    const log = (await s.call(ADMIN, 'GET', `/api/audit?model=Controller&object_id=${id}`)).body.items;
    const move = log.find((e: any) => e.action === 'update');
    assert.equal(move.user_email, 'dadmin@b.example');
    assert.deepEqual(move.changes.auth_url, ['http://127.0.0.1:9/v3', 'http://127.0.0.1:11/v3']);
    assert.equal(move.changes.admin_password, '[cleared: auth_url changed]');
    assert.ok(!JSON.stringify(log).includes(SECRET));
  });
});
