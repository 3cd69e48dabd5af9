// The operator tools' costs, in one run (see bench/README.md):
//  1. the collectors' cost per cluster per poll against the real test cluster: HTTP requests and
//     milliseconds, per collector and in all;
//  2. GET /metrics render time with 1 and with 50 clusters, the 49 others being a SIMULATOR: copies
//     of the real cluster's stored reports under other controller names (no cluster behind them);
//  3. `xos doctor --controller lab` (the command, a separate process, against this process's API)
//     against the same reads with Debian's `openstack` client, one command after another as an
//     operator's script runs them; rounds take turns.
// Ratios are printed against the references measured in the same run.
//
//   node scripts/build.mjs && node --import tsx bench/ops.ts [--rounds 5] [--polls 10] [--clusters 50]
//
// Needs the lab of scripts/openstack-lab ($OSLAB_DIR/cluster.json, default /tmp/xos-oslab).
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { ensureFirstAdmin, openStore } from '../src/api/runtime.js';
import { buildServer } from '../src/api/server.js';
import { model } from '../src/model/registry.js';
import { SYSTEM } from '../src/store/actor.js';
import { openstackProbe } from '../src/openstack/probe.js';
import { pollClusters } from '../src/ops/collectors.js';
import { COLLECTORS } from '../src/ops/cluster-probe.js';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    polls: { type: 'string', default: '10' },
    clusters: { type: 'string', default: '50' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const POLLS = Number(args.polls);
const CLUSTERS = Number(args.clusters);
if (args.help || !(ROUNDS >= 1 && POLLS >= 1 && CLUSTERS >= 2)) {
  console.log('usage: node --import tsx bench/ops.ts [--rounds 5] [--polls 10] [--clusters 50]');
  process.exit(args.help ? 0 : 2);
}
const LAB_DIR = process.env.OSLAB_DIR ?? '/tmp/xos-oslab';
const XOS = path.resolve('bin/xos');
const ADMIN = { email: 'admin@example.com', password: `bench-${crypto.randomBytes(8).toString('hex')}` };
// The reads of the doctor, as the openstack client does them.
const CLI_READS = [
  ['compute', 'service', 'list'],
  ['network', 'agent', 'list'],
  ['hypervisor', 'list'],
  ['resource', 'provider', 'list'],
  ['server', 'list', '--all-projects'],
  ['network', 'list', '--share'],
  ['network', 'list', '--external'],
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const lab = JSON.parse(fs.readFileSync(path.join(LAB_DIR, 'cluster.json'), 'utf8'));
  if (!fs.existsSync(XOS)) throw new Error('bin/xos is not built: run node scripts/build.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-bench-ops-'));
  const config = loadConfig({ file: null, env: { XOS_DATA_DIR: dir, XOS_SECURITY_SECRET_KEY: crypto.randomBytes(32).toString('hex') } });
  const store = await openStore(config);
  const app = await buildServer({ store, config, logger: false, probe: openstackProbe((s) => store.secret(s), { timeoutMs: 30_000 }) });
  try {
    await ensureFirstAdmin(store, { XOS_ADMIN_EMAIL: ADMIN.email, XOS_ADMIN_PASSWORD: ADMIN.password });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const basic = `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64')}`;
    const { token } = (await app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { authorization: basic }, payload: { name: 'bench' } })).json();
    const dep = await store.create(model('Deployment'), { name: 'bench-ops' }, SYSTEM);
    const controller = (name: string, authUrl: string) =>
      store.create(
        model('Controller'),
        { name, deployment: dep.id, auth_url: authUrl, admin_user: lab.admin.username, admin_password: lab.admin.password, admin_tenant: lab.admin.project, domain: lab.domain, region: lab.region, backend_version: 'Zed', no_sync: true },
        SYSTEM,
      );
    const ctl = await controller('lab', lab.auth_url);
    console.log(`bench/ops: the lab at ${lab.auth_url}; ${ROUNDS} rounds, ${POLLS} polls; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} CPUs\n`);

    // 1. The collectors' cost per poll of one cluster.
    const probe = openstackProbe((s) => store.secret(s), { timeoutMs: 30_000 });
    const first = await pollClusters(store, probe, { timeoutMs: 30_000, controllers: [ctl.id as number] });
    const bad = first.filter((r) => !r.ok);
    if (bad.length) throw new Error(`the lab's collectors fail: ${bad.map((r) => `${r.collector}: ${r.error}`).join('; ')}`);
    const polls: { wall: number; requests: number; per: Record<string, { ms: number; requests: number }> }[] = [];
    for (let i = 0; i < POLLS; i++) {
      const t0 = performance.now();
      const runs = await pollClusters(store, probe, { timeoutMs: 30_000, controllers: [ctl.id as number] });
      polls.push({ wall: performance.now() - t0, requests: runs.reduce((n, r) => n + r.requests, 0), per: Object.fromEntries(runs.map((r) => [r.collector, { ms: r.durationMs, requests: r.requests }])) });
    }
    const pollWall = median(polls.map((p) => p.wall));
    console.log('1. collectors, one cluster, one poll (collectors in parallel; the token kept between polls)');
    console.log(`   first poll (logs in): ${first.reduce((n, r) => n + r.requests, 0)} requests`);
    for (const c of COLLECTORS) console.log(`   ${c.padEnd(9)} ${String(median(polls.map((p) => p.per[c].requests))).padStart(3)} requests  ${ms(median(polls.map((p) => p.per[c].ms))).padStart(10)}`);
    console.log(`   per poll: ${median(polls.map((p) => p.requests))} requests, ${ms(pollWall)} wall (median of ${POLLS})\n`);

    // 2. /metrics with 1 cluster, then with CLUSTERS (the others simulated).
    const scrape = async () => {
      const t0 = performance.now();
      const r = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      if (r.statusCode !== 200) throw new Error(`GET /metrics: ${r.statusCode} ${r.body.slice(0, 200)}`);
      return { ms: performance.now() - t0, bytes: r.body.length, series: r.body.split('\n').filter((l) => l && !l.startsWith('#')).length };
    };
    await scrape();
    const one = [];
    for (let i = 0; i < ROUNDS * 4; i++) one.push(await scrape());
    const reports = await store.clusters.reports([ctl.id as number]);
    for (let i = 1; i < CLUSTERS; i++) {
      const sim = await controller(`sim-${String(i).padStart(3, '0')}`, `http://sim-${i}.invalid:5000/v3`);
      for (const r of reports) await store.clusters.record(sim.id as number, r.collector, { ok: true, data: r.data, durationMs: r.duration_ms, requests: r.requests });
    }
    await scrape();
    const many = [];
    for (let i = 0; i < ROUNDS * 4; i++) many.push(await scrape());
    const t1 = median(one.map((x) => x.ms));
    const tN = median(many.map((x) => x.ms));
    console.log(`2. GET /metrics (${CLUSTERS - 1} of ${CLUSTERS} clusters from the SIMULATOR: copies of the lab's stored reports)`);
    console.log(`   1 cluster:   ${ms(t1)}  ${one[0].series} series, ${(one[0].bytes / 1024).toFixed(0)} KiB`);
    console.log(`   ${CLUSTERS} clusters: ${ms(tN)}  ${many[0].series} series, ${(many[0].bytes / 1024).toFixed(0)} KiB`);
    console.log(`   ratio ${CLUSTERS} / 1: ${(tN / t1).toFixed(1)}x the time for ${(many[0].series / one[0].series).toFixed(1)}x the series; ${ms(tN / CLUSTERS)} per cluster\n`);

    // 3. `xos doctor` against the openstack client doing the same reads.
    const xosEnv = { ...process.env, XOS_URL: url, XOS_TOKEN: token, XOS_CLI_HOME: path.join(dir, 'cli') };
    const osEnv = {
      PATH: process.env.PATH!,
      HOME: dir,
      OS_AUTH_URL: lab.auth_url,
      OS_USERNAME: lab.admin.username,
      OS_PASSWORD: lab.admin.password,
      OS_PROJECT_NAME: lab.admin.project,
      OS_USER_DOMAIN_NAME: lab.domain,
      OS_PROJECT_DOMAIN_NAME: lab.domain,
      OS_REGION_NAME: lab.region,
      OS_IDENTITY_API_VERSION: '3',
      OS_INTERFACE: 'public',
    };
    const doctor = async () => {
      const t0 = performance.now();
      const r = await run(XOS, ['doctor', '--controller', 'lab', '--json'], { env: xosEnv }).catch((e) => e);
      const rep = JSON.parse(r.stdout);
      if (!rep.findings?.length) throw new Error(`xos doctor: ${r.stderr}`);
      return performance.now() - t0;
    };
    const client = async () => {
      const t0 = performance.now();
      for (const a of CLI_READS) await run('openstack', [...a, '-f', 'value'], { env: osEnv, maxBuffer: 1 << 26 });
      return performance.now() - t0;
    };
    await doctor();
    await client();
    const d: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      d.push(await doctor());
      c.push(await client());
    }
    const [dm, cm] = [median(d), median(c)];
    console.log(`3. xos doctor --controller lab (a process: start, API call, fresh reading of the cluster, every check)`);
    console.log(`   xos doctor:                  ${ms(dm)}`);
    console.log(`   openstack, ${CLI_READS.length} reads in a row: ${ms(cm)}  (${CLI_READS.map((a) => a.join(' ')).join('; ')})`);
    console.log(`   ratio openstack / xos doctor: ${(cm / dm).toFixed(1)}x; collector poll / openstack reads: ${(pollWall / cm).toFixed(3)}x`);
  } finally {
    await app.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
