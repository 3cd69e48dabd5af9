// The operator view in Chromium with the collectors reading both real test clusters and a third
// controller whose Keystone is a closed port: every compute service, agent and hypervisor of the
// two clusters is shown with its cluster and heartbeat age, as the API read it; the unreachable one
// is shown failing among the problems first; the dashboard's capacity panel carries the clusters'
// figures; no Nagios link without [nagios] url; a phone (390×844) never scrolls sideways.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ADMIN } from '../helpers/xos.js';
import { freePort } from '../helpers/xos-process.js';
import { controllerBody, lab, labSkip } from '../helpers/lab.js';
import { pollClusters } from '../../src/ops/collectors.js';
import type { ClusterProbe } from '../../src/ops/cluster-probe.js';
import { ConsoleWatch, ensureUiBuilt, launch, login, newPage, serveOps, skipBrowser, type Served } from '../ui/browser.js';

const LAB2 = process.env.OSLAB2_DIR ?? '/tmp/xos-oslab2';
type Cluster = { name: string; health: string; services: { binary: string; host: string; state: string }[]; agents: { host: string }[]; hypervisors: { name: string }[] };

describe('operator view on the real clusters', { skip: labSkip || skipBrowser }, () => {
  let s: Served & { probe: ClusterProbe };
  let base = '';
  let browser: Browser | undefined;
  let page: Page;
  const watch = new ConsoleWatch();
  const api = async (method: string, url: string, body?: unknown) => {
    const r = await s.call(ADMIN, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    ensureUiBuilt();
    s = await serveOps();
    base = s.base;
    for (const [name, l] of [['lab1', lab()], ['lab2', lab(LAB2)]] as const) {
      const dep = await api('POST', '/api/core/deployments', { name: `ops-${name}` });
      await api('POST', '/api/core/controllers', { ...controllerBody(l, name, dep.id), no_sync: true });
    }
    const port = await freePort(); // nothing listens there
    await api('POST', '/api/core/controllers', { name: 'unreachable', deployment: 1, auth_url: `http://127.0.0.1:${port}/v3`, admin_user: 'admin', admin_password: 'pw', admin_tenant: 'admin', no_sync: true });
    const runs = await pollClusters(s.store, s.probe, { timeoutMs: 20_000 });
    assert.ok(runs.some((r) => r.ok), JSON.stringify(runs.filter((r) => !r.ok)));
    browser = await launch();
    ({ page } = await newPage(browser, watch));
    await login(page, base);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('every service, agent and hypervisor of both clusters, with heartbeat ages; the unreachable one failing, problems first', async () => {
    const read = (await api('GET', '/api/ops/clusters')) as { items: Cluster[]; nagios_url: string | null };
    await page.goto(`${base}/ops`);
    await page.locator('.ops-card').first().waitFor();
    const cards = await page.locator('.ops-card').evaluateAll((els) => els.map((e) => [e.getAttribute('data-cluster'), e.getAttribute('data-health')]));
    assert.deepEqual(cards.map(([n]) => n), read.items.map((c) => c.name));
    const rank = (h: string | null) => ['critical', 'warning', 'unknown', 'ok'].indexOf(h!);
    assert.deepEqual(cards.map(([, h]) => rank(h)), cards.map(([, h]) => rank(h)).sort(), 'problems first');
    assert.ok(cards.some(([n, h]) => n === 'unreachable' && h === 'critical'), JSON.stringify(cards));
    assert.match(await page.locator('.ops-card[data-cluster="unreachable"]').innerText(), /cluster unreachable[\s\S]*ECONNREFUSED[\s\S]*Last successful reading: never/);
    const failingRow = page.getByTestId('ops-services').locator('tr[data-failing="unreachable"]');
    assert.match(await failingRow.innerText(), /Collector failing/);

    for (const name of ['lab1', 'lab2']) {
      const c = read.items.find((x) => x.name === name)!;
      const computes = c.services.filter((s) => s.binary === 'nova-compute');
      assert.deepEqual(computes.map((s) => s.host).sort(), [...lab(name === 'lab1' ? undefined : LAB2).compute_hosts].sort());
      for (const svc of computes) {
        const row = page.getByTestId('ops-services').locator(`tr[data-cluster="${name}"][data-binary="nova-compute"][data-host="${svc.host}"]`);
        const text = await row.innerText();
        assert.match(text, svc.state === 'up' ? /\bUp\b/ : /\bDown\b/);
        assert.match(text, /\d+ (s|min|h) ago/, 'the heartbeat age');
      }
      assert.ok(c.agents.length > 0);
      assert.equal(await page.getByTestId('ops-agents').locator(`tr[data-cluster="${name}"]`).count(), c.agents.length);
      assert.equal(await page.getByTestId('ops-hypervisors').locator(`tr[data-cluster="${name}"]`).count(), c.hypervisors.length);
      assert.match(await page.getByTestId('ops-hypervisors').locator(`tr[data-cluster="${name}"]`).first().innerText(), /\d+ of \d+/);
    }
    assert.equal(read.nagios_url, null);
    assert.equal(await page.getByTestId('nagios-link').count(), 0, 'no Nagios link without [nagios] url');
  });

  test("the dashboard's capacity panel shows the clusters' figures", async () => {
    const cap = (await api('GET', '/api/stats')).minidashboard.capacity as { name: string; vcpus: number; vcpus_used: number }[];
    await page.goto(`${base}/`);
    for (const name of ['lab1', 'lab2']) {
      const c = cap.find((x) => x.name === name)!;
      assert.ok(c.vcpus > 0);
      const row = page.getByTestId('capacity').locator(`tr[data-cluster="${name}"]`);
      const n = new Intl.NumberFormat('en').format; // as the page writes numbers
      assert.ok((await row.innerText()).includes(`${n(c.vcpus_used)} / ${n(c.vcpus)}`), await row.innerText());
    }
    assert.match(await page.getByTestId('capacity').locator('tr[data-cluster="unreachable"]').innerText(), /no reading/);
  });

  test('on a phone the page never scrolls sideways; the tables scroll in their cards', async () => {
    const phone = await browser!.newContext({ viewport: { width: 390, height: 844 } });
    phone.setDefaultTimeout(20_000);
    try {
      const p = watch.attach(await phone.newPage());
      await login(p, base);
      await p.goto(`${base}/ops`);
      await p.locator('.ops-card').first().waitFor();
      assert.ok((await p.evaluate(() => document.documentElement.scrollWidth)) <= 390);
      const [sw, cw] = await p.getByTestId('ops-services').evaluate((e) => [e.scrollWidth, e.clientWidth]);
      assert.ok(sw > cw, `the services table scrolls in its card (${sw} in ${cw})`);
    } finally {
      await phone.close();
    }
  });

  test('no page logged an error', () => {
    assert.deepEqual(watch.unexpected([]), []);
  });
});
