// Instance list and create through the XOS REST API, against the same work done as raw SQL
// through the same driver in the same process. See bench/README.md.
//
//   node --import tsx bench/api-instances.ts [--backend pglite|postgres|both] [--instances 100000]
//        [--duration 10] [--rounds 4] [--warmup 1] [--concurrency 8] [--slices 100] [--explain]
//        [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config/load.js';
import { ensureFirstAdmin, openStore } from '../src/api/runtime.js';
import { buildServer } from '../src/api/server.js';
import type { Store } from '../src/store/repository.js';
import type { Db } from '../src/store/db.js';
import { combine, runHttp, runRaw, type HttpRequests, type Sample, type Stats, type Window } from './lib/load.js';
import { dbOf } from '../src/store/inspect.js';
import { serve } from '../test/helpers/xos-process.js';
import { watchStatements } from '../test/helpers/statements.js';
import { models } from '../src/model/registry.js';

type Backend = 'pglite' | 'postgres';

const USAGE = `usage: node --import tsx bench/api-instances.ts [options]
  --backend pglite|postgres|both   which databases to measure (default both)
  --instances N                    instances bulk-loaded before measuring (default 1000000)
  --duration S                     measured seconds per run (default 10)
  --rounds N                       XOS and the reference alternate N times within the duration (default 4)
  --warmup S                       unrecorded seconds before the first round (default 1; a quarter
                                   of it before each later round)
  --concurrency N                  concurrent clients (default 8)
  --slices N                       slices the instances are spread over (default 100)
  --explain                        print EXPLAIN ANALYZE of the list queries
  --show-sql                       print the statements of one call of each scenario, XOS and raw
  --only NAMES                     measure only the scenarios whose names start with one of these
                                   (comma-separated: 'create', 'list slice'); default all
  --pg-url URL                     PostgreSQL server to make the throwaway database on
                                   (default $XOS_BENCH_PG_URL, $XOS_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/postgres)`;

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    instances: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '8' },
    slices: { type: 'string', default: '100' },
    explain: { type: 'boolean', default: false },
    only: { type: 'string' },
    'show-sql': { type: 'boolean', default: false },
    'pg-url': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (name: string, v: string, min = 1) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number ≥ ${min}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const INSTANCES = Math.floor(positive('instances', args.instances!, 2000));
const SLICES = Math.floor(positive('slices', args.slices!));
const WINDOW: Window = {
  concurrency: Math.floor(positive('concurrency', args.concurrency!)),
  durationMs: positive('duration', args.duration!, 0.5) * 1000,
  warmupMs: positive('warmup', args.warmup!, 0) * 1000,
};
const ROUNDS = Math.floor(positive('rounds', args.rounds!));
const BACKENDS: Backend[] =
  args.backend === 'both' ? ['pglite', 'postgres'] : args.backend === 'pglite' || args.backend === 'postgres' ? [args.backend] : [];
if (!BACKENDS.length) {
  console.error(`--backend must be pglite, postgres or both\n${USAGE}`);
  process.exit(2);
}
const PG_ADMIN_URL = args['pg-url'] ?? process.env.XOS_BENCH_PG_URL ?? process.env.XOS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const CALL_TIMEOUT_MS = 15_000; // one API call in the set-up or checks; longer means it hangs
const ADMIN = { email: 'bench-admin@example.com', password: crypto.randomBytes(12).toString('hex') };

// ---- cleanup: everything opened is closed again, also on Ctrl-C -------------------------------

