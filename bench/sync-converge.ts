// The synchronizer converging N instances on the real OpenStack test cluster, against a plain
// script that makes the calls the work needs with the same parallelism, in the same process;
// and the latency from an API write to the first OpenStack request it causes. See bench/README.md.
//
//   node --import tsx bench/sync-converge.ts [--instances 100] [--parallel 4] [--writes 30]
//        [--backend pglite|postgres] [--deadline 8] [--pg-url URL] [--sweep bscXXXXXX]
//
// Needs the lab of scripts/openstack-lab ($OSLAB_DIR/cluster.json, default /tmp/xos-oslab).
// Everything it makes in the cluster is named bsc<run>…; it removes all of it at the end (also
// after a failure or Ctrl-C) and checks through the OpenStack API that nothing is left.
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
import { Engine } from '../src/sync/engine.js';
import { openstackBackend } from '../src/openstack/index.js';
import { OpenStackClient, encodeUserData, type RequestEvent, type Server } from '../src/openstack/client/index.js';
import { summarize } from './lib/load.js';
import { dbOf } from '../src/store/inspect.js';
import { synchronizerFor } from '../src/sync/backends.js';

const USAGE = `usage: node --import tsx bench/sync-converge.ts [options]
  --instances N          instances converged by each side (default 100)
  --parallel N           the engine's perController and the reference's concurrency (default 4,
                         the engine's default)
  --writes N             single writes for the write-to-first-request latency (default 30)
  --backend pglite|postgres   XOS's database (default pglite, on disk, as xos serve uses it)
  --deadline MIN         give up (and clean up) after this many minutes (default 8; the
                         clean-up after it can take 1–2 more)
  --sweep bscXXXXXX      only remove what an interrupted run left in the cluster (its names
                         start with the prefix it printed), then check that nothing is left
  --pg-url URL           PostgreSQL server for --backend postgres (default $XOS_BENCH_PG_URL,
                         $XOS_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/postgres)
  environment: OSLAB_DIR (default /tmp/xos-oslab)`;

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '100' },
    parallel: { type: 'string', default: '4' },
    writes: { type: 'string', default: '30' },
    backend: { type: 'string', default: 'pglite' },
    deadline: { type: 'string', default: '8' },
    'pg-url': { type: 'string' },
    sweep: { type: 'string' },
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
const N = Math.floor(positive('instances', args.instances!));
const P = Math.floor(positive('parallel', args.parallel!));
const WRITES = Math.floor(positive('writes', args.writes!));
const LOAD_WRITES = Math.min(20, Math.max(1, Math.floor(N / 5))); // writes while the builds are in flight
const DEADLINE_MS = positive('deadline', args.deadline!, 1) * 60_000;
// How long one phase (all ACTIVE, all gone) may take: the lab's fake-driver Nova builds and deletes
// about 0.2-0.5 servers a second on 2 CPUs, so a fixed wait that fits 50 instances fails at 100.
const PHASE_MS = Math.max(300_000, N * 6_000);
const BACKEND = args.backend as 'pglite' | 'postgres';
if (BACKEND !== 'pglite' && BACKEND !== 'postgres') {
  console.error(`--backend must be pglite or postgres\n${USAGE}`);
  process.exit(2);
}
if (N > 200) {
  console.error('--instances: the lab allows 200 instances per project (nova.conf [quota]); use at most 200');
  process.exit(2);
}
const PG_ADMIN_URL = args['pg-url'] ?? process.env.XOS_BENCH_PG_URL ?? process.env.XOS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const LAB_DIR = process.env.OSLAB_DIR ?? '/tmp/xos-oslab';
const RUN = crypto.randomBytes(3).toString('hex');
const PREFIX = `bsc${RUN}`; // every name this run gives the cloud starts with it
const ADMIN = { email: `${PREFIX}@example.com`, password: crypto.randomBytes(12).toString('hex') };
// The lab's Nova answers a server create in well under a second when idle, and in over 30 s on a
// 2-CPU machine that other work keeps busy: give a call that long before calling it failed.
const CALL_TIMEOUT_MS = 120_000;
const started = performance.now();

// ---- cleanup: everything opened is closed again, also on Ctrl-C -------------------------------

const cleanups: { what: string; fn: () => Promise<void> | void; limitMs: number }[] = [];
const onCleanup = (what: string, fn: () => Promise<void> | void, limitMs = 15_000) => cleanups.push({ what, fn, limitMs });
// One clean-up at a time: Ctrl-C during the final one joins it instead of exiting under it.
let cleaning: Promise<void> | null = null;
const cleanUp = () =>
  (cleaning ??= runCleanups().finally(() => {
    cleaning = null;
  }));
async function runCleanups() {
  while (cleanups.length) {
    const { what, fn, limitMs } = cleanups.pop()!;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`gave up after ${limitMs / 1000} s`)), limitMs))),
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmtMs = (n: number) => (Number.isNaN(n) ? '–' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
const fmtX = (n: number) => `${n.toFixed(2)}×`;
const elapsed = () => now() - started;
// A database timestamp on this run's clock (both clocks are this machine's).
const epochToPerf = (d: Date | string) => new Date(d).getTime() - (Date.now() - performance.now());

class Deadline extends Error {}
// Polls until probe returns something truthy; gives up at the run's deadline too.
// Clean-up passes cleaning = true: it gets its own time, past the deadline.
async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms: number, everyMs = 250, cleaning = false): Promise<T> {
  const end = cleaning ? now() + ms : Math.min(now() + ms, started + DEADLINE_MS);
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (now() > end) throw end < started + DEADLINE_MS ? new Error(`timed out after ${secs(ms)} waiting for ${what}`) : new Deadline(`the run's deadline (${args.deadline} min) passed waiting for ${what}`);
    await sleep(everyMs);
  }
}

// At most `limit` calls of fn at once, over the items in order.
async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const statusOf = (e: unknown) => (e as { status?: number }).status;
const ignore404 = (e: unknown) => {
  if (statusOf(e) !== 404) throw e;
};

// ---- OpenStack requests, as the clients report them -------------------------------------------

interface Req {
  at: number; // when the request was sent (performance.now() ms)
  end: number;
  service: string;
  method: string;
  key: string; // service, method and path with ids replaced, plus the query's parameter names
  url: string; // decoded
  status: number;
  outcome: string;
}

// "GET servers/detail?all_tenants&name": which call it was, whatever the ids.
function callKey(e: { service: string; method: string; url: string }): string {
  let u: URL;
  try {
    u = new URL(e.url);
  } catch {
    return `${e.service} ${e.method} ?`;
  }
  const isId = (s: string) => /^[0-9a-f]{32}$/i.test(s) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) || /^\d+$/.test(s);
  const segs = u.pathname.split('/').filter(Boolean);
  if (/^v\d+(\.\d+)?$/.test(segs[0] ?? '')) segs.shift(); // the API version
  const p = segs.map((s) => (isId(s) ? ':id' : s)).join('/') || '/';
  const q = [...new Set(u.searchParams.keys())].sort().join('&');
  return `${e.service} ${e.method} ${p}${q ? `?${q}` : ''}`;
}

