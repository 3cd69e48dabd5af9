// What an idle synchronizer engine asks the database: statements per second over every synced
// model with nothing to do, against the reference of one claim per synced model per tick (what a
// look model by model costs), counted in the same run. See bench/README.md.
//
//   node --import tsx bench/engine-idle.ts [--backend pglite|postgres] [--seconds 10] [--pg-url URL]
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { openStore } from '../src/api/runtime.js';
import { Engine } from '../src/sync/engine.js';
import { models } from '../src/model/registry.js';
import type { Outcome, Reconciler } from '../src/sync/types.js';
import { dbOf } from '../src/store/inspect.js';
import type { Db } from '../src/store/db.js';
import { watchStatements } from '../test/helpers/statements.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'postgres' },
    seconds: { type: 'string', default: '10' },
    'pg-url': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help || !['pglite', 'postgres'].includes(args.backend!) || !(Number(args.seconds) > 0)) {
  console.log('usage: node --import tsx bench/engine-idle.ts [--backend pglite|postgres] [--seconds 10] [--pg-url URL]');
  process.exit(args.help ? 0 : 2);
}
const SECONDS = Number(args.seconds);
const PG_ADMIN_URL = args['pg-url'] ?? process.env.XOS_BENCH_PG_URL ?? process.env.XOS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// Statements sent through the store's handle (a transaction's BEGIN and COMMIT included).
function countStatements(db: Db) {
  const c = { n: 0, claims: 0 };
  watchStatements(db, (text) => {
    c.n++;
    if (/^\s*WITH c AS \(/.test(text)) c.claims++;
  });
  return c;
}

async function main() {
  let drop = async () => {};
  const env: Record<string, string> = { XOS_DATA_DIR: '/nonexistent-xos-bench-dir', XOS_SECURITY_SECRET_KEY: crypto.randomBytes(32).toString('hex') };
  if (args.backend === 'postgres') {
    const name = `xos_bench_idle_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${name}`;
    env.XOS_DB_URL = u.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const store = await openStore(loadConfig({ env }), { memory: args.backend === 'pglite' });
  try {
    const synced = models.filter((m) => m.synced);
    const done = async (): Promise<Outcome> => ({ kind: 'done' });
    const engine = new Engine(store, synced.map((m): Reconciler => ({ model: m, reconcile: done, remove: done })));
    const c = countStatements(dbOf(store));
    await engine.start();
    // The seed's pending rows first, then nothing is left to do.
    while ((await engine.scan()) > 0) await engine.idle();
    await engine.idle();
    const before = { ...c };
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const n = c.n - before.n;
    const claims = c.claims - before.claims;
    await engine.stop();
    const perSecond = n / SECONDS;
    const reference = synced.length; // one claim per synced model per 1 s tick
    console.log(`idle engine over ${synced.length} synced models on ${args.backend}, ${SECONDS} s:`);
    console.log(`  statements per second: ${perSecond.toFixed(2)} (claims: ${claims})`);
    console.log(`  reference, one claim per synced model per tick: ${reference} per second`);
    console.log(`  ratio: ${(perSecond / reference).toFixed(3)}×`);
  } finally {
    await store.close();
    await drop();
  }
}

await main();
