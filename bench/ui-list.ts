// Time to a usable list of 10,000 instances (or a million: --instances 1000000) in the web UI, in Debian's chromium. "Usable" means
// the first page is on screen with every reference named (slice, deployment, image, flavor), the
// total is shown, and the page answers input. Measured in the page (performance.now() from the
// start of navigation) for a cold load (new browser context, empty cache), a reload, and the
// list's own interactions: next page, sort, search. The reference in the same run is the API
// work the page needs (the page of rows, then the names of its references) done from Node: the
// ratio is what the browser, the app and rendering add to it.
//
//   node --import tsx bench/ui-list.ts [--instances 10000] [--rounds 5] [--backend pglite|postgres]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import { ADMIN, startTestServer } from '../test/helpers/xos.js';
import { CHROMIUM, CHROMIUM_ARGS, ensureUiBuilt } from '../test/ui/browser.js';
import { dbOf } from '../src/store/inspect.js';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    backend: { type: 'string', default: 'pglite' },
    slices: { type: 'string', default: '20' },
  },
});
const N = Number(args.instances);
const ROUNDS = Number(args.rounds);
const SLICES = Number(args.slices);
const backend = args.backend === 'postgres' ? 'postgres' : 'pglite';
const fmt = new Intl.NumberFormat('en');
const EXACT_CAP = 10_000; // above it the API's total is an estimate, which the pager says
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(0)} ms`;

ensureUiBuilt();
const s = await startTestServer(backend);
await s.app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });

try {
  // Fixture through the API, instances straight into SQL (as bench/api-instances.ts does).
  const post = async (url: string, body: unknown) => {
    const r = await s.call(ADMIN, 'POST', url, body);
    if (r.status !== 201) throw new Error(`${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const images: number[] = [];
  for (const n of ['ubuntu-22.04', 'ubuntu-24.04', 'debian-12']) images.push((await post('/api/core/images', { name: n })).id);
  const slices: { id: number; name: string }[] = [];
  for (let i = 0; i < SLICES; i++) slices.push(await post('/api/core/slices', { name: `mysite_s${String(i).padStart(3, '0')}`, site: 1, max_instances: Math.min(N, 100_000) }));
  // One INSERT … SELECT over generate_series: a million rows load in seconds, where rows sent
  // from here would take minutes. Row i: slice i mod SLICES, name <slice>-vm<i, at least 5
  // digits>, every 100th failed, every 25th pending, the rest running with an address.
  const t0 = performance.now();
  await dbOf(s.store).query(
    `INSERT INTO instances (name, slice, deployment, image, flavor, backend_code, backend_status, ip)
     SELECT sl.name || '-vm' || CASE WHEN i < 100000 THEN lpad(i::text, 5, '0') ELSE i::text END,
            sl.id, 1, ($3::int[])[1 + i % cardinality($3::int[])], 1 + i % 3, st,
            CASE st WHEN 1 THEN '1 - OK' WHEN 2 THEN '2 - No valid host was found' ELSE '0 - Provisioning in progress' END,
            CASE WHEN st = 1 THEN ('10.' || ((i >> 16) & 255) || '.' || ((i >> 8) & 255) || '.' || CASE WHEN i & 255 = 0 THEN 1 ELSE i & 255 END)::inet END
       FROM generate_series(0, $4::int - 1) AS i,
            LATERAL (SELECT CASE WHEN i % 100 = 0 THEN 2 WHEN i % 25 = 0 THEN 0 ELSE 1 END AS st) s,
            LATERAL (SELECT ($1::int[])[1 + i % cardinality($1::int[])] AS id, ($2::text[])[1 + i % cardinality($2::text[])] AS name) sl`,
    [slices.map((x) => x.id), slices.map((x) => x.name), images, N],
  );
  await dbOf(s.store).query('VACUUM ANALYZE instances');
  console.log(`${fmt.format(N)} instances in ${SLICES} slices loaded by SQL in ${((performance.now() - t0) / 1000).toFixed(1)} s (${s.store.kind})`);

  // A logged-in browser state to start each cold context from.
  const setup = await browser.newContext();
  const p0 = await setup.newPage();
  await p0.goto(`${base}/`);
  await p0.getByLabel('Email').fill(ADMIN.email);
  await p0.getByLabel('Password').fill(ADMIN.password);
  await p0.getByRole('button', { name: 'Log in' }).click();
  await p0.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  const state = await setup.storageState();
  const cookie = state.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  await setup.close();

  // Usable: a full page of rows, every reference named, the total shown.
  const usable = (rows: number, extra = 'true', total = N) => `(() => {
    const trs = document.querySelectorAll('main table tbody tr');
    if (trs.length !== ${rows}) return false;
    if (!/${total > EXACT_CAP ? 'of about [0-9,]+' : `of ${fmt.format(total)}`}$/.test(document.querySelector('.pager-count')?.textContent ?? '')) return false;
    for (const a of document.querySelectorAll('main table tbody td a')) if (/ #\\d+$/.test(a.textContent)) return false;
    if (document.querySelector('.table-wrap[aria-busy="true"]')) return false;
    if (!(${extra})) return false;
    window.__usableAt = performance.now();
    return true;
  })()`;
  // The moment the page first was usable, by the page's clock (the check runs every frame), not
  // when the harness heard of it: a round trip to the browser is not the page's time.
  const waitUsable = async (page: Page, extra?: string, total = N) => {
    await page.waitForFunction(usable(50, extra, total), undefined, { polling: 'raf', timeout: 30_000 });
    return page.evaluate(() => (window as unknown as { __usableAt: number }).__usableAt);
  };
  const firstId = (page: Page) => page.locator('main table tbody tr').first().getAttribute('data-id');

  const cold: number[] = [];
  const coldWall: number[] = [];
  const coldJs: number[] = [];
  const coldListStart: number[] = [];
  const coldListEnd: number[] = [];
  const reload: number[] = [];
  const next: number[] = [];
  const sort: number[] = [];
  const search: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // bypassCSP: the wait predicates are strings evaluated in the page, which the UI's CSP forbids.
    const ctx = await browser.newContext({ storageState: state, viewport: { width: 1360, height: 900 }, bypassCSP: true });
    const page = await ctx.newPage();
    const w0 = performance.now();
    await page.goto(`${base}/instances`, { waitUntil: 'commit' });
    cold.push(await waitUsable(page));
    coldWall.push(performance.now() - w0);
    // Where a cold load's time goes: the app's script, then the list's request and its answer.
    const marks = await page.evaluate(() => {
      const rs = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const js = rs.find((e) => /\/assets\/.*\.js$/.test(e.name));
      const list = rs.find((e) => e.name.includes('/api/core/instances?'));
      return { js: js?.responseEnd ?? NaN, listStart: list?.startTime ?? NaN, listEnd: list?.responseEnd ?? NaN };
    });
    coldJs.push(marks.js);
    coldListStart.push(marks.listStart);
    coldListEnd.push(marks.listEnd);
    await page.reload({ waitUntil: 'commit' });
    reload.push(await waitUsable(page));
    // Interactions: measured in the page from the click (or the last keystroke) to the usable
    // new page; the harness's own steps before the click (Playwright's checks that the button is
    // visible and still) are not the page's time.
    const timed = async (act: () => Promise<void>, extra: string, total = N) => {
      const before = await firstId(page);
      await page.evaluate(() => {
        const w = window as unknown as { __actAt: number };
        w.__actAt = 0;
        for (const type of ['click', 'input']) addEventListener(type, (e) => (w.__actAt = e.timeStamp), { capture: true });
      });
      await act();
      const done = await waitUsable(page, `document.querySelector('main table tbody tr')?.getAttribute('data-id') !== ${JSON.stringify(before)} && ${extra}`, total);
      return done - (await page.evaluate(() => (window as unknown as { __actAt: number }).__actAt));
    };
    next.push(await timed(() => page.getByRole('button', { name: 'Next' }).click(), `/offset=50/.test(location.search)`));
    sort.push(await timed(() => page.getByRole('button', { name: /^Name: sort/ }).click(), `/sort=-name/.test(location.search)`));
    search.push(
      await timed(async () => {
        // Names ending in -vm00000 … -vm00999 of slice 7: 50 rows.
        await page.getByLabel('Search instances').fill('s007-vm00');
      }, `/search=s007/.test(location.search)`, Math.min(50, Math.ceil(Math.min(N, 1000) / SLICES))),
    );
    await ctx.close();
  }

  // The reference: the API requests behind one list page, from Node, with the same session.
  const api: number[] = [];
  const get = async (url: string) => {
    const res = await fetch(`${base}${url}`, { headers: { cookie, 'x-requested-with': 'xos-ui' } });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    return res.json() as Promise<{ items: Record<string, unknown>[] }>;
  };
  for (let r = 0; r < ROUNDS + 2; r++) {
    const t = performance.now();
    const page = await get('/api/core/instances?limit=50&offset=0&sort=name');
    const ids = (f: string) => [...new Set(page.items.map((i) => i[f]).filter((v) => v != null))].join(',');
    await Promise.all(['slices:slice', 'deployments:deployment', 'images:image', 'flavors:flavor'].map((x) => {
      const [plural, f] = x.split(':');
      return get(`/api/core/${plural}?id__in=${ids(f)}&limit=1000`);
    }));
    if (r >= 2) api.push(performance.now() - t); // two warm-up rounds
  }

  const line = (what: string, xs: number[]) => console.log(`${what.padEnd(44)} median ${ms(median(xs)).padStart(8)}   (min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))})`);
  console.log(`\nTime to a usable list of ${fmt.format(N)} instances, ${ROUNDS} rounds, chromium ${browser.version()}:`);
  line('cold load (new context, empty cache)', cold);
  line('  same, wall clock from page.goto()', coldWall);
  line('  of which: the app script loaded', coldJs);
  line('  the list requested', coldListStart);
  line('  the list answered', coldListEnd);
  line('reload (warm cache)', reload);
  line('next page', next);
  line('sort by name, descending', sort);
  line('search (includes the 250 ms typing pause)', search);
  line('reference: the same API requests from Node', api);
  console.log(`\nratio cold load / API requests: ${(median(cold) / median(api)).toFixed(1)}×; reload / API: ${(median(reload) / median(api)).toFixed(1)}×; next page / API: ${(median(next) / median(api)).toFixed(1)}×`);
} finally {
  await browser.close();
  await s.close();
}
