// The web UI in a real browser (Debian's chromium driven by playwright-core) against a real XOS:
// log in, create a site, a slice and instances through the pages, watch a status change arrive
// live, keep Admin-Only tabs from non-admins and edit controls from read-only users, switch the
// mini-dashboard off, and show the API's field errors at their fields. Keyboard use and labels
// are checked along the way; the pages must log no errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN } from '../helpers/xos.js';
import { ConsoleWatch, ensureUiBuilt, launch, login, newPage, serve, skipBrowser, unlabelledControls, type Served } from './browser.js';
import { dbOf } from '../../src/store/inspect.js';
import { CHANGES_CHANNEL } from '../../src/store/db.js';

const PI = { email: 'pi@example.com', password: 'pi-password-1' };
const RO = { email: 'readonly@example.com', password: 'readonly-password-1' };

// Resource errors a test provokes on purpose: the wrong password, the rejected slice name and pool ranges.
const EXPECTED = [
  /Failed to load resource: the server responded with a status of 401 .*\/api\/auth\/login/,
  /Failed to load resource: the server responded with a status of 403 .*\/api\/auth\/password/,
  /Failed to load resource: the server responded with a status of 400 .*\/api\/core\/(slices|addresspools)\b/,
  /Failed to load resource: the server responded with a status of 412 .*\/api\/core\/sites\/\d+/,
];

