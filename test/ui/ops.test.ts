// The operator pages in Chromium, with a real collector run against a controller whose Keystone is
// a closed port on this host: the operator view shows that cluster failing (error, last success)
// ahead of one not read yet, and picks the reading up by itself on its [ops] interval; the Nagios
// view is linked when [nagios] url is set; the doctor lists its findings critical first and links
// the instance it concerns; the dashboard groups the objects in error under the dead controller
// and keeps the failing cluster in its capacity panel. At desktop size and on a phone (390×844).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ADMIN } from '../helpers/xos.js';
import { freePort } from '../helpers/xos-process.js';
import { pollClusters } from '../../src/ops/collectors.js';
import { dbOf } from '../../src/store/inspect.js';
import { ConsoleWatch, ensureUiBuilt, launch, login, newPage, serveOps, skipBrowser, unlabelledControls, type Served } from './browser.js';
import type { ClusterProbe } from '../../src/ops/cluster-probe.js';

const NAGIOS = 'http://127.0.0.1:9/nagios4/';
const PHONE = { width: 390, height: 844 };
const USER = { email: 'user@example.com', password: 'user-password-1' };

describe('operator pages', { skip: skipBrowser }, () => {
  let s: Served & { probe: ClusterProbe };
  let base = '';
  let browser: Browser | undefined;
  let page: Page;
  const watch = new ConsoleWatch();
  const ids: Record<string, number> = {};
  const api = async (method: string, url: string, body?: unknown) => {
    const r = await s.call(ADMIN, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    ensureUiBuilt();
    // The collectors' interval is the page's refresh interval: 5 s (the least allowed) here.
    s = await serveOps({ XOS_OPS_INTERVAL: '5', XOS_NAGIOS_URL: NAGIOS });
    base = s.base;
    const port = await freePort(); // nothing listens there
    ids.dead = (await api('POST', '/api/core/controllers', { name: 'west', deployment: 1, auth_url: `http://127.0.0.1:${port}/v3`, admin_user: 'admin', admin_password: 'pw', admin_tenant: 'admin', no_sync: true })).id;
    const sd = (await api('GET', '/api/core/sitedeployments?site=1&deployment=1')).items[0];
    await api('PATCH', `/api/core/sitedeployments/${sd.id}`, { controller: ids.dead });
    const image = await api('POST', '/api/core/images', { name: 'tiny' });
    const slice = await api('POST', '/api/core/slices', { name: 'mysite_ops', site: 1 });
    ids.instance = (await api('POST', '/api/core/instances', { name: 'mysite_ops-1', slice: slice.id, deployment: 1, image: image.id, flavor: 1 })).id;
    await api('POST', '/api/core/users', { ...USER, firstname: 'U', lastname: 'U', site: 1 });
    // What the synchronizer leaves when the cluster's Keystone refuses connections.
    const db = dbOf(s.store);
    await db.query(`UPDATE controllers SET backend_code = 2, backend_status = $2 WHERE id = $1`, [ids.dead, `2 - cannot reach identity at 127.0.0.1:${port} (ECONNREFUSED)`]);
    await db.query(`UPDATE instances SET backend_code = 2, backend_status = $2 WHERE id = $1`, [ids.instance, `2 - on west: cannot reach identity (ECONNREFUSED 127.0.0.1:${port})`]);
    browser = await launch();
    ({ page } = await newPage(browser, watch));
    await login(page, base);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('the operator view shows the unreachable cluster failing, first, and refreshes on the collectors\' interval', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operator view' }).click();
    await page.getByRole('heading', { name: 'Operator view', level: 1 }).waitFor();
    const west = page.locator('.ops-card[data-cluster="west"]');
    assert.equal(await west.getAttribute('data-health'), 'unknown', 'not read yet');
    assert.match(await page.getByTestId('ops-refresh').innerText(), /every 5 s/);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    // A real collector run; a cluster registered after it is not read yet.
    const runs = await pollClusters(s.store, s.probe, { timeoutMs: 5_000 });
    assert.ok(runs.length > 0 && runs.every((r) => !r.ok), JSON.stringify(runs));
    await api('POST', '/api/core/controllers', { name: 'aaa-new', deployment: 1, auth_url: 'http://127.0.0.1:1/v3', admin_user: 'a', admin_password: 'p', no_sync: true });
    await page.locator('.ops-card[data-cluster="west"][data-health="critical"]').waitFor({ timeout: 12_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 7, 'updated in place, not reloaded');
    assert.deepEqual(await page.locator('.ops-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-cluster'))), ['west', 'aaa-new'], 'problems first, then by name');
    assert.match(await west.innerText(), /Critical[\s\S]*cluster unreachable/);
    assert.match(await west.getByTestId('last-success').innerText(), /never/);
    // Each table starts with the failing collector's row: its error and its last success.
    for (const t of ['ops-services', 'ops-agents', 'ops-hypervisors']) {
      const first = page.getByTestId(t).locator('tbody tr').first();
      assert.equal(await first.getAttribute('data-failing'), 'west', t);
      assert.match(await first.innerText(), /Collector failing[\s\S]*Last success: never/);
    }
    const collectors = page.getByTestId('ops-collectors').locator('tbody tr[data-cluster="west"]');
    assert.equal(await collectors.count(), 6);
    assert.match(await collectors.first().innerText(), /Failing/);
    assert.equal(await page.getByTestId('nagios-link').getAttribute('href'), NAGIOS);
    assert.deepEqual(await unlabelledControls(page), []);
  });

  test('the doctor lists every finding critical first, with cause and remedy, and links the instance', async () => {
    await page.getByRole('link', { name: 'Run the doctor' }).click();
    await page.getByRole('heading', { name: 'Doctor', level: 1 }).waitFor();
    await page.getByTestId('doctor-summary').waitFor();
    const sev = await page.locator('.finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')));
    assert.ok(sev.length >= 2 && sev[0] === 'critical', sev.join(','));
    assert.deepEqual(sev, [...sev].sort((a, b) => ['critical', 'warning', 'ok'].indexOf(a!) - ['critical', 'warning', 'ok'].indexOf(b!)));
    const ks = page.locator('.finding[data-code="KEYSTONE_UNREACHABLE"]', { hasText: 'controller west' });
    assert.match(await ks.innerText(), /west[\s\S]*Symptom[\s\S]*Cause[\s\S]*Remedy[\s\S]*Evidence/);
    const blocked = page.locator('.finding[data-code="OBJECTS_BLOCKED_BY_CONTROLLER"]');
    await blocked.getByRole('link', { name: `Instance ${ids.instance}` }).click();
    await page.getByRole('heading', { name: 'mysite_ops-1', level: 1 }).waitFor();
    await page.goBack();
    await page.getByRole('button', { name: 'Run again' }).click();
    await page.getByTestId('doctor-summary').waitFor();
  });

  test('the dashboard groups the errors under the dead controller and keeps it in the capacity panel', async () => {
    await page.goto(`${base}/`);
    const group = page.locator('[data-testid="error-group"]');
    await group.first().waitFor();
    assert.equal(await group.count(), 1, await page.locator('section[aria-labelledby="errors-title"]').innerText());
    assert.equal(await group.getAttribute('data-count'), '2');
    assert.match(await group.innerText(), /controller west[\s\S]*mysite_ops-1/);
    const cap = page.getByTestId('capacity').locator('tr[data-cluster="west"]');
    assert.match(await cap.innerText(), /no reading/);
  });

  test('on a phone: no sideways scrolling, tables scroll inside their cards', async () => {
    const phone = await browser!.newContext({ viewport: PHONE });
    phone.setDefaultTimeout(20_000);
    try {
      const p = watch.attach(await phone.newPage());
      await login(p, base);
      for (const path of ['/ops', '/ops/doctor']) {
        await p.goto(`${base}${path}`);
        await p.locator(path === '/ops' ? '.ops-card' : '.finding').first().waitFor();
        const w = await p.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(w <= PHONE.width, `${path}: the page is ${w} px wide`);
      }
      await p.goto(`${base}/ops`);
      const wrap = p.getByTestId('ops-collectors');
      await wrap.waitFor();
      const [sw, cw] = await wrap.evaluate((e) => [e.scrollWidth, e.clientWidth]);
      assert.ok(sw > cw && cw <= PHONE.width, `the table scrolls in its card (${sw} in ${cw})`);
    } finally {
      await phone.close();
    }
  });

  test('others see no operator pages in the navigation, and are refused them', async () => {
    const other = await browser!.newContext({ viewport: { width: 1360, height: 900 } });
    try {
      const p = watch.attach(await other.newPage());
      await login(p, base, USER);
      assert.equal(await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operator view' }).count(), 0);
      await p.goto(`${base}/ops`);
      await p.getByText('Not allowed').waitFor();
    } finally {
      await other.close();
    }
  });

  test('no page logged an error', () => {
    assert.deepEqual(watch.unexpected([/status of 403/]), []);
  });
});
