// PostgreSQL restarted under a burst of writes, with a real `xos serve` (API and synchronizer)
// on a throwaway PostgreSQL server of its own: no XOS process exits, requests while the database
// is down get a prompt 503 problem document, every acknowledged write is there afterwards, the
// change feed comes back by itself (LISTEN made again, what it missed found by a scan) and the
// synchronizer goes on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, serve, xos, type Served } from '../helpers/xos-process.js';
import { steadyLoad } from '../helpers/steady-load.js';
import { startPgCluster, skipPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { openEvents } from '../helpers/sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSWORD = 'outage-Passw0rd-1';
const skip = process.env.XOS_TEST_PG !== '1' ? 'the PostgreSQL tier is off (XOS_TEST_PG=1)' : skipPgCluster;

describe('PostgreSQL restarted under load', { skip }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-outage-'));
  let pg: PgCluster;
  let server: Served;
  let token = '';
  let env: NodeJS.ProcessEnv;
  const api = (p: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${server.port}${p}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });

  // Every page: a burst on a fast machine writes more slices than one page holds.
  const allSlices = async () => {
    const all: { id: number; enacted: string | null; updated: string }[] = [];
    for (let url: string | null = '/api/core/slices?limit=1000'; url; ) {
      const page = (await (await api(url)).json()) as { items: typeof all; next: string | null };
      all.push(...page.items);
      const next = page.next ? new URL(page.next, 'http://127.0.0.1') : null;
      url = next && next.pathname + next.search;
    }
    return all;
  };

  before(async () => {
    pg = await startPgCluster();
    const xenv = { XOS_DATA_DIR: path.join(tmp, 'data'), XOS_DB_URL: pg.url, XOS_ADMIN_PASSWORD: PASSWORD };
    server = await serve(xenv);
    env = { ...process.env, ...xenv, XOS_API_PORT: String(server.port) };
    const res = await fetch(`http://127.0.0.1:${server.port}/api/auth/tokens`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin@example.com:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'outage' }),
    });
    token = ((await res.json()) as { token: string }).token;
  });
  after(async () => {
    if (server?.proc.exitCode === null) await server.stop();
    pg?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a restart during a write burst', async () => {
    const workersBefore = JSON.parse((await run(xos, ['status', '--json'], { env })).stdout).workers.map((w: { pid: number }) => w.pid);
    const events = await openEvents(`http://127.0.0.1:${server.port}`, { authorization: `Bearer ${token}` });
    const load = steadyLoad({ port: server.port, token, prefix: 'mysite_o', clients: 4 });
    await sleep(1500);
    pg.stop();
    const downAt = Date.now();
    // While it is down: a prompt 503 problem document, not a hang.
    const t0 = Date.now();
    const res = await api('/api/core/sites', { signal: AbortSignal.timeout(10_000) });
    const took = Date.now() - t0;
    assert.equal(res.status, 503, await res.clone().text());
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(((await res.json()) as { detail?: string; title?: string }).detail ?? '', /database is unavailable/);
    assert.ok(took < 6000, `answered in ${took} ms`);
    await sleep(2000);
    pg.start();
    const upAt = Date.now();
    await sleep(4000);
    await load.stop();

    // No XOS process exited.
    assert.equal(server.proc.exitCode, null, server.output());
    const workersAfter = JSON.parse((await run(xos, ['status', '--json'], { env })).stdout).workers.map((w: { pid: number }) => w.pid);
    assert.deepEqual(workersAfter, workersBefore, 'the same worker processes');
    // Each request was answered: done, or 503 while the database was away.
    const unanswered = load.outcomes.filter((o) => o.status === null);
    assert.deepEqual(unanswered, []);
    const other = load.outcomes.filter((o) => o.status !== 200 && o.status !== 201 && o.status !== 503);
    assert.deepEqual(other, []);
    assert.ok(load.outcomes.some((o) => o.status === 503 && o.at > downAt), 'some requests met the outage');
    assert.ok(load.outcomes.some((o) => (o.status === 200 || o.status === 201) && o.at > upAt + 1000), 'and later ones were served again');
    // Every acknowledged write is there.
    const made = load.outcomes.filter((o) => o.kind === 'write' && o.status === 201).map((o) => o.id!);
    const have = new Set((await allSlices()).map((s) => s.id));
    assert.ok(made.length > 0);
    assert.deepEqual(made.filter((id) => !have.has(id)), []);

    // The event stream opened before the outage stayed open through it, and told of every
    // acknowledged write: before the outage, and after it, those whose notice went out while the
    // process's LISTEN was being made again included (found by the scan when it is back).
    try {
      const told = () => new Set(events.events.filter((e) => e.model === 'Slice').map((e) => e.id));
      await events.waitFor(() => made.every((id) => told().has(id)), 10_000);
      assert.equal(events.ended(), false, 'the stream stayed open');
      const missing = made.filter((id) => !told().has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${made.length} acknowledged writes never reached the stream`);
    } finally {
      await events.close();
    }

    // The change feed is back: a new stream (the process's one LISTEN) sees a write at once.
    const again = await openEvents(`http://127.0.0.1:${server.port}`, { authorization: `Bearer ${token}` });
    try {
      const r = await api('/api/core/slices', { method: 'POST', body: JSON.stringify({ name: 'mysite_after', site: 1 }) });
      assert.equal(r.status, 201);
      const id = ((await r.json()) as { id: number }).id;
      assert.ok(await again.waitFor((es) => es.some((e) => e.model === 'Slice' && e.id === id), 3000), 'the notice arrives');
    } finally {
      await again.close();
    }
    // And the synchronizer went on: every slice acknowledged, before, during and after, is in sync.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const behind = (await allSlices()).filter((s) => !s.enacted || s.enacted < s.updated);
      if (!behind.length) break;
      assert.ok(Date.now() < deadline, `${behind.length} slices not reconciled: ${behind.slice(0, 5).map((s) => s.id)}`);
      await sleep(500);
    }
  });
});