const cleanups: { what: string; fn: () => Promise<void> | void }[] = [];
const onCleanup = (what: string, fn: () => Promise<void> | void) => cleanups.push({ what, fn });
// Each step gets a time limit: after a hang (see the deadlocks in README), closing the server or
// the pool waits for requests that never end; the database is dropped with FORCE regardless.
async function cleanUp() {
  while (cleanups.length) {
    const { what, fn } = cleanups.pop()!;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('gave up after 10 s')), 10_000))),
      ]);
    } catch (e) {
      console.error(`  cleanup: ${what}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });

// ---- small helpers ----------------------------------------------------------------------------

const log = (msg: string) => console.log(`  ${msg}`);
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtRps = (n: number) => (n >= 100 ? fmtInt(n) : n.toFixed(1));
const fmtMs = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const fmtX = (n: number) => `${n.toFixed(2)}×`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Counts the SQL statements sent through the store's database handle (a transaction counts BEGIN
// and COMMIT too), to show how much database work one API call does next to the reference; while
// `seen` is set, also keeps them.
function countStatements(db: Db) {
  const c: { statements: number; seen?: string[] } = { statements: 0 };
  watchStatements(db, (text) => {
    c.statements++;
    c.seen?.push(text.replace(/\s+/g, ' '));
  });
  return c;
}

class Api {
  constructor(
    readonly base: string,
    private auth: string,
  ) {}
  withToken(token: string) {
    return new Api(this.base, `Bearer ${token}`);
  }
  async call<T = any>(method: string, url: string, body?: unknown, expect = method === 'POST' ? 201 : 200): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(this.base + url, {
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      method,
      headers: { authorization: this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${url}: expected ${expect}, got ${res.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

// ---- the database -----------------------------------------------------------------------------

async function throwawayPgDatabase(): Promise<string> {
  const name = `xos_bench_api_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  onCleanup(`drop database ${name}`, async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

const RETIRED_FRACTION = 0.1;
const retiredCount = (slices: number) => Math.max(1, Math.round(slices * RETIRED_FRACTION));

// The instances, as the synchronizer would have left them: mostly running (95 %), some pending
// (4 %), a few failed (1 %); names, server ids and addresses filled in; created over the last half
// year. One INSERT … SELECT over generate_series in one transaction: a bench-only path straight
// into SQL, so that a million rows load in a minute rather than through the API. Every value is a
// function of the row number, so every run loads the same rows.
async function bulkLoad(db: Db, fx: Fixture, count: number): Promise<{ seconds: number; analyzeSeconds: number }> {
  const nRetired = retiredCount(fx.slices.length);
  const nActive = fx.slices.length - nRetired;
  const t0 = performance.now();
  await db.query(
    `INSERT INTO instances (created, updated, enacted, last_sync, backend_code, backend_status, name, slice, deployment,
                            image, flavor, creator, number_cores, instance_name, instance_id, instance_uuid, ip)
     SELECT created, coalesce(enacted, created), enacted, CASE WHEN state = 'pending' THEN NULL ELSE coalesce(enacted, created) END,
            CASE state WHEN 'ok' THEN 1 WHEN 'error' THEN 2 ELSE 0 END,
            CASE state WHEN 'ok' THEN '1 - OK' WHEN 'error' THEN '2 - Quota exceeded for instances: Requested 1, but already used 20 of 20 instances'
                       ELSE '0 - Provisioning in progress' END,
            vm, ($1::int[])[slice_idx + 1], $2, ($3::int[])[1 + (i * 7) % cardinality($3::int[])], ($4::int[])[1 + (i * 13) % cardinality($4::int[])],
            $5, (ARRAY[1, 2, 4])[1 + (i * 11) % 3],
            CASE WHEN state = 'pending' THEN NULL ELSE vm END,
            CASE WHEN state = 'pending' THEN NULL ELSE 'instance-' || lpad(to_hex(i), 8, '0') END,
            CASE WHEN state = 'pending' THEN NULL ELSE md5(i::text)::uuid::text END,
            CASE WHEN state = 'ok' THEN ('10.' || ((slice_idx >> 2) & 255) || '.' || (((slice_idx & 3) << 6) | ((i >> 8) & 63)) || '.' || greatest(i & 255, 1))::inet END
       FROM (SELECT i, state, created, vm, slice_idx,
                    CASE WHEN state = 'ok' THEN created + make_interval(secs => 20 + (i * 17) % 60) END AS enacted
               FROM (SELECT i,
                            CASE WHEN (i * 37) % 100 < 95 THEN 'ok' WHEN (i * 37) % 100 < 99 THEN 'pending' ELSE 'error' END AS state,
                            now() - interval '180 days' + (interval '180 days' * i / $6::int) AS created,
                            -- the first tenth of the slices are retired: they hold the oldest tenth of the instances
                            CASE WHEN i < $6::int * ${RETIRED_FRACTION} THEN i % $7::int ELSE $7::int + i % $8::int END AS slice_idx,
                            'vm' || lpad(i::text, 7, '0') AS vm
                       FROM generate_series(0, $6::int - 1) i) g) r`,
    [fx.slices.map((x) => x.id), fx.deployment, fx.images, fx.flavors, fx.admin, count, nRetired, nActive],
  );
  const seconds = (performance.now() - t0) / 1000;
  // What autovacuum does on a PostgreSQL server after a load like this (PGlite has no autovacuum).
  const t1 = performance.now();
  await db.query('VACUUM ANALYZE instances');
  return { seconds, analyzeSeconds: (performance.now() - t1) / 1000 };
}

// ---- fixture: made through the API, as a client would ------------------------------------------

interface Fixture {
  site: number;
  deployment: number;
  admin: number;
  images: number[];
  flavors: number[];
  slices: { id: number; name: string }[];
}

async function makeFixture(api: Api): Promise<Fixture> {
  const me = await api.call('GET', '/api/auth/me');
  const deployment = (await api.call('GET', '/api/core/deployments?limit=1')).items[0].id as number;
  const site = (await api.call('POST', '/api/core/sites', { name: 'Bench Site', login_base: 'bench', abbreviated_name: 'bench' })).id as number;
  await api.call('POST', '/api/core/sitedeployments', { site, deployment });
  const images: number[] = [];
  for (const name of ['ubuntu-22.04', 'ubuntu-24.04', 'debian-12', 'cirros-0.6'])
    images.push((await api.call('POST', '/api/core/images', { name, disk_format: 'qcow2' })).id);
  const flavors = ((await api.call('GET', '/api/core/flavors?sort=id')).items as { id: number }[]).map((f) => f.id);
  const slices: Fixture['slices'] = [];
  for (let s = 1; s <= SLICES; s++) {
    const name = `bench_s${String(s).padStart(3, '0')}`;
    const row = await api.call('POST', '/api/core/slices', { name, site, max_instances: 100000, description: `benchmark slice ${s}` });
    slices.push({ id: row.id, name });
  }
  const admin = Number(me.id ?? me.user?.id);
  if (!Number.isInteger(admin)) throw new Error(`cannot tell the admin's id from /api/auth/me: ${JSON.stringify(me).slice(0, 200)}`);
  return { site, deployment, admin, images, flavors, slices };
}

// ---- scenarios ----------------------------------------------------------------------------------

interface Page {
  filter?: { field: 'slice' | 'image'; value: number };
  offset?: number;
  after?: { id: number; cursor: string }; // a keyset cursor the API gave out, and the row it names
}

interface Scenario {
  name: string;
  what: string;
  http: HttpRequests;
  expectStatus: number;
  raw: (i: number) => Promise<void>;
  rawWhat: string;
  check: () => Promise<void>; // the API and the reference agree
  once: (i: number) => Promise<void>; // one API call, as the load makes it
  explain?: { text: string; params: unknown[] }[];
  unsupported?: string; // why this server cannot run the scenario (an older XOS without cursors)
}

const LIMIT = 50;
const TOTAL_CAP = 10_000; // the reference counts exactly up to this many rows, as XOS does

// The reference: the least the database must do to answer the same request. The page (one row
// more, to know whether there is a next page), by keyset after a cursor or by offset, and the
// total counted up to the cap, the planner's estimate above it.
function listSql(p: Page) {
  const params: unknown[] = [];
  const conds = ['t.deleted = false'];
  if (p.filter) conds.push(`t."${p.filter.field}" = $${params.push(p.filter.value)}`);
  const where = conds.join(' AND ');
  const pageConds = p.after ? `${where} AND t.id < $${params.length + 1}` : where;
  const pageParams = p.after ? [...params, p.after.id] : [...params];
  const n = pageParams.length;
  return {
    page: { text: `SELECT t.* FROM "instances" t WHERE ${pageConds} ORDER BY t."id" DESC LIMIT $${n + 1} OFFSET $${n + 2}`, params: [...pageParams, LIMIT + 1, p.offset ?? 0] },
    count: { text: `SELECT count(*)::int AS n FROM (SELECT 1 FROM "instances" t WHERE ${where} LIMIT ${TOTAL_CAP + 1}) capped`, params },
    estimate: { text: `EXPLAIN (FORMAT JSON) SELECT 1 FROM "instances" t WHERE ${where}`, params },
  };
}

const listPath = (p: Page) =>
  `/api/core/instances?limit=${LIMIT}${p.offset ? `&offset=${p.offset}` : ''}${p.filter ? `&${p.filter.field}=${p.filter.value}` : ''}&sort=-id` +
  (p.after ? `&cursor=${p.after.cursor}` : '');

function listScenario(db: Db, api: Api, name: string, what: string, pages: Page[], unsupported?: string): Scenario {
  const queries = pages.map(listSql);
  return {
    name,
    what,
    unsupported,
    http: { method: 'GET', paths: pages.map(listPath) },
    expectStatus: 200,
    rawWhat: 'SELECT page (keyset or offset) + count capped at 10,000 (+ EXPLAIN estimate above)',
    raw: async (i) => {
      const q = queries[i % queries.length];
      await db.query(q.page.text, q.page.params);
      const [{ n }] = await db.query<{ n: number }>(q.count.text, q.count.params);
      if (n > TOTAL_CAP) await db.query(q.estimate.text, q.estimate.params);
    },
    check: async () => {
      const body = await api.call('GET', listPath(pages[0]));
      const rows = (await db.query<{ id: number }>(queries[0].page.text, queries[0].page.params)).slice(0, LIMIT);
      const [{ n }] = await db.query<{ n: number }>(queries[0].count.text, queries[0].count.params);
      const ids = (body.items as { id: number }[]).map((r) => r.id).join(',');
      // An exact total must be the count; above the cap, XOS gives an estimate (or, before
      // cursors, the exact count, which the capped reference does not know).
      const totalOk = n <= TOTAL_CAP ? body.total === n : body.total > TOTAL_CAP && body.total_exact !== true;
      if (ids !== rows.map((r) => r.id).join(',') || !totalOk)
        throw new Error(`${name}: the API and the reference disagree (API ${body.items.length} rows, total ${body.total}; SQL ${rows.length} rows, count ${n})`);
    },
    once: async (i) => {
      await api.call('GET', listPath(pages[i % pages.length]));
    },
    explain: [queries[0].page, queries[0].count],
  };
}

// A cursor that starts a -id page just after row `id`, as the API gives it out: the next link of
// the one-row page that holds that row. null from an XOS whose next links carry offsets.
async function cursorAfter(api: Api, id: number): Promise<{ id: number; cursor: string } | null> {
  const body = await api.call('GET', `/api/core/instances?limit=1&sort=-id&id__lte=${id}`);
  if (body.items[0]?.id !== id || !body.next) throw new Error(`no instance ${id} to start a cursor after`);
  const cursor = new URL(body.next).searchParams.get('cursor');
  return cursor ? { id, cursor } : null;
}

// Whether each reference filter of each model, with the default order, is served by an index:
// one that leads with the field and then id (or is unique on the field), so the first page is
// read in order from the index without a sort. The plan of that first page is shown too (on the
// instances with a value from the data, EXPLAIN ANALYZE: a plan that walks the primary key and
// filters is fine while it removes few rows, which is how the planner reads a common value).
interface RefPlan {
  model: string;
  field: string;
  indexed: boolean; // an index leads with (field, id), or is unique on field
  planOk: boolean; // no sequential scan, no sort, at most 1,000 rows removed by a filter
  plan: string;
}

async function refIndexPlans(db: Db): Promise<RefPlan[]> {
  const out: RefPlan[] = [];
  for (const m of models)
    for (const [field, d] of Object.entries(m.fields)) {
      if (d.type !== 'ref') continue;
      const [idx] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
           LEFT JOIN pg_attribute b ON b.attrelid = c.oid AND b.attnum = i.indkey[1]
          WHERE c.relname = $1 AND a.attname = $2 AND (i.indisunique OR b.attname = 'id')`,
        [m.table, field],
      );
      const real = m.table === 'instances';
      const [sample] = real ? await db.query<{ v: number }>(`SELECT "${field}" AS v FROM instances WHERE "${field}" IS NOT NULL LIMIT 1`) : [];
      const text = `EXPLAIN ${real ? '(ANALYZE, COSTS OFF) ' : '(COSTS OFF) '}SELECT t.* FROM "${m.table}" t WHERE t."${field}" = $1 AND t.deleted = false ORDER BY t.id DESC LIMIT ${LIMIT + 1}`;
      const lines = await db.transaction(async (tx) => {
        // Small tables the planner would rightly scan: ask it to use an index where it can.
        if (!real) for (const k of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) await tx.query(`SET LOCAL ${k} = off`);
        return (await tx.query<{ 'QUERY PLAN': string }>(text, [sample?.v ?? 1])).map((r) => r['QUERY PLAN']);
      });
      const plan = lines.join('\n');
      const removed = Math.max(0, ...[...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].map((x) => Number(x[1])));
      out.push({
        model: m.name,
        field,
        indexed: idx.n > 0,
        planOk: !/Seq Scan/.test(plan) && !/\bSort\b/.test(plan) && removed <= 1000,
        plan: lines.map((l) => l.trim()).filter((l) => !/^(Planning|Execution) Time/.test(l)).join(' | '),
      });
    }
  return out;
}

function createScenario(db: Db, api: Api, fx: Fixture): Scenario {
  const template = { deployment: fx.deployment, image: fx.images[0], flavor: fx.flavors[0] };
  // The columns XOS itself writes for such a request: the input, the defaults and the creator.
  const insert =
    'INSERT INTO "instances" ("write_protect", "no_sync", "number_cores", "slice", "deployment", "image", "flavor", "name", "creator") ' +
    'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *';
  const stamp = Date.now().toString(36);
  return {
    name: 'create',
    what: 'POST /api/core/instances {slice, deployment, image, flavor, name}',
    http: {
      method: 'POST',
      path: '/api/core/instances',
      bodies: { template, rotate: { slice: fx.slices.map((s) => s.id) }, nameField: 'name', namePrefix: `bench-api-${stamp}-` },
    },
    expectStatus: 201,
    rawWhat: 'INSERT … RETURNING *',
    raw: async (i) => {
      const slice = fx.slices[i % fx.slices.length].id;
      await db.query(insert, [false, false, 0, slice, fx.deployment, fx.images[0], fx.flavors[0], `bench-raw-${stamp}-${i}`, fx.admin]);
    },
    check: async () => {
      const row = await api.call('POST', '/api/core/instances', { ...template, slice: fx.slices[0].id, name: `bench-check-${stamp}` });
      const [stored] = await db.query<{ slice: number; creator: number }>('SELECT slice, creator FROM instances WHERE id = $1', [row.id]);
      if (stored?.slice !== fx.slices[0].id || stored.creator !== fx.admin) throw new Error('create: the API did not store what the reference stores');
    },
    once: async (i) => {
      await api.call('POST', '/api/core/instances', { ...template, slice: fx.slices[i % fx.slices.length].id, name: `bench-once-${stamp}-${i}` });
    },
  };
}

// The least an API call costs on this machine: a health check, one trivial statement, no caller
// to look up. Its rate next to the raw INSERT's bounds what any write through HTTP can reach here,
// where the clients, the server and the database share the same cores.
function healthScenario(db: Db, api: Api): Scenario {
  return {
    name: 'health (floor)',
    what: 'GET /api/health (no authentication needed; the server runs SELECT 1)',
    http: { method: 'GET', paths: ['/api/health'] },
    expectStatus: 200,
    rawWhat: 'SELECT 1',
    raw: async () => {
      await db.query('SELECT 1');
    },
    check: async () => {
      const body = await api.call('GET', '/api/health');
      if (body.status !== 'ok') throw new Error(`health (floor): the server says ${JSON.stringify(body)}`);
    },
    once: async () => {
      await api.call('GET', '/api/health');
    },
  };
}

// ---- one backend ------------------------------------------------------------------------------

interface RunResult {
  name: string;
  what: string;
  reference: string;
  xos: Stats | null; // null: could not be measured (see problem)
  raw: Stats | null;
  statementsPerCall: { xos: number; raw: number } | null;
  ratio: { throughput: number; p50: number; p99: number } | null;
  problem?: string;
  explain?: { query: string; plan: string[] }[];
}

interface BackendResult {
  backend: Backend;
  server: string;
  instances: number;
  load: { rows: number; seconds: number; rowsPerSecond: number; vacuumAnalyzeSeconds: number };
  // 1-minute load average of the machine before and after: other processes share the CPUs.
  loadAverage: { before: number; after: number };
  runs: RunResult[];
  rss: { listMaxMb: number; beforeListsMb: number };
  serveProcess: ServeProcessResult | null;
  refIndexes: RefPlan[];
}

// The list scenarios once more against `xos serve --roles api` as its own process (supervisor and
// API worker), on the same database: its memory alone, and latencies with the clients in
// another process.
interface ServeProcessResult {
  rssBeforeMb: number; // supervisor + worker, after start-up
  rssMaxMb: number; // while serving the lists
  runs: { name: string; stats: Stats }[];
}

// The resident memory of a process and all its descendants, from /proc.
function treeRssMb(root: number): number {
  const kids = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone meanwhile */
    }
  }
  let kb = 0;
  for (const todo = [root]; todo.length; ) {
    const pid = todo.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone meanwhile */
    }
    todo.push(...(kids.get(pid) ?? []));
  }
  return kb / 1024;
}

async function separateServe(env: Record<string, string>, token: string, lists: Scenario[]): Promise<ServeProcessResult> {
  const server = await serve({ ...env, XOS_SERVER_ROLES: 'api', XOS_SERVER_WORKERS: '1' });
  onCleanup('stop the separate xos serve', async () => {
    if (server.proc.exitCode === null) await server.stop();
  });
  const child = server.proc;
  const base = `http://127.0.0.1:${server.port}`;
  const result: ServeProcessResult = { rssBeforeMb: treeRssMb(child.pid!), rssMaxMb: 0, runs: [] };
  const timer = setInterval(() => (result.rssMaxMb = Math.max(result.rssMaxMb, treeRssMb(child.pid!))), 100);
  try {
    for (const s of lists) {
      const stats = combine([await runHttp({ ...WINDOW, baseUrl: base, token, requests: s.http, expectStatus: s.expectStatus })]);
      result.runs.push({ name: s.name, stats });
      log(`separate xos serve: ${s.name.padEnd(30)} ${fmtRps(stats.rps).padStart(7)} req/s p50 ${fmtMs(stats.p50).padStart(6)} ms p99 ${fmtMs(stats.p99).padStart(6)} ms`);
    }
  } finally {
    clearInterval(timer);
  }
  log(`separate xos serve (supervisor + API worker): RSS ${result.rssBeforeMb.toFixed(0)} MB after start, max ${result.rssMaxMb.toFixed(0)} MB while listing`);
  await server.stop();
  return result;
}

// Statements per call, counted over a few calls made one at a time.
// Statements per call, averaged over `times` calls; with --show-sql, prints those of the last one.
async function statementsPer(counter: ReturnType<typeof countStatements>, times: number, call: (i: number) => Promise<unknown>, label: string) {
  await sleep(50);
  const before = counter.statements;
  for (let i = 0; i < times; i++) {
    if (args['show-sql'] && i === times - 1) counter.seen = [];
    await call(i);
  }
  await sleep(50); // the token's last_used update is sent without waiting for it
  if (counter.seen) {
    console.log(`    statements of one call, ${label}:\n${counter.seen.map((t, k) => `      ${k + 1}. ${t.length > 220 ? `${t.slice(0, 220)}…` : t}`).join('\n')}`);
    counter.seen = undefined;
  }
  return (counter.statements - before) / times;
}

async function benchBackend(backend: Backend): Promise<BackendResult> {
  console.log(`\n== ${backend}: ${fmtInt(INSTANCES)} instances over ${SLICES} slices, ${WINDOW.concurrency} concurrent clients, ` +
    `${WINDOW.durationMs / 1000} s per run in ${ROUNDS} rounds, XOS and raw SQL taking turns`);
  const loadBefore = os.loadavg()[0];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-bench-api-'));
  onCleanup(`remove ${dataDir}`, () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    XOS_DATA_DIR: dataDir,
    XOS_SECURITY_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    XOS_API_LOG_LEVEL: 'silent',
  };
  if (backend === 'postgres') env.XOS_DB_URL = await throwawayPgDatabase();
  const config = loadConfig({ env });
  const store: Store = await openStore(config);
  let wedged = false; // a hung transaction holds the database (PGlite's lock, the pool) for ever
  onCleanup(`close the ${backend} store`, () => (wedged ? console.error(`  (not closing the wedged ${backend} database)`) : store.close()));
  const db = dbOf(store);
  const counter = countStatements(db);
  const [{ version }] = await db.query<{ version: string }>('SELECT version()');
  log(`database: ${version.split(',')[0]} (${backend === 'pglite' ? `PGlite in ${dataDir}` : db.where})`);
  await ensureFirstAdmin(store, { XOS_ADMIN_EMAIL: ADMIN.email, XOS_ADMIN_PASSWORD: ADMIN.password });
  const app: FastifyInstance = await buildServer({ store, config, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  onCleanup('close the HTTP server', () => app.close());
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('the server has no TCP address');
  const basic = new Api(`http://127.0.0.1:${addr.port}`, `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64')}`);
  const { token } = await basic.call<{ token: string }>('POST', '/api/auth/tokens', { name: 'benchmark' });
  const api = basic.withToken(token);
  log(`server: http://127.0.0.1:${addr.port} (bearer API token)`);

  const t = performance.now();
  const fx = await makeFixture(api);
  log(`fixture through the API: site, site deployment, ${fx.images.length} images, ${fx.slices.length} slices in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const loaded = await bulkLoad(db, fx, INSTANCES);
  log(`bulk load: ${fmtInt(INSTANCES)} instances by INSERT … SELECT generate_series in ${loaded.seconds.toFixed(1)} s ` +
    `(${fmtInt(INSTANCES / loaded.seconds)} rows/s); VACUUM ANALYZE ${loaded.analyzeSeconds.toFixed(1)} s`);
  const [{ n: total }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM instances WHERE deleted = false');
  if (total !== INSTANCES) throw new Error(`expected ${INSTANCES} instances after the load, found ${total}`);

  const sliceIds = fx.slices.map((s) => s.id);
  const nRetired = retiredCount(sliceIds.length);
  const retired = sliceIds.slice(0, nRetired);
  const active = sliceIds.slice(nRetired);
  const perSlice = Math.floor(INSTANCES / SLICES);
  // Deep pages: 20 pages among the oldest 1,000 instances, by offset and by cursor; in a slice,
  // the page after its 100th-oldest instance.
  const deepOffsets = Array.from({ length: 20 }, (_, k) => INSTANCES - 1000 + k * LIMIT);
  const [{ first }] = await db.query<{ first: number }>('SELECT min(id)::int AS first FROM instances');
  const deepCursors = await Promise.all(deepOffsets.map((o) => cursorAfter(api, first + INSTANCES - 1 - o)));
  const sliceDeep: Page[] = [];
  for (const slice of sliceIds) {
    const [{ id }] = await db.query<{ id: number }>('SELECT id FROM instances WHERE slice = $1 AND deleted = false ORDER BY id OFFSET 100 LIMIT 1', [slice]);
    const after = await cursorAfter(api, id);
    if (after) sliceDeep.push({ filter: { field: 'slice', value: slice }, after });
  }
  const noCursors = deepCursors.some((c) => !c) || sliceDeep.length < sliceIds.length ? 'this XOS gives no cursors (its next links carry offsets)' : undefined;
  const cursorPages = (pages: Page[]) => (noCursors ? [{}] : pages);
  const scenarios: Scenario[] = [
    listScenario(db, api, 'list first page', 'GET ?limit=50&sort=-id (all instances, with total)', [{}]),
    listScenario(db, api, 'list deep page, cursor', `GET ?limit=50&sort=-id&cursor=<after the ${fmtInt(deepOffsets[0])}th…${fmtInt(deepOffsets.at(-1)!)}th newest> (with total)`,
      cursorPages(deepCursors.map((after) => ({ after: after! }))), noCursors),
    listScenario(db, api, 'list deep page, offset', `GET ?limit=50&offset=${deepOffsets[0]}…${deepOffsets.at(-1)}&sort=-id (with total)`,
      deepOffsets.map((offset) => ({ offset }))),
    listScenario(db, api, 'list slice, first page', `GET ?slice=<one of ${active.length} active>&limit=50&sort=-id (with total)`,
      active.map((value) => ({ filter: { field: 'slice', value } }))),
    listScenario(db, api, 'list retired slice, first page', `GET ?slice=<one of ${retired.length} retired>&limit=50&sort=-id (with total); their instances are the oldest ${RETIRED_FRACTION * 100}%`,
      retired.map((value) => ({ filter: { field: 'slice', value } }))),
    listScenario(db, api, 'list slice, deep page, cursor', `GET ?slice=<one of ${sliceIds.length}>&limit=50&sort=-id&cursor=<after its ~${fmtInt(Math.max(0, perSlice - 101))}th newest> (with total)`,
      cursorPages(sliceDeep), noCursors),
    listScenario(db, api, 'list image, first page', `GET ?image=<one of ${fx.images.length}>&limit=50&sort=-id (with total, ~${fmtInt(INSTANCES / fx.images.length)} rows each)`,
      fx.images.map((value) => ({ filter: { field: 'image', value } }))),
    createScenario(db, api, fx),
    healthScenario(db, api),
  ];
  const only = args.only?.split(',').map((x) => x.trim()).filter(Boolean);
  if (only) {
    const unknown = only.filter((o) => !scenarios.some((s) => s.name.startsWith(o)));
    if (unknown.length) throw new Error(`--only: no scenario starts with ${unknown.map((o) => `'${o}'`).join(', ')}; there are ${scenarios.map((s) => `'${s.name}'`).join(', ')}`);
    scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => only.some((o) => s.name.startsWith(o))));
  }
  const plans = await refIndexPlans(db);
  const unindexed = plans.filter((p) => !p.indexed || !p.planOk);
  log(`reference filters with the default order: ${plans.length - unindexed.length} of ${plans.length} index-backed (index on (field, id) and EXPLAIN)` +
    (unindexed.length ? `; NOT: ${unindexed.map((p) => `${p.model}.${p.field}`).join(', ')}` : ''));
  for (const p of unindexed) log(`  ${p.model}.${p.field}: index ${p.indexed ? 'yes' : 'NO'}; plan: ${p.plan}`);
  for (const p of plans.filter((x) => x.model === 'Instance')) log(`  ${p.model}.${p.field}: ${p.plan}`);
  // The serving process's memory while it serves the lists (the clients' worker thread included).
  const rss = { listMaxMb: 0, beforeListsMb: process.memoryUsage().rss / 2 ** 20 };
  let listing = false;
  const rssTimer = setInterval(() => listing && (rss.listMaxMb = Math.max(rss.listMaxMb, process.memoryUsage().rss / 2 ** 20)), 100);
  onCleanup('stop sampling RSS', () => clearInterval(rssTimer));

  const runs: RunResult[] = [];
  for (const s of scenarios) {
    if (s.unsupported) {
      runs.push({ name: s.name, what: s.what, reference: s.rawWhat, xos: null, raw: null, statementsPerCall: null, ratio: null, problem: s.unsupported });
      log(`${s.name.padEnd(30)} skipped: ${s.unsupported}`);
      continue;
    }
    listing = s.name.startsWith('list');
    let stage: 'check' | 'load' = 'check';
    let xosStatements = 0;
    let rawStatements = 0;
    let explain: RunResult['explain'];
    const xosSamples: Sample[] = [];
    const rawSamples: Sample[] = [];
    try {
      await s.check();
      xosStatements = await statementsPer(counter, 5, s.once, `${s.name}, XOS`);
      rawStatements = await statementsPer(counter, 5, (i) => s.raw(i), `${s.name}, raw`);
      if (s.explain) {
        explain = [];
        for (const q of s.explain) {
          const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.params);
          explain.push({ query: `${q.text}  -- params ${JSON.stringify(q.params)}`, plan: plan.map((r) => r['QUERY PLAN']) });
        }
      }
      // XOS and the reference take turns, so that a change in the machine's load (other
      // processes) falls on both sides alike.
      stage = 'load';
      for (let k = 0; k < ROUNDS; k++) {
        const round: Window = { ...WINDOW, durationMs: WINDOW.durationMs / ROUNDS, warmupMs: k ? WINDOW.warmupMs / 4 : WINDOW.warmupMs };
        xosSamples.push(await runHttp({ ...round, baseUrl: api.base, token, requests: s.http, expectStatus: s.expectStatus }));
        rawSamples.push(await runRaw(round, s.raw));
      }
    } catch (e) {
      const msg = (e as Error).message;
      if ((e as Error).name !== 'TimeoutError' && !/due to timeout/.test(msg)) throw e;
      // Calls that never answer: a deadlock (README). The database stays stuck; stop this backend.
      wedged = true;
      const problem =
        stage === 'check'
          ? `a single API call did not answer within ${CALL_TIMEOUT_MS / 1000} s (hangs)`
          : `calls under load did not answer within 30 s (hangs): ${msg}`;
      runs.push({ name: s.name, what: s.what, reference: s.rawWhat, xos: null, raw: null, statementsPerCall: null, ratio: null, problem });
      log(`${s.name.padEnd(30)} ${problem}; the database is stuck, stopping this backend`);
      break;
    }
    const xos = combine(xosSamples);
    const raw = combine(rawSamples);
    const ratio = { throughput: xos.rps / raw.rps, p50: xos.p50 / raw.p50, p99: xos.p99 / raw.p99 };
    const r: RunResult = {
      name: s.name,
      what: s.what,
      reference: s.rawWhat,
      xos,
      raw,
      statementsPerCall: { xos: xosStatements, raw: rawStatements },
      ratio,
      explain,
    };
    runs.push(r);
    log(`${s.name.padEnd(30)} XOS ${fmtRps(xos.rps).padStart(7)} req/s p50 ${fmtMs(xos.p50).padStart(6)} ms | ` +
      `raw ${fmtRps(raw.rps).padStart(7)} req/s p50 ${fmtMs(raw.p50).padStart(6)} ms | throughput ${fmtX(ratio.throughput)}, p50 ${fmtX(ratio.p50)}`);
    if (explain && args.explain)
      for (const e of explain) console.log(`\n    ${e.query}\n${e.plan.map((l) => `      ${l}`).join('\n')}\n`);
  }

  clearInterval(rssTimer);
  log(`RSS of the serving process while listing: max ${rss.listMaxMb.toFixed(0)} MB (${rss.beforeListsMb.toFixed(0)} MB before the lists)`);
  // The embedded database is one process's: only PostgreSQL can be served by a second one.
  const lists = scenarios.filter((s) => !s.unsupported && s.name.startsWith('list'));
  const serveProcess =
    backend === 'postgres' && !wedged && lists.length ? await separateServe(env, token, lists) : null;
  await cleanUp(); // server, store, database, data directory
  return {
    serveProcess,
    rss,
    refIndexes: plans,
    backend,
    server: version.split(',')[0],
    instances: INSTANCES,
    load: { rows: INSTANCES, seconds: loaded.seconds, rowsPerSecond: INSTANCES / loaded.seconds, vacuumAnalyzeSeconds: loaded.analyzeSeconds },
    loadAverage: { before: loadBefore, after: os.loadavg()[0] },
    runs,
  };
}

// ---- report -----------------------------------------------------------------------------------

function table(results: BackendResult[]): string {
  const head = ['backend', 'scenario', 'XOS req/s', 'raw req/s', 'thr XOS/raw', 'XOS p50', 'raw p50', 'p50 XOS/raw', 'XOS p99', 'raw p99', 'SQL/call XOS:raw'];
  const rows: string[][] = [];
  for (const b of results)
    for (const r of b.runs) {
      if (!r.xos || !r.raw || !r.ratio || !r.statementsPerCall) {
        rows.push([b.backend, r.name, r.problem?.includes('cursor') ? 'n/a' : 'hangs', '–', '–', '–', '–', '–', '–', '–', '–']);
        continue;
      }
      rows.push([
        b.backend,
        r.name,
        fmtRps(r.xos.rps),
        fmtRps(r.raw.rps),
        fmtX(r.ratio.throughput),
        `${fmtMs(r.xos.p50)} ms`,
        `${fmtMs(r.raw.p50)} ms`,
        fmtX(r.ratio.p50),
        `${fmtMs(r.xos.p99)} ms`,
        `${fmtMs(r.raw.p99)} ms`,
        `${+r.statementsPerCall.xos.toFixed(1)}:${+r.statementsPerCall.raw.toFixed(1)}`,
      ]);
    }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// The code measured: the commit, and whether src/ or migrations/ differed from it.
function gitState(): { commit: string | null; uncommittedChanges: boolean | null } {
  const git = (...a: string[]) => execFileSync('git', a, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedChanges: git('status', '--porcelain', '--', 'src', 'migrations') !== '' };
  } catch {
    return { commit: null, uncommittedChanges: null };
  }
}

async function main() {
  const started = performance.now();
  const results: BackendResult[] = [];
  const meta = {
    benchmark: 'api-instances',
    date: new Date().toISOString(),
    ...gitState(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    instances: INSTANCES,
    slices: SLICES,
    concurrency: WINDOW.concurrency,
    warmupSeconds: WINDOW.warmupMs / 1000, // before the first round; a quarter of it before the others
    rounds: ROUNDS,
    durationSeconds: WINDOW.durationMs / 1000,
    pageSize: LIMIT,
  };
  for (const backend of BACKENDS) {
    const r = await benchBackend(backend);
    results.push(r);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `api-instances-${backend}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...meta, ...r }, null, 2) + '\n');
    log(`figures written to ${path.relative(process.cwd(), file)}`);
  }
  console.log(
    `\nXOS REST API vs the same SQL through the same driver, same process (${fmtInt(INSTANCES)} instances, ${WINDOW.concurrency} concurrent clients, ` +
      `${WINDOW.durationMs / 1000} s per run, page size ${LIMIT}).\n` +
      'thr XOS/raw < 1: the API serves that fraction of the raw rate; p50 XOS/raw > 1: the API takes that many times as long.\n',
  );
  console.log(table(results));
  for (const r of results) {
    const bad = r.refIndexes.filter((p) => !p.indexed || !p.planOk);
    console.log(`\n${r.backend}: RSS of the serving process (server, database driver and the clients' worker thread) while listing: max ${r.rss.listMaxMb.toFixed(0)} MB; ` +
      `reference filters with the default order index-backed (EXPLAIN): ${r.refIndexes.length - bad.length} of ${r.refIndexes.length}` +
      (bad.length ? ` (not: ${bad.map((p) => `${p.model}.${p.field}`).join(', ')})` : ''));
  }
  for (const r of results) {
    if (!r.serveProcess) continue;
    console.log(`\n${r.backend}: the list scenarios again against \`xos serve --roles api\` as its own process (supervisor + API worker, the clients in this one); ` +
      `its RSS ${r.serveProcess.rssBeforeMb.toFixed(0)} MB after start, max ${r.serveProcess.rssMaxMb.toFixed(0)} MB while listing`);
    for (const x of r.serveProcess.runs)
      console.log(`  ${x.name.padEnd(30)} ${fmtRps(x.stats.rps).padStart(7)} req/s  p50 ${fmtMs(x.stats.p50).padStart(6)} ms  p99 ${fmtMs(x.stats.p99).padStart(6)} ms`);
  }
  const busiest = Math.max(...results.flatMap((r) => [r.loadAverage.before, r.loadAverage.after]));
  if (busiest > os.cpus().length * 0.75)
    console.log(`\nnote: the machine was busy (1-minute load average up to ${busiest.toFixed(1)} on ${os.cpus().length} CPUs); ` +
      'absolute figures are unreliable, the XOS/raw ratios less so (the two sides take turns).');
  console.log('\nbulk load (INSERT … SELECT generate_series, one statement): ' +
    results.map((r) => `${r.backend} ${fmtInt(r.load.rows)} rows in ${r.load.seconds.toFixed(1)} s (${fmtInt(r.load.rowsPerSecond)} rows/s)`).join('; '));
  console.log(`total run time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(`\nbenchmark failed: ${(e as Error).stack ?? e}`);
  code = 1;
} finally {
  await cleanUp();
}
process.exitCode = code;
// Everything is closed by now; if a handle were left open, say so instead of hanging.
setTimeout(() => {
  console.error('warning: handles still open after cleanup:', process.getActiveResourcesInfo().join(', '));
  process.exit(code || 1);
}, 5000).unref();
