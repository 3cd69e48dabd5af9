// An instance's page in Chromium, with the synchronizer working on the fake cloud: the power badge
// beside the sync status, Power off and Power on (one confirmation) followed live, the Console
// button opening Nova's noVNC URL, and the Log tab showing the console output; at desktop size and
// on a phone (390×844) without horizontal scrolling.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { until } from '../helpers/wait.js';
import { buildServer } from '../../src/api/server.js';
import { Engine } from '../../src/sync/engine.js';
import { synchronizerFor } from '../../src/sync/backends.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { openstackConsoles } from '../../src/openstack/consoles.js';
import { FakeCloud } from '../fake-cloud/index.js';
import { connectFakeCloud } from '../helpers/fake-cluster.js';
import { ConsoleWatch, ensureUiBuilt, launch, login, skipBrowser } from './browser.js';
import type { FastifyInstance } from 'fastify';

describe('instance page: power, console and log', { skip: skipBrowser }, () => {
  let s: TestServer;
  let app: FastifyInstance;
  let base = '';
  let cloud: FakeCloud;
  let engine: Engine;
  let browser: Browser | undefined;
  const watch = new ConsoleWatch();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-ui-inst-'));
  let inst = 0;
  const api = async (method: string, url: string, body?: unknown) => {
    const r = await s.call(ADMIN, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const row = () => api('GET', `/api/core/instances/${inst}`);

  before(async () => {
    ensureUiBuilt();
    cloud = await FakeCloud.start();
    const nat = cloud.neutron.addNetwork({ name: 'nat-net', shared: true });
    cloud.neutron.addSubnet({ network_id: nat.id, cidr: '172.16.0.0/22', name: 'nat-subnet' });
    cloud.nova.consoleBase = `${cloud.url}/vnc_auto.html`;
    s = await startTestServer('pglite');
    app = await buildServer({ store: s.store, config: s.config, logger: false, consoles: openstackConsoles((x) => s.store.secret(x)) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    engine = new Engine(s.store, synchronizerFor(openstackBackend()), { tickMs: 100, backoff: { baseSeconds: 0.2, capSeconds: 1 } });
    await engine.start();
    const { image } = await connectFakeCloud(api, cloud, tmp);
    const slice = await api('POST', '/api/core/slices', { name: 'mysite_web', site: 1 });
    inst = (await api('POST', '/api/core/instances', { name: 'web1', slice: slice.id, deployment: 1, image, flavor: 1 })).id;
    await until(async () => `instance ${inst} running (${(await row()).backend_status})`, async () => {
      const r = await row();
      return r.backend_code === 1 && r.power_state === 'running' && r;
    }, { ms: 60_000 });
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

  const open = async (viewport: { width: number; height: number }): Promise<Page> => {
    const ctx = await browser!.newContext({ viewport });
    ctx.setDefaultTimeout(20_000);
    const page = watch.attach(await ctx.newPage());
    await login(page, base);
    await page.goto(`${base}/instances/${inst}`);
    await page.getByRole('heading', { name: 'web1', level: 1 }).waitFor();
    return page;
  };
  const noSideScroll = async (page: Page) => {
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `the page scrolls sideways: ${scroll} px wide in a ${width} px window`);
  };

  for (const [label, viewport] of [['desktop', { width: 1360, height: 900 }], ['phone', { width: 390, height: 844 }]] as const)
    test(`power off and on, with Nova's state beside the sync status (${label})`, async () => {
      const page = await open(viewport);
      const badge = page.locator('.subtitle [data-testid="power-state"]');
      assert.equal(await badge.textContent(), 'running');
      await noSideScroll(page);
      await page.getByRole('button', { name: 'Power off' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('The synchronizer stops its server').waitFor();
      await dialog.getByRole('button', { name: 'Power off' }).click();
      await page.locator('.subtitle [data-testid="power-state"]', { hasText: 'shut down' }).waitFor();
      assert.equal([...cloud.nova.servers.values()][0].status, 'SHUTOFF');
      assert.equal(await page.getByTestId('power-desired').textContent(), 'power off');
      await page.getByRole('button', { name: 'Power on' }).click();
      await page.locator('.subtitle [data-testid="power-state"]', { hasText: 'running' }).waitFor();
      assert.equal([...cloud.nova.servers.values()][0].status, 'ACTIVE');
      await page.context().close();
    });

  for (const [label, viewport] of [['desktop', { width: 1360, height: 900 }], ['phone', { width: 390, height: 844 }]] as const)
    test(`the Console button opens Nova's noVNC URL; the Log tab shows the console output (${label})`, async () => {
      const page = await open(viewport);
      const [popup] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('button', { name: 'Console' }).click()]);
      assert.ok(popup.url().startsWith(cloud.nova.consoleBase), popup.url());
      assert.ok((await page.getByTestId('console-url').getAttribute('href'))!.startsWith(cloud.nova.consoleBase));
      await page.getByRole('tab', { name: 'Log' }).click();
      const log = page.getByTestId('console-log');
      await log.waitFor();
      assert.equal(await log.textContent(), cloud.nova.consoleOutput);
      await noSideScroll(page);
      assert.deepEqual(watch.unexpected([]), []);
      await page.context().close();
    });
});
