// POST /api/core/instances/:id/reboot, GET .../console and GET .../console-log over HTTP, with the
// OpenStack consoles wired to the fake cloud: who may do which (slice admins reboot, anyone who
// reads the instance sees its console and log, others get 404), what a powered-off instance, one
// without a server, a server without a backend and an unreachable cluster answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ADMIN, basic, startTestServer, type Reply, type TestServer, type Who } from '../helpers/xos.js';
import { buildServer } from '../../src/api/server.js';
import { model } from '../../src/model/registry.js';
import { openstackConsoles } from '../../src/openstack/consoles.js';
import { FakeCloud } from '../fake-cloud/index.js';

const PW = 'a-user-password-1';

describe('instance reboot, console and console log', () => {
  let s: TestServer;
  let cloud: FakeCloud;
  let app: FastifyInstance; // the same store, with the consoles wired in
  const ids: Record<string, number> = {};
  let serverId = '';
  const user = (name: string) => ({ email: `${name}@example.com`, password: PW });
  const call = async (who: Who, method: string, url: string, body?: unknown): Promise<Reply> => {
    const res = await app.inject({
      method: method as 'POST',
      url,
      payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(who ? { authorization: basic(who) } : {}) },
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
  };

  before(async () => {
    s = await startTestServer('pglite');
    cloud = await FakeCloud.start();
    app = await buildServer({ store: s.store, config: s.config, logger: false, consoles: openstackConsoles((x) => s.store.secret(x)) });
    const mk = async (plural: string, body: unknown) => {
      const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as number;
    };
    await mk('controllers', { name: 'lab', deployment: 1, auth_url: cloud.authUrl, admin_user: cloud.adminUser, admin_password: cloud.adminPassword });
    ids.slice = await mk('slices', { name: 'mysite_web', site: 1 });
    ids.image = await mk('images', { name: 'cirros' });
    for (const name of ['sliceadmin', 'member', 'outsider', 'readonly'])
      ids[name] = await mk('users', { email: `${name}@example.com`, password: PW, firstname: name, lastname: 'Tester', site: 1, ...(name === 'readonly' ? { is_admin: true, is_readonly: true } : {}) });
    const role = async (r: string) => (await s.call(ADMIN, 'GET', `/api/core/sliceroles?role=${r}`)).body.items[0].id;
    await mk('sliceprivileges', { user: ids.sliceadmin, slice: ids.slice, role: await role('admin') });
    await mk('sliceprivileges', { user: ids.member, slice: ids.slice, role: await role('access') });
    const flavor = (await s.call(ADMIN, 'GET', '/api/core/flavors?name=m1.small')).body.items[0].id;
    ids.inst = await mk('instances', { name: 'web1', slice: ids.slice, deployment: 1, image: ids.image, flavor });
    ids.bare = await mk('instances', { name: 'web2', slice: ids.slice, deployment: 1, image: ids.image, flavor });
    // As the synchronizer leaves it: a server on the cluster, its id on the row.
    serverId = cloud.nova.addServer({ name: 'mysite_web-1', project: cloud.keystone.admin.project.id, status: 'ACTIVE' }).id;
    await s.store.sync.setObserved(model('Instance'), ids.inst, { instance_uuid: serverId });
  });
  after(async () => {
    await app.close();
    await s.close();
    await cloud.close();
  });

  test('a slice admin reboots (soft by default, or hard); it is counted on the row for the synchronizer', async () => {
    const soft = await call(user('sliceadmin'), 'POST', `/api/core/instances/${ids.inst}/reboot`);
    assert.equal(soft.status, 200, JSON.stringify(soft.body));
    assert.equal(soft.body.reboot_requests, 1);
    assert.equal(soft.body.reboot_type, 'soft');
    const hard = await call(user('sliceadmin'), 'POST', `/api/core/instances/${ids.inst}/reboot`, { type: 'hard' });
    assert.equal(hard.body.reboot_requests, 2);
    assert.equal(hard.body.reboot_type, 'hard');
    assert.equal(hard.body.version, soft.body.version, 'a request is not an edit: the ETag stays');
    const bad = await call(user('sliceadmin'), 'POST', `/api/core/instances/${ids.inst}/reboot`, { type: 'gentle' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /type/);
  });

  test('members who may only read, outsiders and read-only users may not reboot', async () => {
    assert.equal((await call(user('member'), 'POST', `/api/core/instances/${ids.inst}/reboot`)).status, 403);
    assert.equal((await call(user('outsider'), 'POST', `/api/core/instances/${ids.inst}/reboot`)).status, 404, 'a hidden instance does not exist');
    assert.equal((await call(user('readonly'), 'POST', `/api/core/instances/${ids.inst}/reboot`)).status, 403);
    assert.equal((await call(null, 'POST', `/api/core/instances/${ids.inst}/reboot`)).status, 401);
  });

  test('a powered-off instance refuses a reboot and says why', async () => {
    assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/instances/${ids.bare}`, { power: 'off' })).status, 200);
    const r = await call(user('sliceadmin'), 'POST', `/api/core/instances/${ids.bare}/reboot`);
    assert.equal(r.status, 409);
    assert.equal(r.body.detail, 'instance web2 is powered off (power=off): set power=on to start it');
  });

  test('whoever reads the instance gets its noVNC URL from the cluster; others get 404', async () => {
    const r = await call(user('member'), 'GET', `/api/core/instances/${ids.inst}/console`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.type, 'novnc');
    assert.equal(r.body.protocol, 'vnc');
    assert.ok(r.body.url.startsWith(`${cloud.nova.consoleBase}?path=%3Ftoken%3D`), r.body.url);
    const asked = cloud.requestsTo(`POST /compute/v2.1/servers/${serverId}/remote-consoles`).at(-1)!;
    assert.deepEqual(asked.json, { remote_console: { protocol: 'vnc', type: 'novnc' } });
    assert.equal((await call(user('outsider'), 'GET', `/api/core/instances/${ids.inst}/console`)).status, 404);
  });

  test('the console log: the last N lines, or all of them; N is bounded', async () => {
    const two = await call(user('member'), 'GET', `/api/core/instances/${ids.inst}/console-log?lines=2`);
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.deepEqual(two.body, { output: 'ANOTHER\nLAST LINE', lines: 2 });
    const all = await call(user('member'), 'GET', `/api/core/instances/${ids.inst}/console-log`);
    assert.deepEqual(all.body, { output: cloud.nova.consoleOutput, lines: 3 });
    const zero = await call(user('member'), 'GET', `/api/core/instances/${ids.inst}/console-log?lines=0`);
    assert.equal(zero.status, 400);
    assert.match(JSON.stringify(zero.body), /lines/);
    assert.equal((await call(user('outsider'), 'GET', `/api/core/instances/${ids.inst}/console-log`)).status, 404);
  });

  test('an instance without a server yet: 409 with its status', async () => {
    const r = await call(user('member'), 'GET', `/api/core/instances/${ids.bare}/console`);
    assert.equal(r.status, 409);
    assert.match(r.body.detail, /^instance web2 has no server yet \(0 - /);
  });

  test('a server with no cluster backend answers 501; an unreachable cluster 502', async () => {
    const none = await s.call(user('member'), 'GET', `/api/core/instances/${ids.inst}/console`);
    assert.equal(none.status, 501);
    cloud.fail('* /compute/**', { status: 500, message: 'nova-api is broken' });
    try {
      const r = await call(user('member'), 'GET', `/api/core/instances/${ids.inst}/console-log`);
      assert.equal(r.status, 502);
      assert.match(r.body.detail, /cannot read the console log of server/);
    } finally {
      cloud.heal();
    }
  });
});