describe('web UI', { skip: skipBrowser }, () => {
  let s: Served;
  let browser: Browser | undefined;
  let ctx: BrowserContext;
  let page: Page;
  const watch = new ConsoleWatch();
  const ids: Record<string, number> = {};

  const sql = async (text: string, params: unknown[] = []) => dbOf(s.store).query<Record<string, unknown>>(text, params);
  const api = async (method: string, url: string, body?: unknown) => {
    const r = await s.call(ADMIN, method, url, body);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  // What the synchronizer does when it writes an outcome: the sync fields and a notice; the
  // version (the ETag) stays, as it covers what people change.
  const syncWrite = async (model: string, table: string, id: number, set: string, params: unknown[] = []) => {
    const [row] = await sql(`UPDATE ${table} SET ${set} WHERE id = $1 RETURNING version`, [id, ...params]);
    await sql('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify({ model, id, op: 'sync', version: Number(row.version) })]);
  };

  before(async () => {
    ensureUiBuilt();
    s = await serve({ XOS_GUI_BRANDING_NAME: 'TestCloud' });
    browser = await launch();
    ({ ctx, page } = await newPage(browser!, watch));
    ids.image = (await api('POST', '/api/core/images', { name: 'ubuntu-22.04' })).id;
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('login: the branding name, a refused password, then the dashboard and the navigation groups', async () => {
    await page.goto(`${s.base}/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.match(await page.locator('.login-brand').innerText(), /TestCloud/);
    // Keyboard only: the email field has the focus; Tab to the password; Enter submits.
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    assert.equal(await page.title(), 'Dashboard · TestCloud');
    assert.match(await page.locator('header .brand').innerText(), /TestCloud/);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const group of ['Infrastructure', 'Tenancy', 'Compute', 'Networking'])
      assert.ok(await nav.getByRole('heading', { name: group }).isVisible(), `nav group ${group}`);
    for (const link of ['Deployments', 'Controllers', 'Sites', 'Nodes', 'Users', 'Slices', 'Site privileges', 'Slice privileges', 'Instances', 'Images', 'Flavors', 'Networks', 'Network templates', 'Ports'])
      assert.ok(await nav.getByRole('link', { name: link, exact: true }).isVisible(), `nav link ${link}`);
    assert.equal(await page.locator('[data-count="sites"]').innerText(), '1');
    // The first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  });

  test('create a site through its form', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites', exact: true }).click();
    await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'New site' }).click();
    await page.getByRole('heading', { name: 'New site' }).waitFor();
    assert.deepEqual(await unlabelledControls(page), []);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Princeton');
    await page.getByLabel('Login base').fill('princeton');
    await page.getByLabel('Site URL').fill('https://www.princeton.edu/');
    await page.getByRole('button', { name: 'Create site' }).click();
    await page.getByRole('heading', { name: 'Princeton', level: 1 }).waitFor();
    const [row] = await sql(`SELECT id, login_base, site_url FROM sites WHERE name = 'Princeton' AND NOT deleted`);
    assert.equal(row.login_base, 'princeton');
    assert.equal(row.site_url, 'https://www.princeton.edu/');
    ids.site = Number(row.id);
    assert.match(page.url(), new RegExp(`/sites/${ids.site}$`));
    // The list finds it by search, server-side.
    await page.goto(`${s.base}/sites`);
    await page.getByLabel('Search sites').fill('princ');
    await page.waitForURL(/search=princ/);
    await page.locator('table tbody tr').first().waitFor();
    assert.deepEqual(await page.locator('table tbody tr .row-link').allInnerTexts(), ['Princeton']);
  });

  test("a field error from the API shows at its field; then a slice is created with the keyboard", async () => {
    await page.goto(`${s.base}/slices/new`);
    await page.getByRole('heading', { name: 'New slice' }).waitFor();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('web');
    // The site, chosen in the searchable select with the keyboard.
    const site = page.getByRole('combobox', { name: 'Site' });
    await site.focus();
    await site.pressSequentially('MySi');
    await page.getByRole('option', { name: /MySite/ }).waitFor();
    await page.getByRole('option', { name: /Princeton/ }).waitFor({ state: 'detached' }); // the search ran
    await site.press('ArrowDown');
    await site.press('Enter');
    assert.equal(await site.inputValue(), 'MySite');
    await page.getByRole('button', { name: 'Create slice' }).click();
    const error = page.locator('#field-name-error');
    await error.waitFor();
    assert.match(await error.innerText(), /must start with the site's login base "mysite_"/);
    const name = page.getByRole('textbox', { name: 'Name', exact: true });
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.match((await name.getAttribute('aria-describedby')) ?? '', /field-name-error/);
    // The summary at the top links to the field.
    await page.getByRole('alert').getByRole('link', { name: /Name: must start/ }).waitFor();
    await name.fill('mysite_web');
    assert.equal(await error.count(), 0, 'the error goes once the field changes');
    await name.press('Enter');
    await page.getByRole('heading', { name: 'mysite_web', level: 1 }).waitFor();
    const [row] = await sql(`SELECT id, site FROM slices WHERE name = 'mysite_web' AND NOT deleted`);
    assert.equal(Number(row.site), 1);
    ids.slice = Number(row.id);
  });

  test('the slice page creates instances per site and shows their addresses and SSH commands', async () => {
    await page.goto(`${s.base}/slices/${ids.slice}`);
    // Tabs work with the arrow keys.
    await page.getByRole('tab', { name: 'Details' }).focus();
    await page.keyboard.press('ArrowRight');
    const tab = page.getByRole('tab', { name: 'Instances' });
    assert.equal(await tab.getAttribute('aria-selected'), 'true');
    await page.getByRole('heading', { name: 'Instances per site' }).waitFor();
    const image = page.getByRole('combobox', { name: 'Image for new instances' });
    await image.click();
    await page.getByRole('option', { name: /ubuntu-22.04/ }).click();
    assert.equal(await page.getByRole('combobox', { name: 'Flavor for new instances' }).inputValue(), 'm1.small');
    await page.getByLabel('Instances at MySite in MyDeployment').fill('2');
    assert.deepEqual(await unlabelledControls(page), []);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('2 instances created').waitFor();
    const rows = page.locator('section[aria-labelledby="inst-title"] tbody tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    const inst = await sql(`SELECT id, name, image, flavor, deployment FROM instances WHERE slice = $1 AND NOT deleted ORDER BY id`, [ids.slice]);
    assert.deepEqual(inst.map((i) => i.name), ['mysite_web-1', 'mysite_web-2']);
    assert.ok(inst.every((i) => Number(i.image) === ids.image && Number(i.deployment) === 1));
    ids.instance = Number(inst[0].id);
    ids.instance2 = Number(inst[1].id);

    // The synchronizer gives the first one a public address: the page shows it and the SSH command.
    const tpl = (await api('GET', '/api/core/networktemplates?name=Public%20dedicated%20IPv4')).items[0];
    const net = await api('POST', '/api/core/networks', { name: 'public', template: tpl.id, owner: ids.slice });
    await api('POST', '/api/core/ports', { network: net.id, instance: ids.instance, ip: '198.51.100.7' });
    await syncWrite('Instance', 'instances', ids.instance, `backend_code = 1, backend_status = '1 - OK', last_sync = now(), instance_id = 'instance-0000002a'`);
    const first = rows.filter({ hasText: 'mysite_web-1' });
    await first.getByText('198.51.100.7', { exact: true }).waitFor();
    assert.match(await first.locator('code').innerText(), /^ssh ubuntu@198\.51\.100\.7$/);
    // The port's notice and the instance's come separately, each with its own refetch.
    await first.locator('[data-status="ok"]').waitFor();

    // Down to one: the newest goes.
    await page.getByLabel('Instances at MySite in MyDeployment').fill('1');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('1 deleted').waitFor();
    await rows.nth(1).waitFor({ state: 'detached' });
    const [gone] = await sql(`SELECT deleted FROM instances WHERE id = $1`, [ids.instance2]);
    assert.equal(gone.deleted, true);
  });

  test('a status change arrives live, without a reload, within a second; retry now clears the backoff', async () => {
    await page.goto(`${s.base}/instances/${ids.instance}`);
    await page.getByRole('heading', { name: 'mysite_web-1', level: 1 }).waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const status = page.getByTestId('sync-status');
    assert.match(await status.innerText(), /OK/);
    const t0 = Date.now();
    await syncWrite(
      'Instance',
      'instances',
      ids.instance,
      `backend_code = 2, backend_status = '2 - No valid host was found', backend_reason = 'transient', last_sync = now(), next_retry = now() + interval '5 minutes', retry_count = 3`,
    );
    await status.getByText('No valid host was found').waitFor({ timeout: 1000 });
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `arrived after ${ms} ms`);
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'the page was not reloaded');
    assert.match(await status.innerText(), /Error/);
    assert.match(await page.locator('.sync').innerText(), /Next retry\s+in 5 minutes/);

    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByText('Retry requested for instance mysite_web-1').waitFor();
    const [row] = await sql(`SELECT next_retry, retry_count, backend_code FROM instances WHERE id = $1`, [ids.instance]);
    assert.equal(row.next_retry, null);
    assert.equal(row.retry_count, 0);
    assert.equal(row.backend_code, 2, 'retry does not pretend the error is gone');

    // The list follows too, and the dashboard lists the object in error with a link.
    await page.goto(`${s.base}/instances`);
    const cell = page.locator(`tr[data-id="${ids.instance}"]`);
    await cell.getByText('No valid host was found').waitFor();
    await page.getByText('Filters').click();
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Error' });
    await page.waitForURL(/backend_code=2/);
    await page.locator('table tbody tr').first().waitFor();
    assert.deepEqual(await page.locator('table tbody tr .row-link').allInnerTexts(), ['mysite_web-1']);
    assert.deepEqual(await unlabelledControls(page), []);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((u) => !u.search.includes('backend_code'));
    const t1 = Date.now();
    await syncWrite('Instance', 'instances', ids.instance, `backend_code = 1, backend_status = '1 - OK', backend_reason = NULL, next_retry = NULL`);
    await cell.locator('[data-status="ok"]').waitFor({ timeout: 1000 });
    assert.ok(Date.now() - t1 < 1000);
    await syncWrite('Slice', 'slices', ids.slice, `backend_code = 2, backend_status = '2 - Keystone said: project quota exceeded'`);
    await page.goto(`${s.base}/`);
    const errors = page.locator('section[aria-labelledby="errors-title"]');
    await errors.getByRole('link', { name: 'mysite_web' }).click();
    await page.getByRole('heading', { name: 'mysite_web', level: 1 }).waitFor();
    assert.match(await page.getByTestId('sync-status').innerText(), /project quota exceeded/);
  });

  test('Admin-Only tabs show controller link rows to administrators and to nobody else', async () => {
    const ctl = await api('POST', '/api/core/controllers', {
      name: 'cluster-east',
      deployment: 1,
      auth_url: 'https://keystone.example.com:5000/v3',
      admin_user: 'admin',
      admin_password: 'secret',
    });
    const link = await api('POST', '/api/core/controllersites', { controller: ctl.id, site: 1 });
    await syncWrite('ControllerSite', 'controller_sites', link.id, `tenant_id = 'f3c1e2d4a5b6', backend_code = 1, backend_status = '1 - OK', last_sync = now()`);
    await page.goto(`${s.base}/sites/1`);
    await page.getByRole('tab', { name: /Admin-Only/ }).click();
    const panel = page.getByRole('tabpanel');
    await panel.getByText('f3c1e2d4a5b6').waitFor();
    // A name slower than the table's first render arrives in a second render.
    await panel.getByText('cluster-east').waitFor({ timeout: 5000 });
    assert.match(await panel.innerText(), /cluster-east/);
    for (const plural of ['slices', 'users', 'images']) {
      const id = plural === 'slices' ? ids.slice : plural === 'images' ? ids.image : 1;
      await page.goto(`${s.base}/${plural}/${id}`);
      await page.getByRole('tab', { name: /Admin-Only/ }).waitFor();
    }
    await page.goto(`${s.base}/networks`);
    await page.locator('table .row-link').first().click();
    await page.getByRole('tab', { name: /Admin-Only/ }).waitFor();

    // A site PI: sees the site, the slice and their tabs, but no Admin-Only tab and no link models.
    const roles = await api('GET', '/api/core/siteroles?role=pi');
    const user = await api('POST', '/api/core/users', { ...PI, firstname: 'Pat', lastname: 'Investigator', site: 1 });
    await api('POST', '/api/core/siteprivileges', { user: user.id, site: 1, role: roles.items[0].id });
    const other = await newPage(browser!, watch);
    try {
      await login(other.page, s.base, PI);
      for (const url of ['/sites/1', `/slices/${ids.slice}`, `/users/${user.id}`, `/images/${ids.image}`]) {
        await other.page.goto(`${s.base}${url}`);
        await other.page.getByRole('tab', { name: 'Details' }).waitFor();
        assert.equal(await other.page.getByRole('tab', { name: /Admin-Only/ }).count(), 0, `no Admin-Only tab on ${url}`);
      }
      assert.equal(await other.page.getByRole('navigation', { name: 'Main' }).getByText('Controller links').count(), 0);
      // Not even by its URL.
      await other.page.goto(`${s.base}/controllersites`);
      await other.page.getByRole('heading', { name: 'Page not found' }).waitFor();
    } finally {
      await other.ctx.close();
    }
  });

  test('read-only users see no edit controls', async () => {
    await api('POST', '/api/core/users', { ...RO, firstname: 'Rita', lastname: 'Reader', site: 1, is_readonly: true });
    const ro = await newPage(browser!, watch);
    try {
      await login(ro.page, s.base, RO);
      await ro.page.goto(`${s.base}/sites`);
      await ro.page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor();
      await ro.page.locator('table tbody tr').first().waitFor();
      assert.equal(await ro.page.getByRole('link', { name: 'New site' }).count(), 0);
      await ro.page.goto(`${s.base}/sites/1`);
      await ro.page.getByRole('heading', { name: 'MySite', level: 1 }).waitFor();
      for (const name of ['Edit', 'Delete', 'Retry now'])
        assert.equal(await ro.page.getByRole('button', { name }).or(ro.page.getByRole('link', { name, exact: true })).count(), 0, `no ${name}`);
      await ro.page.getByRole('tab', { name: 'Users' }).click();
      await ro.page.getByRole('tabpanel').getByText(ADMIN.email).waitFor();
      assert.equal(await ro.page.getByRole('link', { name: /^Add / }).count(), 0);
      await ro.page.goto(`${s.base}/sites/new`);
      await ro.page.getByText('You have read-only access').waitFor();
      assert.equal(await ro.page.getByRole('button', { name: 'Create site' }).count(), 0);
    } finally {
      await ro.ctx.close();
    }
  });

  test('the mini-dashboard shows instances per site and slice, and disappears with [gui] disable_minidashboard', async () => {
    await page.goto(`${s.base}/`);
    const mini = page.getByRole('region', { name: 'Statistics' });
    await mini.waitFor();
    assert.match(await mini.getByRole('list', { name: 'Instances per site' }).innerText(), /MySite\s+1/);
    assert.match(await mini.getByRole('list', { name: 'Instances per slice' }).innerText(), /mysite_web\s+1/);
    assert.deepEqual(await unlabelledControls(page), []);

    const off = await serve({ XOS_GUI_DISABLE_MINIDASHBOARD: 'True' });
    const p2 = await newPage(browser!, watch);
    try {
      await login(p2.page, off.base);
      await p2.page.getByRole('region', { name: 'Objects in error' }).waitFor();
      await p2.page.getByRole('region', { name: 'Controllers' }).waitFor();
      assert.equal(await p2.page.getByRole('region', { name: 'Statistics' }).count(), 0);
      assert.equal((await off.call(ADMIN, 'GET', '/api/stats')).body.minidashboard, null);
    } finally {
      await p2.ctx.close();
      await off.close();
    }
  });

  test('an address pool is made in its form; overlapping ranges are shown at the ranges field', async () => {
    await page.goto(`${s.base}/addresspools/new`);
    await page.getByRole('heading', { name: 'New address pool' }).waitFor();
    assert.deepEqual(await unlabelledControls(page), []);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('ui-pool');
    await page.getByLabel('CIDR').fill('10.0.9.0/24');
    await page.getByLabel('Gateway').fill('10.0.9.1');
    const deployment = page.getByRole('combobox', { name: 'Deployment' });
    await deployment.focus();
    await deployment.pressSequentially('MyDep');
    await page.getByRole('option', { name: /MyDeployment/ }).click();
    const ranges = page.getByLabel('Ranges');
    await ranges.fill('10.0.9.3-10.0.9.15, 10.0.9.9');
    await page.getByRole('button', { name: 'Create address pool' }).click();
    const error = page.locator('#field-ranges-error');
    await error.waitFor();
    assert.match(await error.innerText(), /10\.0\.9\.3-10\.0\.9\.15 and 10\.0\.9\.9 overlap/);
    assert.equal((await sql(`SELECT count(*)::int AS n FROM address_pools WHERE name = 'ui-pool'`))[0].n, 0);
    await ranges.fill('10.0.9.3-10.0.9.15, 10.0.9.17');
    await page.getByRole('button', { name: 'Create address pool' }).click();
    await page.getByRole('heading', { name: 'ui-pool', level: 1 }).waitFor();
    const [row] = await sql(`SELECT ranges, network_name, deployment FROM address_pools WHERE name = 'ui-pool' AND NOT deleted`);
    assert.equal(row.ranges, '10.0.9.3-10.0.9.15, 10.0.9.17');
    assert.ok(row.deployment != null, 'bound to the chosen deployment');
    assert.equal(row.network_name, 'ext-net', 'the default');
  });

  test("a status change while a form is open does not turn its save into a conflict", async () => {
    await page.goto(`${s.base}/sites/${ids.site}/edit`);
    await page.getByRole('heading', { name: 'Edit Princeton' }).waitFor();
    await page.getByLabel('Abbreviated name').fill('PU-1');
    await syncWrite('Site', 'sites', ids.site, `backend_code = 2, backend_status = '2 - on lab: cannot reach identity', last_sync = now()`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Princeton', level: 1 }).waitFor();
    await page.locator('[data-field="abbreviated_name"]').getByText('PU-1').waitFor();
  });

  test('one changes their own password by giving the current one; the edit form does not offer it', async () => {
    const who = { email: 'rotate@example.com', password: 'rotate-password-1' };
    const u = await api('POST', '/api/core/users', { ...who, firstname: 'Rosa', lastname: 'Tate', site: 1 });
    const other = await newPage(browser!, watch);
    try {
      await login(other.page, s.base, who);
      const p = other.page;
      await p.getByRole('banner').getByRole('link', { name: 'My account' }).click();
      await p.goto(`${s.base}/users/${u.id}/edit`);
      await p.getByRole('heading', { name: 'Edit rotate@example.com' }).waitFor();
      assert.equal(await p.locator('#field-password').count(), 0, 'no password field for one\'s own account');
      await p.getByRole('link', { name: 'change your password' }).click();
      await p.getByRole('heading', { name: 'Change your password', level: 1 }).waitFor();
      await p.getByLabel('Current password').fill('not-my-password');
      await p.getByLabel('New password', { exact: true }).fill('rotated-password-2');
      await p.getByLabel('New password again').fill('rotated-password-2');
      await p.getByRole('button', { name: 'Change password' }).click();
      await p.locator('#pw-current_password-error').getByText('is not your current password').waitFor();
      await p.getByLabel('Current password').fill(who.password);
      await p.getByRole('button', { name: 'Change password' }).click();
      await p.getByRole('heading', { name: 'rotate@example.com', level: 1 }).waitFor();
      assert.equal((await s.call({ email: who.email, password: 'rotated-password-2' }, 'GET', '/api/auth/me')).status, 200);
      assert.equal((await s.call(who, 'GET', '/api/auth/me')).status, 401);
      assert.deepEqual(await unlabelledControls(p), []);
    } finally {
      await other.ctx.close();
    }
  });

  test('a list longer than the exact count says its total is about so many, and offers no last page', async () => {
    const slice = (await api('POST', '/api/core/slices', { name: 'mysite_long', site: 1, max_instances: 20_000 })).id;
    await sql(
      `INSERT INTO instances (name, slice, deployment, image, flavor) SELECT 'long' || i, $1, 1, $2, 1 FROM generate_series(1, 10050) i`,
      [slice, ids.image],
    );
    try {
      await page.goto(`${s.base}/instances?slice=${slice}`);
      const count = page.locator('.pager-count');
      await count.getByText(/of about [\d,]+$/).waitFor();
      assert.match(await count.innerText(), /^1–50 of about [\d,]+$/);
      assert.equal(await page.getByRole('button', { name: 'Last page' }).isDisabled(), true, 'the end of an estimate is not offered');
      assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), false);
      // A short list keeps its exact total and its last page.
      await page.goto(`${s.base}/sites`);
      await page.locator('.pager-count').getByText(/^1–\d+ of \d+$/).waitFor();
    } finally {
      await sql('DELETE FROM instances WHERE slice = $1', [slice]);
    }
  });

  test('edit with If-Match; delete with a confirmation dialog; log out', async () => {
    await page.goto(`${s.base}/sites/${ids.site}/edit`);
    await page.getByRole('heading', { name: 'Edit Princeton' }).waitFor();
    assert.equal(await page.getByLabel('Login base').isDisabled(), true, 'createOnly fields cannot change');
    await page.getByLabel('Abbreviated name').fill('PU');
    // Someone else changes the site meanwhile: the save is refused, not merged blindly.
    await api('PATCH', `/api/core/sites/${ids.site}`, { abbreviated_name: 'Princeton U' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').getByText('Someone else changed this object').waitFor();
    await page.reload();
    assert.equal(await page.getByLabel('Abbreviated name').inputValue(), 'Princeton U');
    await page.getByLabel('Abbreviated name').fill('PU');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Princeton', level: 1 }).waitFor();
    await page.locator('[data-field="abbreviated_name"]').getByText('PU').waitFor();

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete site Princeton?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete site' }).click();
    await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor();
    const [row] = await sql(`SELECT deleted FROM sites WHERE id = $1`, [ids.site]);
    assert.equal(row.deleted, true);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await ctx.close();
  });

  test('no page logged an error', () => {
    assert.deepEqual(watch.unexpected(EXPECTED), []);
  });
});