class RequestLog {
  readonly all: Req[] = [];
  private waiters: { match: (r: Req) => boolean; resolve: (r: Req) => void }[] = [];
  readonly record = (raw: { service: string; method: string; status: number; durationMs: number }) => {
    const e = raw as RequestEvent;
    const end = now();
    let url = e.url ?? '';
    try {
      url = decodeURIComponent(url);
    } catch {
      /* as it is */
    }
    const r: Req = { at: end - e.durationMs, end, service: e.service, method: e.method, key: callKey(e), url, status: e.status, outcome: e.outcome };
    this.all.push(r);
    for (const w of this.waiters.filter((w) => w.match(r))) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(r);
    }
  };
  // Requests that were under way in [from, to]: ended after from, sent before to. (A request's
  // start is its end minus a duration in whole ms, so it can seem to start just before from.)
  between(from: number, to = Infinity) {
    return this.all.filter((r) => r.end > from && r.at <= to);
  }
  // The first request from `from` on that matches, waiting for it up to ms.
  first(match: (r: Req) => boolean, from: number, ms: number): Promise<Req | null> {
    const seen = this.all.find((r) => r.end > from && match(r));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const w = {
        match: (r: Req) => r.end > from && match(r),
        resolve: (r: Req) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        resolve(null);
      }, ms);
      this.waiters.push(w);
    });
  }
}

