// A slice's Usage and Topology tabs and the lists' bulk actions in Chromium, with the synchronizer
// working on the fake cloud: the slice's use against max_instances and each cluster's quota (an
// unreachable cluster shown failing), its networks and instances drawn with the addresses the
// ports hold (and a new instance appearing live), and instances powered off and deleted together
// with one confirmation and a summary naming what failed and why; at desktop size and 390×844.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, buildTestServer, startTestServer, type TestServer } from '../helpers/xos.js';
import { until } from '../helpers/wait.js';
import { model } from '../../src/model/registry.js';
import { Engine } from '../../src/sync/engine.js';
import { synchronizerFor } from '../../src/sync/backends.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { openstackQuotas } from '../../src/openstack/quotas.js';
import { FakeCloud } from '../fake-cloud/index.js';
import { connectFakeCloud } from '../helpers/fake-cluster.js';
import { ConsoleWatch, ensureUiBuilt, launch, login, skipBrowser, unlabelledControls } from './browser.js';
import type { FastifyInstance } from 'fastify';

const DESKTOP = { width: 1360, height: 900 };
const PHONE = { width: 390, height: 844 };
const MEMBER = { email: 'member@example.com', password: 'a-user-password-1' };

describe('slice usage, topology and bulk actions', { skip: skipBrowser }, () => {
  let s: TestServer;
  let app: FastifyInstance;
  let base = '';
  let cloud: FakeCloud;
  let engine: Engine;
  let browser: Browser | undefined;
  const watch = new ConsoleWatch();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-ui-slice-'));
  const ids: Record<string, number> = {};
  const api = async (method: string, url: string, body?: unknown) => {
    const r = await s.call(ADMIN, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const instances = async () => (await api('GET', `/api/core/instances?slice=${ids.slice}&sort=name`)).items as { id: number; name: string; power: string; backend_code: number }[];
  const inSync = (n: number) =>
    until(async () => `${n} instances in sync (${JSON.stringify((await instances()).map((i) => i.backend_code))})`, async () => {
      const all = await instances();
      return all.length === n && all.every((i) => i.backend_code === 1) && all;
    }, { ms: 60_000 });

  before(async () => {
    ensureUiBuilt();
    cloud = await FakeCloud.start();
    const nat = cloud.neutron.addNetwork({ name: 'nat-net', shared: true });
    cloud.neutron.addSubnet({ network_id: nat.id, cidr: '172.16.0.0/22', name: 'nat-subnet' });
    s = await startTestServer('pglite');
    // Every response the browser gets is checked against the OpenAPI document.
    app = await buildTestServer({ store: s.store, config: s.config, logger: false, quotas: openstackQuotas((x) => s.store.secret(x)) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    engine = new Engine(s.store, synchronizerFor(openstackBackend()), { tickMs: 100, backoff: { baseSeconds: 0.2, capSeconds: 1 } });
    await engine.start();
    const { image } = await connectFakeCloud(api, cloud, tmp);
    const slice = await api('POST', '/api/core/slices', { name: 'mysite_web', site: 1, max_instances: 6 });
    Object.assign(ids, { slice: slice.id, image });
    for (const name of ['web1', 'web2', 'db1']) await api('POST', '/api/core/instances', { name, slice: slice.id, deployment: 1, image: ids.image, flavor: 1 });
    // A second cluster where the slice has a project but which does not answer: not synchronized
    // (no_sync), so that only the usage reads it.
    const far = await api('POST', '/api/core/deployments', { name: 'far' });
    const dead = await api('POST', '/api/core/controllers', { name: 'far-cluster', deployment: far.id, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'pw' });
    const link = await api('POST', '/api/core/controllerslices', { controller: dead.id, slice: slice.id, no_sync: true });
    await s.store.sync.setObserved(model('ControllerSlice'), link.id, { tenant_id: 'ffffffffffffffffffffffffffffffff' });
    const member = await api('POST', '/api/core/users', { ...MEMBER, firstname: 'Mem', lastname: 'Ber', site: 1 });
    const access = (await api('GET', '/api/core/sliceroles?role=access')).items[0].id;
    await api('POST', '/api/core/sliceprivileges', { user: member.id, slice: slice.id, role: access });
    await inSync(3);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await engine?.stop();
    await app?.close();
    await s?.close();
    await cloud?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const open = async (viewport: { width: number; height: number }, url: string, who = ADMIN): Promise<Page> => {
    const ctx = await browser!.newContext({ viewport });
    ctx.setDefaultTimeout(20_000);
    const page = watch.attach(await ctx.newPage());
    await login(page, base, who);
    await page.goto(`${base}${url}`);
    return page;
  };
  const noSideScroll = async (page: Page) => {
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `the page scrolls sideways: ${scroll} px wide in a ${width} px window`);
  };

  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const)
    test(`the Usage tab: instances against max_instances, each cluster's quota, the unreachable one failing (${label})`, async () => {
      const page = await open(viewport, `/slices/${ids.slice}?tab=usage`);
      const usage = page.getByTestId('slice-usage');
      await usage.waitFor();
      assert.equal(await usage.locator('.gauge', { hasText: 'Instances' }).first().locator('.gauge-text').textContent(), '3 of 6');
      assert.equal(await page.getByRole('meter', { name: 'Instances: 3 of 6' }).first().getAttribute('value'), '3');
      // The cluster's own figures: Nova's quota for the project (max_instances, pushed by the
      // synchronizer) and its use.
      const fake = usage.locator('tr[data-cluster="fake"]');
      await fake.waitFor();
      assert.equal(await fake.getAttribute('data-state'), 'ok');
      assert.match((await fake.locator('td').first().textContent())!, /3 of 6/);
      const far = usage.locator('tr[data-cluster="far-cluster"]');
      assert.equal(await far.getAttribute('data-state'), 'error');
      assert.match((await far.textContent())!, /Cannot read.*cannot read the quota of project f+/);
      await noSideScroll(page);
      assert.deepEqual(await unlabelledControls(page), []);
      await page.context().close();
    });

  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const)
    test(`the Topology tab draws each instance on its networks with the ports' addresses (${label})`, async () => {
      const page = await open(viewport, `/slices/${ids.slice}?tab=topology`);
      const svg = page.getByTestId('topology');
      await svg.waitFor();
      assert.match((await page.getByRole('img').first().getAttribute('aria-labelledby'))!, /topo-svg-title/);
      const ports = (await api('GET', `/api/core/ports?instance__in=${(await instances()).map((i) => i.id).join(',')}&limit=100`)).items as { instance: number; network: number; ip: string }[];
      const nets = new Map(((await api('GET', '/api/core/networks?limit=100')).items as { id: number; name: string }[]).map((n) => [n.id, n.name]));
      assert.ok(ports.length >= 3, `every instance has a port (${ports.length})`);
      for (const i of await instances()) {
        const mine = ports.filter((p) => p.instance === i.id);
        assert.ok(mine.length > 0, `${i.name} has a port`);
        for (const p of mine) {
          const line = svg.locator(`[data-link="${i.name}:${nets.get(p.network)}"]`);
          assert.equal(await line.locator('text').textContent(), p.ip, `${i.name} on ${nets.get(p.network)}`);
        }
      }
      // The text version says the same in words.
      const text = (await page.locator('#topo-text').textContent())!;
      for (const p of ports) assert.ok(text.includes(`${p.ip} on ${nets.get(p.network)}`), `${p.ip} in the text version: ${text}`);
      await noSideScroll(page);
      if (viewport === PHONE) {
        const wrap = await page.locator('.topo-wrap').evaluate((e) => ({ sw: e.scrollWidth, cw: e.clientWidth }));
        assert.ok(wrap.sw > wrap.cw, `the picture scrolls inside its card (${wrap.sw} > ${wrap.cw})`);
      } else {
        // Live: a new instance appears, then its address, without a reload.
        await api('POST', '/api/core/instances', { name: 'web3', slice: ids.slice, deployment: 1, image: ids.image, flavor: 1 });
        await svg.locator('[data-instance="web3"] [data-link] text', { hasText: /^\d+\.\d+\.\d+\.\d+$/ }).first().waitFor();
      }
      await page.context().close();
    });

  test('a slice member powers off instances together: every one fails with the API\'s reason (desktop)', async () => {
    const page = await open(DESKTOP, '/instances', MEMBER);
    await page.getByRole('checkbox', { name: 'Select web1' }).check();
    await page.getByRole('checkbox', { name: 'Select web2' }).check();
    await page.getByRole('button', { name: 'Power off selected' }).click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByRole('heading').textContent(), 'Power off 2 instances: web1, web2?');
    await dialog.getByRole('button', { name: 'Power off 2' }).click();
    const summary = page.getByTestId('bulk-summary');
    await summary.waitFor();
    assert.match((await summary.textContent())!, /Powered off 0 of 2; 2 instances failed/);
    assert.match((await summary.locator('li', { hasText: 'web1' }).textContent())!, /^web1: 403 /);
    assert.ok((await instances()).every((i) => i.power === 'on'));
    await page.context().close();
  });

  test('an admin powers off, then deletes, instances together; a write-protected one fails with 409 and stays (phone)', async () => {
    await inSync(4);
    const db1 = (await instances()).find((i) => i.name === 'db1')!;
    await api('PATCH', `/api/core/instances/${db1.id}`, { write_protect: true });
    const page = await open(PHONE, '/instances');
    await page.getByRole('checkbox', { name: 'Select web1' }).check();
    await page.getByRole('button', { name: 'Power off selected' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Power off 1' }).click();
    await page.getByTestId('bulk-summary').getByText('Powered off 1 instance').waitFor();
    assert.equal((await instances()).find((i) => i.name === 'web1')!.power, 'off');
    await until('web1 shut down on the cluster', async () => (await api('GET', `/api/core/instances?slice=${ids.slice}&name=web1`)).items[0].power_state === 'shutdown', { ms: 30_000 });
    assert.equal([...cloud.nova.servers.values()].filter((v) => v.status === 'SHUTOFF').length, 1);

    await page.getByRole('checkbox', { name: 'Select every row on this page' }).check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByRole('heading').textContent(), 'Delete 4 instances: db1, web1, web2, web3?');
    await noSideScroll(page);
    await dialog.getByRole('button', { name: 'Delete 4' }).click();
    const summary = page.getByTestId('bulk-summary');
    await summary.getByText('Deleted 3 of 4; 1 instance failed').waitFor();
    assert.match((await summary.locator('li').textContent())!, /^db1: 409 Instance db1 is write-protected/);
    await until('only db1 left', async () => (await instances()).map((i) => i.name).join() === 'db1', { ms: 20_000 });
    // the list follows the purge live: rows go once the synchronizer has deleted their servers
    const picked = () => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-selected')));
    await until('the list shows db1 only', async () => (await picked()).length === 1, { ms: 20_000 });
    assert.deepEqual(await picked(), ['true'], 'the list shows db1 only, still picked');
    await noSideScroll(page);
    assert.deepEqual(await unlabelledControls(page), []);
    assert.deepEqual(watch.unexpected([/status of 403/, /status of 409/]), []);
    await page.context().close();
  });
});
