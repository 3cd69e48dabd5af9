// The web UI on a phone (390×844) in Chromium: a menu button opens the navigation and a choice
// closes it, the header keeps "Log out" on screen, the dashboard's error list does not wrap letter
// by letter, tables scroll inside their card with the status column kept next to the name, no
// main page scrolls sideways, and a long tab row scrolls with a fading edge. Also the small things
// that read wrong on any screen: an empty required reference, an empty list, the API browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN } from '../helpers/xos.js';
import { ConsoleWatch, ensureUiBuilt, launch, login, serve, skipBrowser, type Served } from './browser.js';
import { dbOf } from '../../src/store/inspect.js';

const PHONE = { width: 390, height: 844 };

describe('web UI on a phone', { skip: skipBrowser }, () => {
  let s: Served;
  let browser: Browser | undefined;
  let ctx: BrowserContext;
  let page: Page;
  const watch = new ConsoleWatch();
  const ids: Record<string, number> = {};
  const api = async (method: string, url: string, body?: unknown) => {
    const r = await s.call(ADMIN, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const width = () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, inner: window.innerWidth }));

  before(async () => {
    ensureUiBuilt();
    s = await serve();
    ids.image = (await api('POST', '/api/core/images', { name: 'ubuntu-22.04-server-cloudimg-amd64' })).id;
    ids.slice = (await api('POST', '/api/core/slices', { name: 'mysite_web_frontend_servers', site: 1, description: 'the web front ends of the site' })).id;
    const template = (await api('GET', '/api/core/networktemplates?name=Private')).items[0].id;
    ids.network = (await api('POST', '/api/core/networks', { name: 'web-net', template, owner: ids.slice })).id;
    for (let i = 0; i < 3; i++)
      ids[`i${i}`] = (await api('POST', '/api/core/instances', { name: `mysite_web_frontend_servers-${i}`, slice: ids.slice, deployment: 1, image: ids.image, flavor: 1 })).id;
    // One instance in error with a long message, as the synchronizer leaves it.
    await dbOf(s.store).query(
      `UPDATE instances SET backend_code = 2, backend_reason = 'transient', backend_status = $2 WHERE id = $1`,
      [ids.i0, '2 - server mysite_web_frontend_servers-1: No valid host was found. There are not enough hosts available. (nova-compute on compute1 is down, nova-compute on compute2 is down)'],
    );
    browser = await launch();
    ctx = await browser.newContext({ viewport: PHONE });
    ctx.setDefaultTimeout(20_000);
    page = watch.attach(await ctx.newPage());
    await login(page, s.base);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('the header fits: Log out stays on screen', async () => {
    const box = await page.getByRole('button', { name: 'Log out' }).boundingBox();
    assert.ok(box, 'Log out is shown');
    assert.ok(box.x + box.width <= PHONE.width, `Log out ends at ${box.x + box.width} px`);
  });

  test('a menu button opens the navigation; choosing a page closes it', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.isVisible(), false, 'folded away at first');
    const menu = page.getByRole('button', { name: 'Menu' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await nav.getByRole('link', { name: 'Slices', exact: true }).click();
    await page.getByRole('heading', { name: 'Slices', level: 1 }).waitFor();
    assert.equal(await nav.isVisible(), false, 'closed after the choice');
  });

  test("the dashboard's error column does not wrap letter by letter", async () => {
    await page.goto(`${s.base}/`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    const msg = page.getByText('No valid host was found', { exact: false }).first();
    await msg.waitFor();
    const box = (await msg.boundingBox())!;
    assert.ok(box.width >= 150, `the message is ${box.width} px wide`);
    const w = await width();
    assert.ok(w.scroll <= PHONE.width, `the page is ${w.scroll} px wide`);
    assert.ok(w.height < 4000, `the page is ${w.height} px tall`);
  });

  test('lists keep the status column next to the name and scroll inside their card', async () => {
    await page.goto(`${s.base}/instances`);
    await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor();
    // The heading comes before the rows: wait for the table itself.
    await page.locator('table thead th').first().waitFor();
    const headers = (await page.locator('table thead th').allTextContents()).map((t) => t.replace(/[^\w ]/g, '').trim());
    assert.equal(headers[headers.indexOf('Name') + 1], 'Status', headers.join(' | '));
    const status = await page.locator('table thead th', { hasText: 'Status' }).boundingBox();
    assert.ok(status && status.x < PHONE.width, 'the status column is on screen');
    assert.ok((await width()).scroll <= PHONE.width);
  });

  for (const path of ['/', '/slices', '/instances', '/sites/1', '/slices/SLICE', '/slices/SLICE?tab=instances', '/instances/INST', '/users/1'])
    test(`no sideways scrolling of the page: ${path}`, async () => {
      await page.goto(`${s.base}${path.replace('SLICE', String(ids.slice)).replace('INST', String(ids.i1))}`);
      await page.locator('h1').first().waitFor();
      await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .loading'));
      const w = await width();
      assert.ok(w.scroll <= PHONE.width, `${path}: the page is ${w.scroll} px wide in a ${PHONE.width} px window`);
    });

  test('a tab row too long for the screen scrolls on one line, and its faded edge follows the scrolling', async () => {
    for (const viewport of [PHONE, { width: 1360, height: 900 }]) {
      await page.setViewportSize(viewport);
      await page.goto(`${s.base}/slices/${ids.slice}`);
      const tabs = page.getByRole('tablist').first();
      await tabs.getByRole('tab').first().waitFor();
      const row = await tabs.evaluate((el) => ({
        scroll: el.scrollWidth,
        client: el.clientWidth,
        tops: [...new Set(Array.from(el.children).map((c) => Math.round(c.getBoundingClientRect().top)))].length,
      }));
      assert.equal(row.tops, 1, `${viewport.width} px: the tabs stay on one line`);
      if (viewport === PHONE) {
        assert.ok(row.scroll > row.client, `the tab row (${row.scroll} px) is wider than its ${row.client} px`);
        await page.waitForFunction(() => document.querySelector('[role=tablist]')?.getAttribute('data-more') === 'right');
        const mask = await tabs.evaluate((el) => getComputedStyle(el).maskImage || getComputedStyle(el).webkitMaskImage);
        assert.match(mask, /linear-gradient/, 'the right edge fades');
        await tabs.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
        await page.waitForFunction(() => document.querySelector('[role=tablist]')?.getAttribute('data-more') === 'left');
        assert.ok((await width()).scroll <= PHONE.width, 'the page itself does not scroll sideways');
      } else assert.equal(await tabs.getAttribute('data-more'), null, 'no fade where everything fits');
    }
    await page.setViewportSize(PHONE);
  });

  test('an empty slice form says which fields are required; an empty list reads "none"', async () => {
    await page.goto(`${s.base}/slices/new`);
    await page.getByRole('button', { name: 'Create slice' }).click();
    const summary = page.locator('.form-summary');
    await summary.getByText('Site: is required').waitFor();
    assert.doesNotMatch(await summary.innerText(), /at least/);
    await page.goto(`${s.base}/networks/${ids.network}`);
    await page.getByRole('heading', { name: 'web-net', level: 1 }).waitFor();
    const permitted = page.locator('dd[data-field="permitted_slices"]');
    assert.equal((await permitted.innerText()).trim(), 'none');
  });

  test('the API browser carries the XOS name and reads /api/openapi.json', async () => {
    const docs = await ctx.newPage();
    const loaded = docs.waitForResponse((r) => new URL(r.url()).pathname === '/api/openapi.json');
    await docs.goto(`${s.base}/api/docs/`);
    assert.equal((await loaded).status(), 200);
    assert.equal(await docs.title(), 'XOS API documentation');
    const logo = docs.locator('.topbar img').first();
    await logo.waitFor();
    const src = (await logo.getAttribute('src')) ?? '';
    assert.match(Buffer.from(src.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString(), />XOS API</);
    await docs.locator('.info .title', { hasText: 'XOS' }).waitFor();
    await docs.close();
  });

  test('the pages logged no errors', () => {
    assert.deepEqual(watch.unexpected([]), []);
  });
});
