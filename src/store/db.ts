// One small interface over the two databases XOS runs on: embedded PGlite (a data directory, one
// process) and PostgreSQL (a pool, any number of processes). Everything above speaks plain SQL.
import path from 'node:path';
import { fromPackageRoot } from '../config/package-root.js';
import fs from 'node:fs';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { redactUrl } from '../config/redact-url.js';
import { lockDataDir } from './lock.js';
import { isStalePlan, PreparedNames } from './prepared.js';
import { privateUmask, tightenDir, tightenTree } from './private-files.js';

export type SqlRow = Record<string, unknown>;

export interface QueryOptions {
  // The statement's best plan does not depend on its values (see prepared.ts).
  reusePlan?: boolean;
}

export interface Queryable {
  query<T = SqlRow>(text: string, params?: unknown[], o?: QueryOptions): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  readonly where: string; // for messages: the data directory or the server (without password)
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  // onResume: the listening connection was lost (at lostAt, by this process's clock) and is back;
  // notices sent meanwhile are lost
  listen(channel: string, onPayload: (payload: string) => void, onResume?: (lostAt: Date) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const CHANGES_CHANNEL = 'xos_changes';
const migrationsFolder = fromPackageRoot('migrations');

export interface OpenOptions {
  url?: string; // postgres://… selects PostgreSQL; otherwise PGlite in dataDir
  dataDir: string;
  memory?: boolean; // PGlite in memory (tests)
}

export async function openDb(opts: OpenOptions): Promise<Db> {
  const db = opts.url ? await openPostgres(opts.url) : await openPglite(opts.dataDir, opts.memory);
  return db;
}

async function openPglite(dataDir: string, memory = false): Promise<Db> {
  let release = async () => {};
  let dir = 'memory://';
  if (!memory) {
    privateUmask(); // see private-files.ts for why both this and tightenTree below
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    tightenDir(dataDir);
    release = lockDataDir(dataDir); // PGlite itself does not stop a second process; see lock.ts
    dir = path.join(dataDir, 'pgdata');
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir);
  } catch (e) {
    await release();
    throw e;
  }
  try {
    if (!memory) tightenTree(dataDir);
    await upgrading(dataDir, () => migratePglite(drizzlePglite(pglite), { migrationsFolder }));
  } catch (e) {
    await pglite.close();
    await release();
    throw e;
  }
  const q = async <T>(runner: { query: PGlite['query'] }, text: string, params?: unknown[]) =>
    (await runner.query<T>(text, params as unknown[])).rows;
  return {
    kind: 'pglite',
    where: memory ? 'memory' : dataDir,
    query: (text, params) => q(pglite, text, params),
    transaction: (fn) => pglite.transaction((tx) => fn({ query: (text, params) => q(tx, text, params) })),
    listen: async (channel, cb) => {
      const unsub = await pglite.listen(channel, cb);
      return async () => unsub();
    },
    close: async () => {
      await pglite.close();
      await release();
    },
  };
}

// drizzle reports a failed migration as "Failed query: <the whole file>"; what the operator needs
// is the database's own message (a migration that checks the data says what to fix).
async function upgrading(where: string, run: () => Promise<void>) {
  try {
    await run();
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new Error(`cannot bring the database at ${where} up to date: ${(cause ?? (e as Error)).message}`);
  }
}

async function openPostgres(url: string): Promise<Db> {
  // A database that does not answer fails a request within seconds (a 503) rather than hanging it.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // an idle client's error surfaces on the next query instead
  // A client that is checked out but between queries (inside a transaction) when the server goes
  // away emits 'error' with no one listening, which would end the process; its pending and next
  // queries fail instead, and the request that ran them gets a 503.
  pool.on('connect', (c) => c.on('error', () => {}));
  const client = await pool.connect().catch((e: Error) => {
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${e.message}`);
  });
  try {
    // Several XOS processes may start at once: one migrates, the others wait for it.
    await client.query('SELECT pg_advisory_lock(727001)');
    await upgrading(redactUrl(url), () => migratePg(drizzlePg(client), { migrationsFolder }));
  } finally {
    await client.query('SELECT pg_advisory_unlock(727001)').catch(() => {});
    client.release();
  }
  const listeners = new Set<() => Promise<void>>(); // how to stop each LISTEN
  const prepared = new PreparedNames();
  const run = async (runner: pg.Pool | pg.PoolClient, text: string, params?: unknown[], o?: QueryOptions, inTransaction = false) => {
    const name = o?.reusePlan ? prepared.for(text) : undefined;
    if (!name) return (await runner.query(text, params)).rows;
    try {
      return (await runner.query({ name, text, values: params })).rows;
    } catch (e) {
      if (!isStalePlan(e)) throw e;
      prepared.forget(text);
      // Inside a transaction the error has ended it: the caller's write fails once.
      if (inTransaction) throw e;
      return (await runner.query(text, params)).rows;
    }
  };
  return {
    kind: 'postgres',
    where: redactUrl(url),
    query: (text, params, o) => run(pool, text, params, o) as never,
    transaction: async (fn) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn({ query: (text, params, o) => run(c, text, params, o, true) as never });
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
    listen: async (channel, cb, onResume) => {
      // LISTEN needs a connection of its own that stays open; when it is lost (a restart of the
      // server) it is made again, with growing pauses, for as long as the listener is wanted.
      let closed = false;
      let current: pg.Client;
      const connect = async () => {
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
        c.on('error', () => {}); // the 'end' that follows starts the reconnection
        try {
          await c.connect();
          c.on('notification', (n) => n.channel === channel && cb(n.payload ?? ''));
          await c.query(`LISTEN ${channel}`);
        } catch (e) {
          await c.end().catch(() => {});
          throw e;
        }
        c.once('end', () => void (closed ? null : reconnect(new Date())));
        return c;
      };
      const reconnect = async (lostAt: Date) => {
        for (let pause = 250; !closed; pause = Math.min(pause * 2, 5_000)) {
          await new Promise((r) => setTimeout(r, pause));
          if (closed) return;
          try {
            current = await connect();
            onResume?.(lostAt);
            return;
          } catch {
            // still down: try again
          }
        }
      };
      current = await connect();
      const stop = async () => {
        closed = true;
        listeners.delete(stop);
        await current.end().catch(() => {});
      };
      listeners.add(stop);
      return stop;
    },
    close: async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}
