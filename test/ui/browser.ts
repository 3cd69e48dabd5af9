// Browser tests drive Debian's chromium through playwright-core (never a downloaded browser)
// against a real XOS on a free port: the harness's store and server, listening on loopback.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ADMIN, buildTestServer, callerOf, openTestStore, startTestServer, type TestServer } from '../helpers/xos.js';
import { ensureFirstAdmin } from '../../src/api/runtime.js';
import { openstackProbe } from '../../src/openstack/probe.js';
import type { ClusterProbe } from '../../src/ops/cluster-probe.js';

export const CHROMIUM = process.env.XOS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

// Why the browser tests cannot run here, or false.
export const skipBrowser: string | false = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;

const root = fileURLToPath(new URL('../..', import.meta.url));

// The tests use the built UI; build it if `npm test` did not (a single test file run by hand).
export function ensureUiBuilt() {
  execFileSync('bash', [path.join(root, 'ui/build.sh')], { stdio: 'inherit' });
}

// Playwright gives every launch a fresh, empty profile directory of its own.
export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

export interface Served extends TestServer {
  base: string;
}

export async function serve(env: Record<string, string> = {}): Promise<Served> {
  const s = await startTestServer('pglite', env);
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...s, base: `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}` };
}

// A served XOS whose operator tools read the clusters through the OpenStack probe (the doctor reads
// afresh with it); `probe` is the same kind, for the tests' own collector runs.
export async function serveOps(env: Record<string, string> = {}): Promise<Served & { probe: ClusterProbe }> {
  const ts = await openTestStore('pglite', env);
  await ensureFirstAdmin(ts.store, { XOS_ADMIN_EMAIL: ADMIN.email, XOS_ADMIN_PASSWORD: ADMIN.password });
  const probe = openstackProbe((x) => ts.store.secret(x), { timeoutMs: 20_000 });
  const app = await buildTestServer({ store: ts.store, config: ts.config, logger: false, probe });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...ts,
    app,
    contract: app.contract,
    call: callerOf(app),
    probe,
    base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    close: async () => {
      await app.close();
      await ts.close();
    },
  };
}

// Everything a page writes to the console at error level, and uncaught exceptions. Resource loads
// that a test provokes on purpose (a wrong password, a rejected form) are listed by the test.
export class ConsoleWatch {
  readonly problems: string[] = [];
  attach(page: Page) {
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || m.type() === 'warning') this.problems.push(`${m.type()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => this.problems.push(`uncaught: ${e.message}`));
    return page;
  }
  unexpected(expected: RegExp[]) {
    return this.problems.filter((p) => !expected.some((r) => r.test(p)));
  }
}

export async function newPage(browser: Browser, watch: ConsoleWatch): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  ctx.setDefaultTimeout(15_000); // a first page load on a busy 2-core machine can take several seconds
  const page = watch.attach(await ctx.newPage());
  return { ctx, page };
}

export async function login(page: Page, base: string, who: { email: string; password: string } = ADMIN) {
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}

// Form controls and buttons on the page that have no accessible name: every one must have one.
// (A string, so that the test compiler's helpers do not leak into the page.)
const UNLABELLED = `(() => {
  const out = [];
  const named = (el) => {
    if (el.getAttribute('aria-label')?.trim()) return true;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(/\\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
    if (el.labels && [...el.labels].some((l) => l.textContent?.trim())) return true;
    if ((el.tagName === 'BUTTON' || el.tagName === 'A' || el.getAttribute('role') === 'tab') && el.textContent?.trim()) return true;
    return Boolean(el.title?.trim());
  };
  for (const el of document.querySelectorAll('input, select, textarea, button, a[href], [role="combobox"], [role="tab"]')) {
    if (el.closest('[hidden], [aria-hidden="true"]') || el.type === 'hidden') continue;
    if (!named(el)) out.push(el.outerHTML.slice(0, 160));
  }
  return out;
})()`;

export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(UNLABELLED);
}
