// Shared test harness: a real XOS store (PGlite in memory, or a fresh PostgreSQL database when
// the PostgreSQL tier is on) and a server driven through Fastify's inject.
import crypto from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { ensureFirstAdmin, openStore } from '../../src/api/runtime.js';
import { buildServer, type ServerOptions } from '../../src/api/server.js';
import type { Store } from '../../src/store/repository.js';
import type { XosConfig } from '../../src/config/schema.js';
import { checkResponses, type ContractLog } from './contract.js';

export type Backend = 'pglite' | 'postgres';

// The store suite runs on every backend listed here; CI switches PostgreSQL on.
export const backends: Backend[] = ['pglite', ...(process.env.XOS_TEST_PG === '1' ? (['postgres'] as const) : [])];

export const PG_ADMIN_URL = process.env.XOS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `xos_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestStore {
  store: Store;
  config: XosConfig;
  close: () => Promise<void>;
}

export async function openTestStore(backend: Backend, env: Record<string, string> = {}): Promise<TestStore> {
  const pgdb = backend === 'postgres' ? await createPgDatabase() : null;
  const config = loadConfig({
    env: {
      XOS_DATA_DIR: '/nonexistent-xos-test-dir',
      XOS_SECURITY_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
      ...(pgdb ? { XOS_DB_URL: pgdb.url } : {}),
      ...env,
    },
  });
  const store = await openStore(config, { memory: backend === 'pglite' });
  return {
    store,
    config,
    close: async () => {
      await store.close();
      await pgdb?.drop();
    },
  };
}

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

export interface TestServer extends TestStore {
  app: FastifyInstance;
  contract: ContractLog; // the responses checked against the OpenAPI document (helpers/contract.ts)
  call: (who: Who, method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;
}

export type Who = { email: string; password: string } | null;

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>;
}

export const basic = (w: { email: string; password: string }) => `Basic ${Buffer.from(`${w.email}:${w.password}`).toString('base64')}`;

// A server whose every response is checked against its OpenAPI document (helpers/contract.ts):
// what the tests use wherever they build one. Closing it fails on a response that broke the
// document and was not reported already.
export async function buildTestServer(opts: ServerOptions): Promise<FastifyInstance & { contract: ContractLog }> {
  const app = await buildServer(opts);
  const contract = checkResponses(app);
  app.addHook('onClose', async () => {
    const left = contract.violations.splice(0);
    if (left.length) throw new Error(`responses that do not match the OpenAPI document:\n${left.join('\n')}`);
  });
  return Object.assign(app, { contract });
}

// `server`: options of the server that no configuration key sets (such as the event stream's timing).
// Requests to a test server as a given user; a response that breaks the OpenAPI document fails
// the test that received it.
export function callerOf(app: FastifyInstance & { contract: ContractLog }): TestServer['call'] {
  return async (who, method, url, body, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(who ? { authorization: basic(who) } : {}),
        ...headers,
      },
    });
    let parsed: unknown = undefined;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = res.body;
    }
    // A response that breaks the document fails the test that received it, right here.
    const wrong = app.contract.violations.splice(0);
    if (wrong.length) throw new Error(`the response does not match the OpenAPI document:\n${wrong.join('\n')}`);
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
}

export async function startTestServer(
  backend: Backend = 'pglite',
  env: Record<string, string> = {},
  server: Pick<ServerOptions, 'eventsRecheckMs'> = {},
): Promise<TestServer> {
  const ts = await openTestStore(backend, env);
  await ensureFirstAdmin(ts.store, { XOS_ADMIN_EMAIL: ADMIN.email, XOS_ADMIN_PASSWORD: ADMIN.password });
  const app = await buildTestServer({ ...server, store: ts.store, config: ts.config, logger: false });
  await app.ready(); // here, not in a test's first request: building the response check takes seconds
  const call = callerOf(app);
  return {
    ...ts,
    app,
    contract: app.contract,
    call,
    close: async () => {
      const left = app.contract.violations.splice(0);
      await app.close();
      await ts.close();
      if (left.length) throw new Error(`responses that do not match the OpenAPI document:\n${left.join('\n')}`);
    },
  };
}