// Requests by call, most frequent first.
function byCall(reqs: Req[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const r of reqs) m.set(r.key, (m.get(r.key) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
function byService(reqs: Req[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const r of reqs) m.set(`${r.service} ${r.method}`, (m.get(`${r.service} ${r.method}`) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
const notOk = (reqs: Req[]) => reqs.filter((r) => r.outcome !== 'ok').length;

// ---- the cluster ------------------------------------------------------------------------------

interface Lab {
  auth_url: string;
  region: string;
  domain: string;
  admin: { username: string; password: string; project: string };
  compute_hosts: string[];
}

function readLab(): Lab {
  const file = path.join(LAB_DIR, 'cluster.json');
  if (!fs.existsSync(file)) {
    console.error(`${file} does not exist: start the OpenStack test cluster first (scripts/openstack-lab/up.sh)`);
    process.exit(2);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

const adminClient = (l: Lab, onRequest?: RequestLog['record'], projectId?: string) =>
  new OpenStackClient({
    authUrl: l.auth_url,
    region: l.region,
    credentials: {
      type: 'password',
      username: l.admin.username,
      password: l.admin.password,
      userDomainName: l.domain,
      ...(projectId ? { projectId } : { projectName: l.admin.project, projectDomainName: l.domain }),
    },
    timeoutMs: CALL_TIMEOUT_MS,
    userAgent: 'xos-bench-reference',
    ...(onRequest ? { onRequest } : {}),
  });

// ---- XOS's REST API over HTTP -----------------------------------------------------------------

class Api {
  constructor(
    readonly base: string,
    private auth: string,
  ) {}
  withToken(token: string) {
    return new Api(this.base, `Bearer ${token}`);
  }
  async call<T = any>(method: string, url: string, body?: unknown, expect = method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
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

async function throwawayPgDatabase(): Promise<string> {
  const name = `xos_bench_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
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

// ---- the reference: the same work as a plain script -------------------------------------------

interface Phase {
  seconds: number;
  requests: number;
  failedRequests: number; // attempts that were not 'ok' (retries, errors)
  byService: Record<string, number>;
  byCall: Record<string, number>;
}
function phase(reqs: Req[], ms: number): Phase {
  return { seconds: ms / 1000, requests: reqs.length, failedRequests: notOk(reqs), byService: byService(reqs), byCall: byCall(reqs) };
}

// Seconds from t0 to the first request matching key (sent), and to the end of the last one.
function milestones(reqs: Req[], t0: number, tEnd: number) {
  const firstAt = (key: string) => reqs.find((r) => r.key === key);
  const lastOf = (key: string) => reqs.filter((r) => r.key === key).at(-1);
  const s = (t: number | undefined) => (t === undefined ? null : +((t - t0) / 1000).toFixed(2));
  return {
    firstRequest: s(reqs[0]?.at),
    projectCreated: s(firstAt('identity POST projects')?.end),
    networkCreated: s(firstAt('network POST networks')?.end),
    subnetCreated: s(firstAt('network POST subnets')?.end),
    firstServerPost: s(firstAt('compute POST servers')?.at),
    lastServerPostAnswered: s(lastOf('compute POST servers')?.end),
    allActive: s(tEnd),
  };
}

// Seconds from t0 to the steps of a deletion (the end of the call that did each).
function deleteMilestones(reqs: Req[], t0: number, serversGone: number, end: number) {
  const s = (t: number | undefined) => (t === undefined ? null : +((t - t0) / 1000).toFixed(2));
  const ok = (key: string) => reqs.filter((r) => r.key === key && r.outcome === 'ok');
  return {
    firstServerDelete: s(reqs.find((r) => r.key === 'compute DELETE servers/:id')?.at),
    lastServerDeleteAnswered: s(ok('compute DELETE servers/:id').at(-1)?.end),
    serversGone: s(serversGone),
    networkDeleted: s(ok('network DELETE networks/:id').at(-1)?.end),
    projectDeleted: s(ok('identity DELETE projects/:id').at(-1)?.end),
    done: s(end),
  };
}

interface RefResult {
  converge: Phase & { milestones: ReturnType<typeof milestones> };
  delete: Phase & { serversGoneSeconds: number; milestones: ReturnType<typeof deleteMilestones> };
}

async function reference(l: Lab, imageId: string, flavorName: string): Promise<RefResult> {
  const rlog = new RequestLog();
  const admin = adminClient(l, rlog.record);
  // Warm, like XOS's cached admin client: a token and Nova's microversion, before the clock runs.
  const token = await admin.authenticate();
  await admin.compute.microversion();
  const adminRole = token.roles.find((r) => r.name === 'admin');
  if (!adminRole) throw new Error('the lab admin has no "admin" role in its token');
  const made: { project?: string; network?: string; servers: string[] } = { servers: [] };
  onCleanup('reference: remove what it made', async () => {
    // only after a failure: the normal path deletes it below and empties `made`
    const obs = adminClient(l);
    await Promise.all(made.servers.map((id) => obs.compute.servers.delete(id, { ignoreMissing: true }).catch(() => {})));
    if (made.network) await until('reference network deletable', () => obs.network.networks.delete(made.network!, { ignoreMissing: true }).then(() => true, () => false), 60_000, 1000, true).catch(() => {});
    if (made.project) await obs.identity.projects.delete(made.project, { ignoreMissing: true }).catch(() => {});
  }, 90_000);

  const name = `${PREFIX}-ref`;
  const t0 = now();
  // Keystone: the project, a role for ourselves in it (to work there with a scoped token), its quota.
  const project = await admin.identity.projects.create({ name, domain_id: 'default', description: 'xos bench reference', tags: ['xos-bench'] });
  made.project = project.id;
  await admin.identity.grantProjectRole(project.id, token.user.id, adminRole.id);
  await admin.compute.updateQuotaSet(project.id, { instances: N });
  const cloud = adminClient(l, rlog.record, project.id);
  // Neutron: the network and its subnet, in the project.
  const net = await cloud.network.networks.create({ name: `${name}-net`, project_id: project.id, description: 'xos bench reference' });
  made.network = net.id;
  await cloud.network.subnets.create({ network_id: net.id, cidr: '10.254.0.0/24', ip_version: 4, name: `${name}-sub`, gateway_ip: null, enable_dhcp: true });
  // NAT access through the cluster's shared nat-net, which XOS's policy gives every slice.
  const [nat] = await collect(admin.network.networks.list({ name: 'nat-net' }));
  // Nova: the flavor by name (XOS's flavors are names), then N servers, P at a time.
  const flavor = (await collect(admin.compute.flavors.list())).find((f) => f.name === flavorName);
  if (!flavor) throw new Error(`the cluster has no flavor ${flavorName}`);
  await pool(Array.from({ length: N }, (_, i) => i), P, async (i) => {
    const s = await cloud.compute.servers.create({
      name: `${name}-${i}`,
      flavorRef: flavor.id,
      imageRef: imageId,
      networks: [{ uuid: net.id }, ...(nat ? [{ uuid: nat.id }] : [])],
      metadata: { 'xos-bench': PREFIX },
      user_data: encodeUserData(['#cloud-config', `hostname: ${name}-${i}`, 'ssh_authorized_keys:', ''].join('\n')),
    });
    made.servers.push(s.id);
  });
  // Until every server is ACTIVE: one list of the project's servers a second.
  await until('the reference servers to be ACTIVE', async () => {
    const servers = await collect(cloud.compute.servers.list());
    const failed = servers.find((s) => s.status === 'ERROR');
    if (failed) throw new Error(`reference server ${failed.name} went to ERROR: ${failed.fault?.message ?? '?'}`);
    return servers.length === N && servers.every((s) => s.status === 'ACTIVE');
  }, PHASE_MS, 1000);
  const tActive = now();
  const converge = { ...phase(rlog.between(t0, tActive), tActive - t0), milestones: milestones(rlog.between(t0, tActive), t0, tActive) };

  // Deleting it: the servers P at a time, wait until they are gone, then the network and the project.
  const d0 = now();
  await pool(made.servers, P, async (id) => {
    await cloud.compute.servers.delete(id, { ignoreMissing: true });
  });
  await until('the reference servers to be gone', async () => (await collect(cloud.compute.servers.list())).length === 0, PHASE_MS, 1000);
  const dGone = now();
  made.servers = [];
  // A port can outlive its server by a moment (409 "in use"): try again every 0.5 s.
  await until('the reference network to go', () => admin.network.networks.delete(net.id, { ignoreMissing: true }).then(() => true, (e) => (statusOf(e) === 409 ? false : Promise.reject(e))), 60_000, 500);
  made.network = undefined;
  await admin.identity.projects.delete(project.id, { ignoreMissing: true });
  made.project = undefined;
  const dEnd = now();
  const dReqs = rlog.between(d0, dEnd);
  return { converge, delete: { ...phase(dReqs, dEnd - d0), serversGoneSeconds: (dGone - d0) / 1000, milestones: deleteMilestones(dReqs, d0, dGone, dEnd) } };
}

// ---- XOS ---------------------------------------------------------------------------------------

interface XosSide {
  store: Store;
  api: Api;
  engine: Engine;
  xlog: RequestLog;
  outcomes: { at: number; model: string; id: number; action: string; kind: string; ms: number }[];
  engineErrors: string[];
}

async function startXos(): Promise<XosSide> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-bench-sync-'));
  onCleanup(`remove ${dataDir}`, () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = { XOS_DATA_DIR: dataDir, XOS_SECURITY_SECRET_KEY: crypto.randomBytes(32).toString('hex'), XOS_API_LOG_LEVEL: 'silent' };
  if (BACKEND === 'postgres') env.XOS_DB_URL = await throwawayPgDatabase();
  const config = loadConfig({ env });
  const store = await openStore(config);
  onCleanup(`close the ${BACKEND} store`, () => store.close());
  // Every fresh XOS numbers its first controller and image 1, and the Glance reconciler derives
  // the image id from those numbers alone: two XOS databases on one cluster (tests, this bench)
  // would adopt, and later delete, each other's image. Start the numbers somewhere unused.
  const base = 100_000 + crypto.randomInt(800_000);
  for (const t of ['controllers', 'images', 'controller_images'])
    await dbOf(store).query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), $1)`, [base]);
  await ensureFirstAdmin(store, { XOS_ADMIN_EMAIL: ADMIN.email, XOS_ADMIN_PASSWORD: ADMIN.password });
  const app: FastifyInstance = await buildServer({ store, config, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  onCleanup('close the HTTP server', () => app.close());
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('the server has no TCP address');
  const basic = new Api(`http://127.0.0.1:${addr.port}`, `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64')}`);
  const { token } = await basic.call<{ token: string }>('POST', '/api/auth/tokens', { name: 'benchmark' });
  const api = basic.withToken(token);

  const xlog = new RequestLog();
  const outcomes: XosSide['outcomes'] = [];
  const engineErrors: string[] = [];
  // As xos serve runs it (tick, backoff, resync at their defaults), with perController = P.
  const engine = new Engine(store, synchronizerFor(openstackBackend({ onRequest: xlog.record, timeoutMs: CALL_TIMEOUT_MS })), {
    perController: P,
    log: (msg, extra) => {
      const m = /^(\w+) (\d+) (reconcile|remove): (\w+)$/.exec(msg);
      if (m) outcomes.push({ at: now(), model: m[1], id: Number(m[2]), action: m[3], kind: m[4], ms: Number(extra?.ms ?? 0) });
      else engineErrors.push(msg);
      if (m && m[4] === 'error' && engineErrors.length < 50) engineErrors.push(`${msg}: ${String(extra?.message ?? '')}`);
    },
  });
  await engine.start();
  onCleanup('stop the engine', () => engine.stop(), 20_000);
  log(`XOS: ${BACKEND === 'pglite' ? `PGlite in ${dataDir}` : store.where}, API on ${api.base}, engine perController ${P}`);
  return { store, api, engine, xlog, outcomes, engineErrors };
}

const one = async <T = any>(x: XosSide, sqlText: string, params: unknown[] = []) => (await dbOf(x.store).query<T>(sqlText, params))[0]; // eslint-disable-line @typescript-eslint/no-explicit-any

async function syncedRow(x: XosSide, table: string, where: string, params: unknown[], what: string, ms = 120_000) {
  return until(what, async () => {
    const r = await one(x, `SELECT * FROM ${table} WHERE ${where}`, params);
    if (r?.backend_code === 2) throw new Error(`${what}: ${r.backend_status}`);
    return r?.backend_code === 1 && r.enacted != null && r;
  }, ms);
}

let imageLinkMissing = false; // see fixture()

interface Fixture {
  site: number;
  deployment: number;
  controller: number;
  image: number;
  glanceImageId: string;
  flavor: { id: number; name: string };
  adminUser: number;
  links: { controllerSite: number; controllerUser: number };
}

async function fixture(x: XosSide, l: Lab): Promise<Fixture> {
  const { api } = x;
  const me = await api.call('GET', '/api/auth/me');
  const adminUser = Number(me.id ?? me.user?.id);
  const site = (await api.call('POST', '/api/core/sites', { name: `Bench ${RUN}`, login_base: PREFIX })).id as number;
  const deployment = (await api.call('POST', '/api/core/deployments', { name: `${PREFIX}-dep` })).id as number;
  const controller = (
    await api.call('POST', '/api/core/controllers', {
      name: `${PREFIX}-lab`,
      deployment,
      auth_url: l.auth_url,
      admin_user: l.admin.username,
      admin_password: l.admin.password,
      admin_tenant: l.admin.project,
      domain: l.domain,
      region: l.region,
      backend_version: 'Zed',
    })
  ).id as number;
  await api.call('POST', '/api/core/sitedeployments', { site, deployment, controller });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xos-bench-img-')), 'tiny.img');
  onCleanup('remove the image file', () => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
  fs.writeFileSync(file, crypto.randomBytes(64 * 1024));
  const image = (await api.call('POST', '/api/core/images', { name: `${PREFIX}-tiny`, disk_format: 'raw', container_format: 'bare', path: file })).id as number;
  await api.call('POST', '/api/core/imagedeployments', { image, deployment });
  // The site's project and the slice creator's account exist before a slice's first instance in
  // any XOS that has been running a while; make them now so the timed run does slice work only.
  const controllerSite = (await api.call('POST', '/api/core/controllersites', { controller, site })).id as number;
  const controllerUser = (await api.call('POST', '/api/core/controllerusers', { controller, user: adminUser })).id as number;
  const [f] = (await api.call('GET', '/api/core/flavors?default=true')).items;
  // The flavor exists in Nova, as on a cluster its operator set up (XOS would make it at its
  // first instance, the reference script would not): made now if missing, before either is timed.
  const nova = adminClient(l);
  if (!(await collect(nova.compute.flavors.list())).some((x) => x.name === f.name)) {
    await nova.compute.flavors.create({ name: f.name, vcpus: f.vcpus, ram: f.ram_mb, disk: f.disk_gb });
    log(`made the flavor ${f.name} in Nova (the cluster had none of that name)`);
  }
  await syncedRow(x, 'controllers', 'id = $1', [controller], 'the controller check');
  // The Image's reconcile adds its ControllerImage for each ImageDeployment it finds; an
  // ImageDeployment made after that reconcile does not make the Image pending again, so the
  // upload waits for the periodic resync. Ask for the link directly when that happened.
  const settled = await until('the image to be reconciled', () => one(x, 'SELECT id FROM images WHERE id = $1 AND backend_code = 1', [image]), 60_000);
  if (settled && !(await one(x, 'SELECT id FROM controller_images WHERE image = $1', [image]))) {
    imageLinkMissing = true;
    log('note: the ImageDeployment did not lead to a ControllerImage (see README); creating it through the API');
    await api.call('POST', '/api/core/controllerimages', { controller, image });
  }
  const ci = await syncedRow(x, 'controller_images', 'image = $1', [image], 'the image upload');
  await syncedRow(x, 'controller_sites', 'id = $1', [controllerSite], 'the site project');
  await syncedRow(x, 'controller_users', 'id = $1', [controllerUser], 'the slice creator\'s Keystone user');
  return {
    site,
    deployment,
    controller,
    image,
    glanceImageId: String(ci.glance_image_id),
    flavor: { id: f.id, name: f.name },
    adminUser,
    links: { controllerSite, controllerUser },
  };
}

// The engine has nothing to do and has sent nothing for a while.
async function quiet(x: XosSide, ms = 1000) {
  await until('the engine to go quiet', async () => {
    await x.engine.idle();
    const last = x.xlog.all.at(-1);
    return !last || now() - last.end > ms;
  }, 120_000, 100);
}

interface LatencyStats {
  samples: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}
function latencyStats(values: number[]): LatencyStats {
  const s = summarize(Float64Array.from(values), 0, 1);
  return { samples: values.length, p50: s.p50, p99: s.p99, mean: s.mean, min: values.length ? Math.min(...values) : NaN, max: s.max };
}

interface SliceRun {
  slice: number;
  sliceName: string;
  posts: { id: number; sent: number; answered: number }[];
  tenant: string;
  netId: string | null;
}

// N instances POSTed back to back into a fresh slice, until every one has backend_code = 1.
async function xosConverge(x: XosSide, fx: Fixture, obs: OpenStackClient, referenceSeconds: number) {
  const { api, xlog } = x;
  const sliceName = `${PREFIX}_conv`;
  const slice = (await api.call('POST', '/api/core/slices', { name: sliceName, site: fx.site, max_instances: N })).id as number;
  // The slice's reconcile gives it its private network row; let that settle before the clock runs.
  await until('the slice\'s private network row', () => one(x, 'SELECT id FROM networks WHERE owner = $1 AND NOT deleted', [slice]), 30_000);
  await quiet(x);

  // ---- converge: N POSTs back to back, then wait for every backend_code = 1
  const outcomesFrom = x.outcomes.length;
  const posts: { id: number; sent: number; answered: number }[] = [];
  const t0 = now();
  for (let i = 0; i < N; i++) {
    const sent = now();
    const r = await api.call('POST', '/api/core/instances', { slice, deployment: fx.deployment, image: fx.image, flavor: fx.flavor.id });
    posts.push({ id: r.id, sent, answered: now() });
  }
  const tPosted = now();
  log(`XOS: ${N} instances POSTed in ${secs(tPosted - t0)}; waiting for backend_code = 1`);
  // Meanwhile, writes to instances whose servers are still building: each PATCH makes that
  // instance reconcile at once, and its first request reads its server by the recorded id.
  const underLoad: { fromAnswer: number; uuid: string; at: number }[] = [];
  let converged = false;
  const probing = (async () => {
    const picked = new Set<number>();
    for (let k = 0; underLoad.length < LOAD_WRITES && k < 10 * LOAD_WRITES && !converged; k++) {
      await sleep(1000);
      const r = await one(x, `SELECT id, instance_uuid FROM instances WHERE slice = $1 AND instance_uuid IS NOT NULL AND backend_code = 0
        AND NOT (id = ANY($2)) ORDER BY random() LIMIT 1`, [slice, [...picked]]);
      if (!r || converged) continue;
      picked.add(r.id);
      const sent = now();
      await api.call('PATCH', `/api/core/instances/${r.id}`, { name: `busy-${k}` });
      const answered = now();
      const first = await xlog.first((q) => q.url.includes(`/servers/${r.instance_uuid}`), sent, 15_000);
      if (first) underLoad.push({ fromAnswer: first.at - answered, uuid: r.instance_uuid, at: first.at });
    }
  })();
  let maxErrors = 0;
  let lastReport = now();
  const done = await until('all instances backend_code = 1', async () => {
    const r = await one(x, `SELECT count(*) FILTER (WHERE backend_code = 1)::int AS ok, count(*) FILTER (WHERE backend_code = 2)::int AS err,
      max(last_sync) AS last FROM instances WHERE slice = $1 AND NOT deleted`, [slice]);
    maxErrors = Math.max(maxErrors, r.err);
    if (now() - lastReport > 15_000) {
      lastReport = now();
      log(`  … ${secs(now() - t0)}: ${r.ok}/${N} in sync, ${r.err} in error, ${x.xlog.between(t0).length} OpenStack requests so far`);
    }
    return r.ok === N && r;
    // A loaded cluster slows both sides alike: give XOS three times what the reference needed.
  }, Math.max(360_000, 3 * referenceSeconds * 1000));
  converged = true;
  await probing;
  // The last row turned 1 when it was written (last_sync), at most one poll before we saw it.
  const tSeen = now();
  const tDone = Math.min(tSeen, epochToPerf(done.last));
  const window = xlog.between(t0, tDone);
  const cs = await one(x, 'SELECT * FROM controller_slices WHERE slice = $1', [slice]);
  // The slice's own network; its NAT access is a port on the cluster's shared nat-net, which stays.
  const cn = await one(x, `SELECT cn.* FROM controller_networks cn JOIN networks n ON n.id = cn.network
    JOIN network_templates t ON t.id = n.template WHERE n.owner = $1 AND t.name = 'Private'`, [slice]);
  // Check with the cloud: N ACTIVE servers in the slice's project.
  const servers = await collect(obs.compute.servers.list({ all_tenants: true, project_id: String(cs.tenant_id) }));
  const active = servers.filter((s: Server) => s.status === 'ACTIVE').length;
  if (active !== N) throw new Error(`XOS says all ${N} instances are in sync, but the project has ${active} ACTIVE servers of ${servers.length}`);
  // The probe writes' own reads (one per write) are not part of converging.
  const probeReads = underLoad.filter((u) => u.at <= tDone).length;
  const outcomes = x.outcomes.slice(outcomesFrom).filter((o) => o.at <= tSeen);
  const outcomeCounts: Record<string, number> = {};
  for (const o of outcomes) outcomeCounts[`${o.model} ${o.kind}`] = (outcomeCounts[`${o.model} ${o.kind}`] ?? 0) + 1;
  // When the first instance stopped waiting for its slice project and network.
  const firstInstanceDone = outcomes.find((o) => o.model === 'Instance' && o.kind !== 'waiting');
  const converge = {
    ...phase(window, tDone - t0),
    postSeconds: (tPosted - t0) / 1000,
    milestones: { ...milestones(window, t0, tDone), firstInstancePastWaiting: firstInstanceDone ? +((firstInstanceDone.at - t0) / 1000).toFixed(2) : null },
    engineOutcomes: Object.fromEntries(Object.entries(outcomeCounts).sort()),
    instancesSeenInError: maxErrors,
    writesWhileBuildingMs: latencyStats(underLoad.map((u) => u.fromAnswer)),
    probeReads,
    requestsWithoutProbes: window.length - probeReads,
    requestsUntilIdle: 0,
  };
  await quiet(x);
  converge.requestsUntilIdle = xlog.between(t0).length;
  log(`XOS: converged in ${secs(tDone - t0)} with ${window.length} OpenStack requests (${converge.requestsUntilIdle} until the engine was idle)`);
  const run: SliceRun = { slice, sliceName, posts, tenant: String(cs.tenant_id), netId: cn?.net_id ? String(cn.net_id) : null };
  return { converge, run };
}

// A page of 100 instances from XOS's API against Nova's page of 100 servers of the same project,
// on the same cluster holding them, in turns, one call at a time: plain HTTP on both sides
// (XOS: an API token; Nova: the admin's token), the whole body read.
async function againstNova(x: XosSide, l: Lab, { slice, tenant }: SliceRun) {
  await quiet(x, 300);
  const admin = adminClient(l);
  const token = await admin.authenticate();
  const nova = token.catalog.find((c) => c.type === 'compute')?.endpoints.find((e) => e.interface === 'public')?.url;
  if (!nova) throw new Error('the cluster has no public compute endpoint');
  const novaUrl = `${nova.replace(/\/$/, '')}/servers/detail?all_tenants=1&project_id=${tenant}&limit=100`;
  const xosUrl = `/api/core/instances?slice=${slice}&limit=100`;
  const timeCall = async (f: () => Promise<number>) => {
    const t = now();
    const n = await f();
    return { ms: now() - t, n };
  };
  const novaCall = () => fetch(novaUrl, { headers: { 'x-auth-token': token.value } }).then(async (r) => (await r.json()).servers.length as number);
  const xosCall = async () => (await x.api.call('GET', xosUrl)).items.length as number;
  const rounds = 20;
  const xs: number[] = [];
  const ns: number[] = [];
  await xosCall();
  await novaCall(); // warm both
  for (let i = 0; i < rounds; i++) {
    const a = await timeCall(xosCall);
    const b = await timeCall(novaCall);
    if (a.n !== Math.min(100, N) || b.n !== Math.min(100, N)) throw new Error(`a page should hold ${Math.min(100, N)} items: XOS gave ${a.n}, Nova ${b.n}`);
    xs.push(a.ms);
    ns.push(b.ms);
  }
  const X = latencyStats(xs);
  const V = latencyStats(ns);
  log(`against Nova, a page of ${Math.min(100, N)}: XOS p50 ${fmtMs(X.p50)} ms, Nova p50 ${fmtMs(V.p50)} ms: Nova/XOS ${fmtX(V.p50 / X.p50)}`);
  return { xos: X, nova: V, calls: { xos: `GET ${xosUrl}`, nova: 'GET servers/detail?all_tenants=1&project_id=<slice project>&limit=100' }, novaOverXosP50: V.p50 / X.p50, novaOverXosMean: V.mean / X.mean };
}

// Single writes with the engine idle. PATCHing an instance's name makes exactly that instance
// reconcile; its first request reads its recorded server by id (GET servers/<uuid>).
async function xosLatency(x: XosSide, { posts }: SliceRun) {
  const { api, xlog } = x;

  const lat: { fromAnswer: number; fromSend: number; toEnacted: number }[] = [];
  const picks = Array.from({ length: Math.min(WRITES, posts.length) }, (_, k) => posts[Math.floor((k * posts.length) / Math.min(WRITES, posts.length))].id);
  for (const [k, id] of picks.entries()) {
    await quiet(x, 300);
    const uuid = (await one(x, 'SELECT instance_uuid FROM instances WHERE id = $1', [id]))?.instance_uuid;
    if (!uuid) throw new Error(`instance ${id} has no recorded server after converging`);
    const path = `/servers/${uuid}`;
    const sent = now();
    await api.call('PATCH', `/api/core/instances/${id}`, { name: `renamed-${k}` });
    const answered = now();
    const first = await xlog.first((r) => r.url.includes(path), sent, 15_000);
    if (!first) throw new Error(`no OpenStack request for instance ${id} within 15 s of its PATCH`);
    const row = await until(`instance ${id} to be reconciled again`, async () => {
      const r = await one(x, 'SELECT backend_code, enacted >= updated AS ok, last_sync FROM instances WHERE id = $1', [id]);
      return r?.ok && r.backend_code === 1 && r;
    }, 30_000, 50);
    lat.push({ fromAnswer: first.at - answered, fromSend: first.at - sent, toEnacted: epochToPerf(row.last_sync) - answered });
  }
  const latency = {
    write: 'PATCH /api/core/instances/<id> {name} (the instance reconciles; first request: GET servers/<uuid>)',
    fromApiResponseMs: latencyStats(lat.map((l) => l.fromAnswer)),
    fromApiRequestMs: latencyStats(lat.map((l) => l.fromSend)),
    toInSyncMs: latencyStats(lat.map((l) => l.toEnacted)),
  };
  return latency;
}

// Does changing max_instances reach Nova? The quota is set by the slice's project link.
async function xosQuotaProbe(x: XosSide, obs: OpenStackClient, { slice, tenant }: SliceRun) {
  const { api, xlog } = x;

  await quiet(x, 300);
  const qFrom = now();
  await api.call('PATCH', `/api/core/slices/${slice}`, { max_instances: N + 1 });
  const quotaReq = await xlog.first((r) => r.url.includes(`os-quota-sets/${tenant}`), qFrom, 5_000);
  await quiet(x, 300);
  const novaQuota = (await obs.compute.getQuotaSet(tenant)).instances;
  const maxInstancesProbe = {
    requestsWithin5s: xlog.between(qFrom, qFrom + 5000).length,
    quotaRequestAfterMs: quotaReq ? +(quotaReq.at - qFrom).toFixed(1) : null,
    novaInstancesQuotaAfter: novaQuota,
    expected: N + 1,
  };
  log(`PATCH slice max_instances ${N} → ${N + 1}: ${quotaReq ? `quota call after ${fmtMs(quotaReq.at - qFrom)} ms` : 'no quota call within 5 s'}; Nova's instances quota is ${novaQuota}`);
  return maxInstancesProbe;
}

// Delete the slice: until its servers are gone, and until XOS has removed everything.
async function xosDelete(x: XosSide, obs: OpenStackClient, { slice, tenant, netId }: SliceRun) {
  const { api, xlog } = x;
  await quiet(x, 300);
  const d0 = now();
  await api.call('DELETE', `/api/core/slices/${slice}`);
  const serversGone = await until('the slice\'s servers to go', async () => {
    const left = await collect(obs.compute.servers.list({ all_tenants: true, project_id: tenant }));
    return left.length === 0 && now();
  }, PHASE_MS, 500);
  await until('the slice to be purged', async () => !(await one(x, 'SELECT id FROM slices WHERE id = $1', [slice])), PHASE_MS, 250);
  const dEnd = now();
  const projectLeft = await obs.identity.projects.get(tenant).then(() => true, (e) => (statusOf(e) === 404 ? false : Promise.reject(e)));
  const networkLeft = netId ? await obs.network.networks.get(netId).then(() => true, (e) => (statusOf(e) === 404 ? false : Promise.reject(e))) : false;
  if (projectLeft || networkLeft) throw new Error(`the slice row is purged but its ${projectLeft ? 'project' : 'network'} is still in the cluster`);
  const dReqs = xlog.between(d0, dEnd);
  const del = {
    ...phase(dReqs, dEnd - d0),
    serversGoneSeconds: (serversGone - d0) / 1000,
    // done: the slice row purged (XOS purges a row only after the rows that refer to it)
    milestones: deleteMilestones(dReqs, d0, serversGone, dEnd),
    engineOutcomes: {} as Record<string, number>,
  };
  for (const o of x.outcomes.filter((o) => o.at >= d0 && o.at <= dEnd)) del.engineOutcomes[`${o.model} ${o.action} ${o.kind}`] = (del.engineOutcomes[`${o.model} ${o.action} ${o.kind}`] ?? 0) + 1;
  log(`XOS: slice deleted, servers gone after ${secs(serversGone - d0)}, everything after ${secs(dEnd - d0)}`);
  return del;
}

// What the fixture made in the cluster goes through XOS too; the sweep below catches the rest.
async function removeFixture(x: XosSide, fx: Fixture) {
  const { api } = x;
  await api.call('DELETE', `/api/core/images/${fx.image}`).catch((e) => log(`delete image: ${(e as Error).message}`));
  await api.call('DELETE', `/api/core/controllersites/${fx.links.controllerSite}`).catch((e) => log(`delete site project: ${(e as Error).message}`));
  await api.call('DELETE', `/api/core/controllerusers/${fx.links.controllerUser}`).catch((e) => log(`delete Keystone user: ${(e as Error).message}`));
  await until('the fixture\'s cloud objects to be removed', async () => {
    const r = await one(x, `SELECT (SELECT count(*) FROM controller_images WHERE image = $1)::int + (SELECT count(*) FROM controller_sites WHERE id = $2)::int
      + (SELECT count(*) FROM controller_users WHERE id = $3)::int AS n`, [fx.image, fx.links.controllerSite, fx.links.controllerUser]);
    return r.n === 0;
  }, 60_000, 500).catch((e) => log(`${(e as Error).message}; the sweep removes the rest`));
}

// Everything in the cluster named after this run: deleted, then looked for again.
async function sweep(l: Lab, prefix = PREFIX): Promise<{ removed: string[]; left: string[] }> {
  const c = adminClient(l);
  const mine = (name?: string | null) => !!name && name.startsWith(prefix);
  const removed: string[] = [];
  const servers = (await collect(c.compute.servers.list({ all_tenants: true, name: `^${prefix}` }))).filter((s) => mine(s.name));
  for (const s of servers) {
    await c.compute.servers.delete(s.id, { ignoreMissing: true });
    removed.push(`server ${s.name}`);
  }
  if (servers.length)
    await until('leftover servers to go', async () => (await collect(c.compute.servers.list({ all_tenants: true, name: `^${prefix}` }))).filter((s) => mine(s.name)).length === 0, 120_000, 1000, true);
  for (const n of (await collect(c.network.networks.list())).filter((n) => mine(n.name))) {
    await until(`network ${n.name} to be deletable`, () => c.network.networks.delete(n.id, { ignoreMissing: true }).then(() => true, (e) => (statusOf(e) === 409 ? false : Promise.reject(e))), 60_000, 1000, true);
    removed.push(`network ${n.name}`);
  }
  for (const p of (await collect(c.identity.projects.list())).filter((p) => mine(p.name))) {
    await c.identity.projects.delete(p.id, { ignoreMissing: true });
    removed.push(`project ${p.name}`);
  }
  for (const u of (await collect(c.identity.users.list())).filter((u) => mine(u.name))) {
    await c.identity.users.delete(u.id, { ignoreMissing: true });
    removed.push(`user ${u.name}`);
  }
  for (const i of (await collect(c.image.list())).filter((i) => mine(i.name))) {
    await c.image.delete(i.id, { ignoreMissing: true }).catch(ignore404);
    removed.push(`image ${i.name}`);
  }
  const left = [
    ...(await collect(c.compute.servers.list({ all_tenants: true }))).filter((s) => mine(s.name)).map((s) => `server ${s.name}`),
    ...(await collect(c.network.networks.list())).filter((n) => mine(n.name)).map((n) => `network ${n.name}`),
    ...(await collect(c.network.ports.list())).filter((p) => mine(p.name)).map((p) => `port ${p.name}`),
    ...(await collect(c.identity.projects.list())).filter((p) => mine(p.name)).map((p) => `project ${p.name}`),
    ...(await collect(c.identity.users.list())).filter((u) => mine(u.name)).map((u) => `user ${u.name}`),
    ...(await collect(c.image.list())).filter((i) => mine(i.name)).map((i) => `image ${i.name}`),
  ];
  return { removed, left };
}

// ---- report -----------------------------------------------------------------------------------

function gitState(): { commit: string | null; uncommittedChanges: boolean | null } {
  const git = (...a: string[]) => execFileSync('git', a, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedChanges: git('status', '--porcelain', '--', 'src', 'migrations') !== '' };
  } catch {
    return { commit: null, uncommittedChanges: null };
  }
}

function table(rows: [string, string, string, string][]): string {
  const head: [string, string, string, string] = ['', 'reference', 'XOS', 'XOS/reference'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function callsTable(ref: Record<string, number>, xos: Record<string, number>, n: number): string {
  const keys = [...new Set([...Object.keys(xos), ...Object.keys(ref)])].sort((a, b) => (xos[b] ?? 0) - (xos[a] ?? 0) || (ref[b] ?? 0) - (ref[a] ?? 0));
  const rows = keys.map((k) => [k, String(ref[k] ?? 0), String(xos[k] ?? 0), ((xos[k] ?? 0) / n).toFixed(2)]);
  const head = ['call', 'reference', 'XOS', 'XOS per instance'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

type Converge = Awaited<ReturnType<typeof xosConverge>>['converge'];
// What a run found; a run cut short (deadline, failure) reports what it got that far.
interface Result {
  reference?: RefResult;
  xos: {
    converge?: Converge;
    againstNova?: Awaited<ReturnType<typeof againstNova>>;
    latency?: Awaited<ReturnType<typeof xosLatency>>;
    maxInstancesProbe?: Awaited<ReturnType<typeof xosQuotaProbe>>;
    delete?: Awaited<ReturnType<typeof xosDelete>>;
  };
  engineErrors?: string[];
  error?: string;
}

function report(res: Result) {
  const r = res.reference?.converge;
  const rd = res.reference?.delete;
  const c = res.xos.converge;
  const xd = res.xos.delete;
  const cell = <T,>(v: T | undefined, f: (v: T) => string) => (v === undefined ? '–' : f(v));
  const ratio = (a?: number, b?: number) => (a === undefined || b === undefined ? '' : fmtX(a / b));
  console.log(`\nConverging ${N} instances (one fresh project, network, subnet), ${P} at a time; XOS on ${BACKEND}.${res.error ? ' INCOMPLETE: see the error below.' : ''}\n`);
  console.log(
    table([
      ['converge: first call → all ACTIVE', cell(r, (v) => secs(v.seconds * 1000)), cell(c, (v) => secs(v.seconds * 1000)), ratio(c?.seconds, r?.seconds)],
      ['OpenStack requests', cell(r, (v) => String(v.requests)), cell(c, (v) => String(v.requests)), ratio(c?.requests, r?.requests)],
      ['requests per instance', cell(r, (v) => (v.requests / N).toFixed(2)), cell(c, (v) => (v.requests / N).toFixed(2)), ''],
      ['  without the probe writes\' reads', cell(r, (v) => (v.requests / N).toFixed(2)), cell(c, (v) => (v.requestsWithoutProbes / N).toFixed(2)), ''],
      ['requests not 2xx (404s looked for, 409s, retries)', cell(r, (v) => String(v.failedRequests)), cell(c, (v) => String(v.failedRequests)), ''],
      ['delete: servers gone', cell(rd, (v) => secs(v.serversGoneSeconds * 1000)), cell(xd, (v) => secs(v.serversGoneSeconds * 1000)), ratio(xd?.serversGoneSeconds, rd?.serversGoneSeconds)],
      ['delete: everything gone', cell(rd, (v) => secs(v.seconds * 1000)), cell(xd, (v) => secs(v.seconds * 1000)), ratio(xd?.seconds, rd?.seconds)],
      ['delete: requests', cell(rd, (v) => String(v.requests)), cell(xd, (v) => String(v.requests)), ratio(xd?.requests, rd?.requests)],
    ]),
  );
  const lat = res.xos.latency;
  if (lat) {
    const L = lat.fromApiResponseMs;
    console.log(
      `\nAPI write → first OpenStack request, engine idle (${L.samples} × ${lat.write.split(' (')[0]}):\n` +
        `  from the API response:  p50 ${fmtMs(L.p50)} ms   p99 ${fmtMs(L.p99)} ms   (min ${fmtMs(L.min)}, max ${fmtMs(L.max)})\n` +
        `  from the API request:   p50 ${fmtMs(lat.fromApiRequestMs.p50)} ms   p99 ${fmtMs(lat.fromApiRequestMs.p99)} ms\n` +
        `  write → in sync again:  p50 ${fmtMs(lat.toInSyncMs.p50)} ms   p99 ${fmtMs(lat.toInSyncMs.p99)} ms`,
    );
  }
  if (c) {
    const B = c.writesWhileBuildingMs;
    console.log(`  while the ${N} builds are in flight (${B.samples} × PATCH of a building instance, from the API response): p50 ${fmtMs(B.p50)} ms   p99 ${fmtMs(B.p99)} ms   (max ${fmtMs(B.max)})`);
  }
  const an = res.xos.againstNova;
  if (an)
    console.log(
      `\nAgainst Nova: a page of ${Math.min(100, N)} (${an.xos.samples} calls each, in turns): XOS ${an.calls.xos} p50 ${fmtMs(an.xos.p50)} ms p99 ${fmtMs(an.xos.p99)} ms;` +
        ` Nova p50 ${fmtMs(an.nova.p50)} ms p99 ${fmtMs(an.nova.p99)} ms; Nova/XOS p50 ${fmtX(an.novaOverXosP50)}, mean ${fmtX(an.novaOverXosMean)}`,
    );
  const pm = res.xos.maxInstancesProbe;
  if (pm)
    console.log(
      `  PATCH slice max_instances ${N} → ${N + 1}: ${pm.quotaRequestAfterMs === null ? 'no OpenStack request' : `quota request after ${pm.quotaRequestAfterMs} ms`}` +
        ` (${pm.requestsWithin5s} requests within 5 s); Nova's instances quota afterwards: ${pm.novaInstancesQuotaAfter}`,
    );
  if (r || c) {
    console.log(`\nTimeline, seconds from the first call (reference) / the first POST (XOS):\n  ${''.padEnd(32)} reference     XOS`);
    const keys = Object.keys(r?.milestones ?? c!.milestones) as (keyof NonNullable<typeof r>['milestones'])[];
    const v = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(1));
    for (const k of keys) console.log(`  ${k.padEnd(32)} ${v(r?.milestones[k]).padStart(9)} ${v(c?.milestones[k]).padStart(7)}`);
    if (c) {
      console.log(`  ${'XOS: all POSTs answered'.padEnd(32)} ${'–'.padStart(9)} ${c.postSeconds.toFixed(1).padStart(7)}`);
      console.log(`  ${'XOS: 1st instance past waiting'.padEnd(32)} ${'–'.padStart(9)} ${v(c.milestones.firstInstancePastWaiting).padStart(7)}`);
    }
    console.log('\nOpenStack requests while converging, by call:\n');
    console.log(callsTable(r?.byCall ?? {}, c?.byCall ?? {}, N));
  }
  if (rd || xd) {
    console.log(`\nDeleting, seconds from the first call (reference) / the DELETE of the slice (XOS):\n  ${''.padEnd(32)} reference     XOS`);
    const keys = Object.keys(rd?.milestones ?? xd!.milestones) as (keyof NonNullable<typeof rd>['milestones'])[];
    const v = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(1));
    for (const k of keys) console.log(`  ${(k === 'done' ? 'done (XOS: slice row purged)' : k).padEnd(32)} ${v(rd?.milestones[k]).padStart(9)} ${v(xd?.milestones[k]).padStart(7)}`);
    console.log('\nOpenStack requests while deleting, by call:\n');
    console.log(callsTable(rd?.byCall ?? {}, xd?.byCall ?? {}, N));
  }
  if (c) console.log(`\nengine outcomes while converging: ${Object.entries(c.engineOutcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (xd) console.log(`engine outcomes while deleting: ${Object.entries(xd.engineOutcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (c?.instancesSeenInError) console.log(`note: up to ${c.instancesSeenInError} instances were in error at once while converging`);
  const errs = res.engineErrors ?? [];
  if (errs.length) console.log(`engine errors (${errs.length}${errs.length >= 50 ? '+' : ''}, first ${Math.min(5, errs.length)}):\n  ${errs.slice(0, 5).map((e) => e.slice(0, 300)).join('\n  ')}`);
}

async function main(res: Result) {
  const l = readLab();
  const loadBefore = os.loadavg()[0];
  console.log(`== sync-converge: ${N} instances, parallelism ${P}, ${WRITES} single writes; XOS on ${BACKEND}; cluster ${l.auth_url}; names ${PREFIX}…`);
  const obs = adminClient(l); // the bench's own look at the cluster; its requests are not counted
  let sweepResult: { removed: string[]; left: string[] } | null = null;
  onCleanup('sweep the cluster', async () => {
    const s = await sweep(l);
    sweepResult = s;
    if (s.removed.length) log(`sweep removed: ${s.removed.join(', ')}`);
    log(s.left.length ? `LEFT IN THE CLUSTER: ${s.left.join(', ')}` : `cluster checked: nothing named ${PREFIX}… is left`);
  }, 240_000);

  try {
    const x = await startXos();
    res.engineErrors = x.engineErrors;
    let t = now();
    const fx = await fixture(x, l);
    log(`fixture through the API (site, controller, image upload, site project, creator's account) synced in ${secs(now() - t)}`);

    log(`reference: project, network, subnet, ${N} servers ${P} at a time, until all ACTIVE…`);
    t = now();
    res.reference = await reference(l, fx.glanceImageId, fx.flavor.name);
    const ref = res.reference;
    log(`reference: all ACTIVE after ${secs(ref.converge.seconds * 1000)} (${ref.converge.requests} requests); deleted in ${secs(ref.delete.seconds * 1000)}`);

    log(`XOS: ${N} instances through the API in one slice…`);
    const { converge, run } = await xosConverge(x, fx, obs, ref.converge.seconds);
    res.xos.converge = converge;
    res.xos.againstNova = await againstNova(x, l, run);
    res.xos.latency = await xosLatency(x, run);
    res.xos.maxInstancesProbe = await xosQuotaProbe(x, obs, run);
    res.xos.delete = await xosDelete(x, obs, run);
    await removeFixture(x, fx);
  } catch (e) {
    res.error = (e as Error).stack ?? String(e);
  }
  report(res);
  if (res.error) console.error(`\nbenchmark failed: ${res.error}`);
  const busiest = Math.max(loadBefore, os.loadavg()[0]);
  if (busiest > os.cpus().length * 0.75)
    console.log(`\nnote: the machine was busy (1-minute load average up to ${busiest.toFixed(1)} on ${os.cpus().length} CPUs); the cluster shares it.`);

  await cleanUp(); // engine, server, store, database, sweep of the cluster
  const r = res.reference;
  const c = res.xos.converge;
  const xd = res.xos.delete;
  const out = {
    benchmark: 'sync-converge',
    date: new Date().toISOString(),
    complete: !res.error,
    ...gitState(),
    node: process.version,
    cpus: os.cpus().length,
    backend: BACKEND,
    cluster: l.auth_url,
    computeHosts: l.compute_hosts,
    instances: N,
    parallel: P,
    engine: { perController: P, tickMs: 1000, backoff: 'defaults (xos serve)', queuePerController: 16 },
    imageDeploymentMadeNoControllerImage: imageLinkMissing,
    ratio: {
      converge: r && c ? c.seconds / r.converge.seconds : null,
      requests: r && c ? c.requests / r.converge.requests : null,
      deleteServersGone: r && xd ? xd.serversGoneSeconds / r.delete.serversGoneSeconds : null,
      delete: r && xd ? xd.seconds / r.delete.seconds : null,
      novaOverXosPage: res.xos.againstNova?.novaOverXosP50 ?? null,
    },
    reference: r ?? null,
    xos: res.xos,
    engineErrors: (res.engineErrors ?? []).slice(0, 20),
    error: res.error ?? null,
    loadAverage: { before: loadBefore, after: os.loadavg()[0] },
    runSeconds: elapsed() / 1000,
    cleanup: sweepResult,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, 'sync-converge.json');
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  log(`figures written to ${path.relative(process.cwd(), file)}; total run time ${secs(elapsed())}`);
  if (res.error) throw new Error('incomplete run (see above)');
}

let code = 0;
try {
  if (args.sweep !== undefined) {
    if (!/^bsc[0-9a-f]{6}$/.test(args.sweep)) throw new Error('--sweep takes the prefix of one run, bsc and six hex digits');
    const s = await sweep(readLab(), args.sweep);
    console.log(`removed: ${s.removed.join(', ') || 'nothing'}\n${s.left.length ? `LEFT: ${s.left.join(', ')}` : `nothing named ${args.sweep}… is left`}`);
    if (s.left.length) code = 1;
  } else await main({ xos: {} });
} catch (e) {
  if ((e as Error).message !== 'incomplete run (see above)') console.error(`\nbenchmark failed: ${(e as Error).stack ?? e}`);
  code = 1;
} finally {
  await cleanUp();
}
process.exitCode = code;
setTimeout(() => {
  console.error('warning: handles still open after cleanup:', process.getActiveResourcesInfo().join(', '));
  process.exit(code || 1);
}, 5000).unref();
