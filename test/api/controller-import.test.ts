// POST /api/core/controllers/:id/import over HTTP with an inventory held in memory: who may run
// it, what a missing backend and an unreachable cluster answer, and the summary it returns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ADMIN, basic, startTestServer, type Reply, type TestServer, type Who, buildTestServer } from '../helpers/xos.js';
import { ClusterError, type ClusterInventory } from '../../src/ops/inventory.js';

const PW = 'a-user-password-1';

describe('POST /api/core/controllers/:id/import', () => {
  let s: TestServer;
  let app: FastifyInstance; // the same store, with a cluster inventory wired in
  let failing = false;
  const inventory: ClusterInventory = {
    computeHosts: async () => {
      if (failing) throw new ClusterError("cannot list the compute hosts: Keystone refused the controller's admin credentials");
      return [{ name: 'hv1', state: 'up', status: 'enabled' }];
    },
    flavors: async () => [{ name: 'f.new', vcpus: 1, ram_mb: 256, disk_gb: 1 }],
    publicImages: async () => [
      { name: 'img.new', disk_format: 'qcow2', container_format: 'bare', status: 'active' },
      { name: 'img.known', disk_format: 'raw', container_format: 'bare', status: 'active' },
    ],
  };
  const call = async (who: Who, method: string, url: string, body?: unknown): Promise<Reply> => {
    const res = await app.inject({
      method: method as 'POST',
      url,
      payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(who ? { authorization: basic(who) } : {}) },
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
  };
  const user = (name: string) => ({ email: `${name}@example.com`, password: PW });
  const ids: Record<string, number> = {};

  before(async () => {
    s = await startTestServer('pglite');
    app = await buildTestServer({ store: s.store, config: s.config, logger: false, inventory });
    const mk = async (plural: string, body: unknown) => {
      const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as number;
    };
    ids.d2 = await mk('deployments', { name: 'Second' });
    ids.c1 = await mk('controllers', { name: 'one', deployment: 1, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'cluster-pw-1' });
    ids.c2 = await mk('controllers', { name: 'two', deployment: ids.d2, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'cluster-pw-2' });
    await mk('images', { name: 'img.known', disk_format: 'raw', container_format: 'bare' });
    const role = (await s.call(ADMIN, 'GET', '/api/core/deploymentroles?role=admin')).body.items[0].id;
    for (const name of ['plain', 'dadmin', 'other', 'roadmin']) {
      ids[name] = await mk('users', {
        email: `${name}@example.com`, password: PW, firstname: name, lastname: 'Tester', site: 1,
        ...(name === 'roadmin' ? { is_admin: true, is_readonly: true } : {}),
      });
    }
    await mk('deploymentprivileges', { user: ids.dadmin, deployment: 1, role });
    await mk('deploymentprivileges', { user: ids.other, deployment: ids.d2, role });
  });
  after(async () => {
    await app.close();
    await s.close();
  });

  test('without a cluster backend the route answers 501', async () => {
    const r = await s.call(ADMIN, 'POST', `/api/core/controllers/${ids.c1}/import`, {});
    assert.equal(r.status, 501);
    assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.match(r.body.detail, /no cluster backend/);
  });

  test('who may import: 403 for users without admin rights, 404 for a controller they cannot see', async () => {
    const url = `/api/core/controllers/${ids.c1}/import`;
    assert.equal((await call(null, 'POST', url, {})).status, 401);
    const plain = await call(user('plain'), 'POST', url, {});
    assert.equal(plain.status, 403);
    assert.match(plain.body.detail, /only administrators and admins of the controller's deployment/);
    assert.equal((await call(user('plain'), 'POST', '/api/core/controllers/99999/import', {})).status, 403, 'refused before any lookup');
    assert.equal((await call(user('roadmin'), 'POST', url, {})).status, 403);
    const other = await call(user('other'), 'POST', url, {});
    assert.equal(other.status, 404, 'admin of another deployment');
    assert.equal((await call(ADMIN, 'POST', '/api/core/controllers/99999/import', {})).status, 404);
    assert.equal((await call(ADMIN, 'POST', url, { site: 1, extra: true })).status, 400);
    assert.equal((await call(ADMIN, 'POST', url, { site: 99999 })).status, 400);
  });

  test("a deployment admin imports hosts and enables known images, but adds no flavors or images", async () => {
    const r = await call(user('dadmin'), 'POST', `/api/core/controllers/${ids.c1}/import`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const by = (kind: string, name: string) => r.body.items.find((i: any) => i.kind === kind && i.name === name);
    assert.equal(by('SiteDeployment', 'MySite').result, 'created');
    assert.equal(by('Node', 'hv1').result, 'created');
    assert.equal(by('Flavor', 'f.new').result, 'skipped');
    assert.equal(by('Image', 'img.new').result, 'skipped');
    assert.equal(by('Image', 'img.known').result, 'existing');
    assert.equal(by('ImageDeployment', 'img.known').result, 'created');
    const audit = await s.call(ADMIN, 'GET', `/api/audit?model=Node&object_id=${by('Node', 'hv1').id}`);
    assert.equal(audit.body.items[0].user_email, 'dadmin@example.com');
  });

  test('a root admin adds the rest; the second time nothing is created', async () => {
    const url = `/api/core/controllers/${ids.c1}/import`;
    const r = await call(ADMIN, 'POST', url); // no body at all is fine
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.counts, { created: 3, existing: 4, conflict: 0, skipped: 0 });
    assert.deepEqual((await call(ADMIN, 'POST', url, {})).body.counts, { created: 0, existing: 7, conflict: 0, skipped: 0 });
  });

  test('an unreachable cluster is a 502 naming the controller and the reason, not the password', async () => {
    failing = true;
    try {
      const r = await call(ADMIN, 'POST', `/api/core/controllers/${ids.c2}/import`, {});
      assert.equal(r.status, 502);
      assert.equal(r.body.title, 'Bad Gateway');
      assert.equal(
        r.body.detail,
        "controller two (http://127.0.0.1:9/v3): cannot list the compute hosts: Keystone refused the controller's admin credentials",
      );
      assert.ok(!JSON.stringify(r.body).includes('cluster-pw'));
      assert.equal((await s.call(ADMIN, 'GET', `/api/core/sitedeployments?controller=${ids.c2}`)).body.total, 0, 'nothing written');
    } finally {
      failing = false;
    }
  });

  test('the route is in the OpenAPI document', async () => {
    const doc = (await call(ADMIN, 'GET', '/api/openapi.json')).body;
    const op = doc.paths['/api/core/controllers/{id}/import'].post;
    assert.ok(op.responses['502'] && op.responses['501'] && op.responses['200']);
  });
});
