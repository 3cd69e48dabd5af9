// The server side of the web UI, over HTTP without a browser: the app at / with its fallback that
// never answers /api/*, the public UI configuration, /api/stats under privileges, and retry-now.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { buildServer } from '../../src/api/server.js';
import { ensureUiBuilt } from './browser.js';
import { dbOf } from '../../src/store/inspect.js';

const ALICE = { email: 'alice@example.com', password: 'alice-password-1' }; // admin of slice mysite_a only
const RO = { email: 'ro@example.com', password: 'readonly-password-1' };

describe('UI routes', () => {
  let s: TestServer;
  const ids: Record<string, number> = {};
  const ok = async (method: string, url: string, body?: unknown) => {
    const r = await s.call(ADMIN, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    ensureUiBuilt();
    s = await startTestServer('pglite', { XOS_GUI_BRANDING_NAME: 'Acme Cloud' });
    ids.image = (await ok('POST', '/api/core/images', { name: 'img' })).id;
    ids.a = (await ok('POST', '/api/core/slices', { name: 'mysite_a', site: 1 })).id;
    ids.b = (await ok('POST', '/api/core/slices', { name: 'mysite_b', site: 1 })).id;
    for (const slice of [ids.a, ids.b, ids.b])
      await ok('POST', '/api/core/instances', { slice, deployment: 1, image: ids.image, flavor: 1, name: `i-${slice}` });
    const alice = await ok('POST', '/api/core/users', { ...ALICE, firstname: 'A', lastname: 'A', site: 1 });
    const role = (await ok('GET', '/api/core/sliceroles?role=admin')).items[0].id;
    await ok('POST', '/api/core/sliceprivileges', { user: alice.id, slice: ids.a, role });
    await ok('POST', '/api/core/users', { ...RO, firstname: 'R', lastname: 'O', site: 1, is_readonly: true });
    await dbOf(s.store).query(`UPDATE slices SET backend_code = 2, backend_status = '2 - quota exceeded', last_sync = now() WHERE id = ANY($1)`, [[ids.a, ids.b]]);
    await dbOf(s.store).query(`UPDATE instances SET backend_code = 1 WHERE slice = $1`, [ids.a]);
  });
  after(() => s?.close());

  test('the app is served at / and for its client routes, with a strict content security policy', async () => {
    for (const url of ['/', '/sites', '/slices/3?tab=instances']) {
      const r = await s.call(null, 'GET', url);
      assert.equal(r.status, 200, url);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(String(r.body), /<div id="root"><\/div>/);
      assert.match(String(r.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/);
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
    const html = String((await s.call(null, 'GET', '/')).body);
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await s.app.inject({ method: 'GET', url: js, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['content-encoding'], 'gzip');
    assert.match(String(asset.headers['cache-control']), /immutable/);
  });

  test('/api/* is never answered with the app; missing assets are 404', async () => {
    for (const url of ['/api/nothing-here', '/api/core/nothings', '/api', '/assets/missing-123.js', '/favicon.ico', '/../package.json', '/%2e%2e/package.json']) {
      const r = await s.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 404, url);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/, url);
    }
    assert.equal((await s.call(null, 'GET', '/api/core/sites')).status, 401);
  });

  test('GET /api/ui/config is public and reflects [gui]', async () => {
    const r = await s.call(null, 'GET', '/api/ui/config');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { branding_name: 'Acme Cloud', disable_minidashboard: false });
  });

  test('without a built UI, / says how to build it', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-no-ui-'));
    const app = await buildServer({ store: s.store, config: s.config, logger: false, uiDistDir: empty });
    try {
      const r = await app.inject({ method: 'GET', url: '/' });
      assert.equal(r.statusCode, 503);
      assert.match(r.body, /npm run build:ui/);
    } finally {
      await app.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('/api/stats counts, errors and instances per site and slice under the caller\'s privileges', async () => {
    const admin = (await s.call(ADMIN, 'GET', '/api/stats')).body;
    const count = (b: typeof admin, m: string) => b.counts.find((c: { model: string }) => c.model === m);
    assert.equal(count(admin, 'Slice').count, 2);
    assert.equal(count(admin, 'Slice').errors, 2);
    assert.equal(count(admin, 'Instance').count, 3);
    assert.equal(count(admin, 'Deployment').errors, null, 'not a synced model');
    assert.ok(count(admin, 'ControllerSite'), 'admins see link models');
    assert.deepEqual(admin.errors.map((e: { title: string }) => e.title).sort(), ['mysite_a', 'mysite_b']);
    assert.equal(admin.errors[0].backend_status, '2 - quota exceeded');
    assert.deepEqual(admin.minidashboard.instances_per_site, [{ site: 1, name: 'MySite', total: 3, ok: 1, pending: 2, error: 0 }]);
    assert.deepEqual(
      admin.minidashboard.instances_per_slice.map((r: { name: string; total: number }) => [r.name, r.total]),
      [['mysite_b', 2], ['mysite_a', 1]],
    );
    assert.deepEqual(admin.minidashboard.capacity, [], 'no cluster yet');

    const alice = (await s.call(ALICE, 'GET', '/api/stats')).body;
    assert.equal(count(alice, 'Slice').count, 1);
    assert.equal(count(alice, 'Instance').count, 1);
    assert.equal(count(alice, 'ControllerSite'), undefined, 'link models are for administrators');
    assert.deepEqual(alice.errors.map((e: { title: string }) => e.title), ['mysite_a']);
    assert.deepEqual(alice.minidashboard.instances_per_slice.map((r: { name: string }) => r.name), ['mysite_a']);
    assert.deepEqual(alice.controllers, []);
    assert.equal(alice.minidashboard.capacity, null, 'cluster capacity is for operators');
    assert.equal((await s.call(null, 'GET', '/api/stats')).status, 401);
  });

  test('/api/stats sums sync state per controller', async () => {
    const ctl = await ok('POST', '/api/core/controllers', { name: 'c1', deployment: 1, auth_url: 'https://k.example.com/v3', admin_user: 'a', admin_password: 'p' });
    const sd = (await ok('GET', '/api/core/sitedeployments?site=1&deployment=1')).items[0];
    await ok('PATCH', `/api/core/sitedeployments/${sd.id}`, { controller: ctl.id });
    const link = await ok('POST', '/api/core/controllersites', { controller: ctl.id, site: 1 });
    await dbOf(s.store).query(`UPDATE controller_sites SET backend_code = 2 WHERE id = $1`, [link.id]);
    const c = (await s.call(ADMIN, 'GET', '/api/stats')).body.controllers.find((x: { name: string }) => x.name === 'c1');
    assert.deepEqual(c.links, { pending: 0, ok: 0, error: 1 });
    assert.deepEqual(c.instances, { pending: 2, ok: 1, error: 0 });
    assert.equal(c.deployment_name, 'MyDeployment');
  });

  test('retry now clears the backoff, keeps the version, is audited and announced', async () => {
    await dbOf(s.store).query(`UPDATE slices SET next_retry = now() + interval '1 hour', retry_count = 4 WHERE id = $1`, [ids.a]);
    const [{ version }] = await dbOf(s.store).query<{ version: number }>(`SELECT version FROM slices WHERE id = $1`, [ids.a]);
    const notices: string[] = [];
    const stop = await dbOf(s.store).listen('xos_changes', (p) => notices.push(p));
    try {
      const r = await s.call(ALICE, 'POST', `/api/core/slices/${ids.a}/retry`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.next_retry, null);
      assert.equal(r.body.retry_count, 0);
      assert.equal(r.body.version, version, 'a retry is not a change');
      assert.equal(r.body.backend_code, 2);
      await new Promise((res) => setTimeout(res, 50));
      assert.ok(notices.some((n) => JSON.parse(n).model === 'Slice' && JSON.parse(n).id === ids.a && JSON.parse(n).op === 'sync'));
    } finally {
      await stop();
    }
    const audit = (await s.call(ADMIN, 'GET', `/api/audit?model=Slice&object_id=${ids.a}`)).body.items[0];
    assert.equal(audit.action, 'retry');
    assert.equal(audit.user_email, ALICE.email);
    // Rows the caller cannot see do not exist for them; read-only users may not retry.
    assert.equal((await s.call(ALICE, 'POST', `/api/core/slices/${ids.b}/retry`)).status, 404);
    assert.equal((await s.call(RO, 'POST', '/api/core/sites/1/retry')).status, 403);
    assert.equal((await s.call(ALICE, 'POST', `/api/core/controllersites/1/retry`)).status, 403);
    assert.equal((await s.call(ADMIN, 'POST', `/api/core/slices/999999/retry`)).status, 404);
    assert.equal((await s.call(ADMIN, 'POST', `/api/core/deployments/1/retry`)).status, 404, 'only synced models have it');
  });
});
