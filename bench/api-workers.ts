// API throughput with 1, 2 and 4 API processes (`xos serve --workers N --roles api`) on one
// PostgreSQL database: the same closed-loop load against each, ratios to one worker. The load
// runs in a worker thread of this process; the database is a throwaway one on the server the
// test suite uses. Rounds alternate between the worker counts so that a change in the machine's
// load hits them alike.
//
//   node --import tsx bench/api-workers.ts [--workers 1,2,4] [--concurrency 16] [--duration 8] [--rounds 3] [--pg-url URL]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve, type Served } from '../test/helpers/xos-process.js';
import { combine, runHttp, type Sample } from './lib/load.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    concurrency: { type: 'string', default: '16' },
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    'pg-url': { type: 'string' },
  },
});
if (args['pg-url']) process.env.XOS_TEST_PG_URL = args['pg-url'];
const { createPgDatabase } = await import('../test/helpers/xos.js');
const counts = args.workers.split(',').map(Number);
const PASSWORD = 'bench-Passw0rd-workers';
const db = await createPgDatabase();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-bench-workers-'));
const servers = new Map<number, Served>();
try {
  for (const n of counts)
    servers.set(
      n,
      await serve({
        XOS_DATA_DIR: path.join(tmp, `data-${n}`),
        XOS_DB_URL: db.url,
        XOS_ADMIN_PASSWORD: PASSWORD,
        XOS_SERVER_ROLES: 'api',
        XOS_SERVER_WORKERS: String(n),
      }),
    );
  const first = servers.get(counts[0])!;
  const basic = `Basic ${Buffer.from(`admin@example.com:${PASSWORD}`).toString('base64')}`;
  const tok = await fetch(`http://127.0.0.1:${first.port}/api/auth/tokens`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  const { token } = (await tok.json()) as { token: string };
  for (let i = 0; i < 20; i++)
    await fetch(`http://127.0.0.1:${first.port}/api/core/slices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `mysite_bench${i}`, site: 1 }),
    });
  const paths = ['/api/core/slices?limit=20', '/api/core/sites', '/api/core/slices?limit=5&sort=-id'];
  const samples = new Map<number, Sample[]>(counts.map((n) => [n, []]));
  for (let r = 0; r < Number(args.rounds); r++)
    for (const n of counts)
      samples.get(n)!.push(
        await runHttp({
          baseUrl: `http://127.0.0.1:${servers.get(n)!.port}`,
          token,
          requests: { method: 'GET', paths },
          expectStatus: 200,
          concurrency: Number(args.concurrency),
          warmupMs: 1000,
          durationMs: Number(args.duration) * 1000,
        }),
      );
  const stats = new Map(counts.map((n) => [n, combine(samples.get(n)!)]));
  const ref = stats.get(counts[0])!.rps;
  console.log(
    `\nGET ${paths.join(', ')} in turn, bearer token, ${args.concurrency} concurrent keep-alive clients, ` +
      `${args.rounds} × ${args.duration} s per worker count; PostgreSQL ${db.url.replace(/\/\/[^@]*@/, '//')}\n` +
      `${os.cpus().length} CPUs (shared with the load generator and PostgreSQL), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`,
  );
  console.log(`${'API workers'.padEnd(12)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'× 1 worker'.padStart(11)}`);
  for (const n of counts) {
    const s = stats.get(n)!;
    console.log(`${String(n).padEnd(12)} ${s.rps.toFixed(0).padStart(8)} ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)} ${`${(s.rps / ref).toFixed(2)}×`.padStart(11)}`);
  }
} finally {
  for (const s of servers.values()) await s.stop();
  await db.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
