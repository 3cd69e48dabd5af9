// Two synchronizer processes (`xos serve --roles sync`) and an API process on one PostgreSQL
// database: the work spreads over both, and no object is reconciled by both at the same time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { serve, xos, type Served } from '../helpers/xos-process.js';
import { createPgDatabase } from '../helpers/xos.js';

const PASSWORD = 'sync-procs-Passw0rd-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two sync processes on PostgreSQL', { skip: process.env.XOS_TEST_PG !== '1' && 'PostgreSQL tier off (XOS_TEST_PG=1)' }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-syncprocs-'));
  let db: { url: string; drop: () => Promise<void> };
  let api: Served;
  const syncs: { proc: ChildProcess; out: () => string }[] = [];

  before(async () => {
    db = await createPgDatabase();
    api = await serve({ XOS_DATA_DIR: path.join(tmp, 'api'), XOS_DB_URL: db.url, XOS_ADMIN_PASSWORD: PASSWORD, XOS_SERVER_ROLES: 'api' });
    for (const name of ['sync-a', 'sync-b']) {
      const proc = spawn(xos, ['serve', '--roles', 'sync'], {
        env: { ...process.env, XOS_DATA_DIR: path.join(tmp, name), XOS_DB_URL: db.url, XOS_OBSERVER_BACKOFF_DISABLED: 'true' },
      });
      let out = '';
      proc.stdout!.on('data', (d) => (out += d));
      proc.stderr!.on('data', (d) => (out += d));
      syncs.push({ proc, out: () => out });
    }
    for (const s of syncs) while (!/is running/.test(s.out())) {
      assert.equal(s.proc.exitCode, null, s.out());
      await sleep(100);
    }
  });
  after(async () => {
    for (const s of syncs) if (s.proc.exitCode === null) await new Promise((r) => (s.proc.once('exit', r), s.proc.kill('SIGTERM')));
    if (api?.proc.exitCode === null) await api.stop();
    await db?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the rows are shared out, one process at a time per row', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`admin@example.com:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await fetch(`http://127.0.0.1:${api.port}/api/core/sites`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `Site ${i}`, login_base: `s${i}` }) });
      assert.equal(r.status, 201, await r.clone().text());
      ids.push(((await r.json()) as { id: number }).id);
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const list = (await (await fetch(`http://127.0.0.1:${api.port}/api/core/sites?limit=100`, { headers: auth })).json()) as { items: { id: number; enacted: string | null; updated: string }[] };
      const behind = list.items.filter((s) => ids.includes(s.id) && (!s.enacted || s.enacted < s.updated));
      if (!behind.length) break;
      assert.ok(Date.now() < deadline, `${behind.length} sites not reconciled`);
      await sleep(500);
    }
    // Each process's reconciles of those sites, as time intervals (a log line is written at the end).
    const spans = syncs.map((s) =>
      s
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { time: number; ms?: number; msg: string })
        .map((l) => ({ m: /^Site (\d+) reconcile: /.exec(l.msg), end: l.time, start: l.time - (l.ms ?? 0) }))
        .filter((l) => l.m && ids.includes(Number(l.m[1])))
        .map((l) => ({ id: Number(l.m![1]), start: l.start, end: l.end })),
    );
    assert.ok(spans[0].length > 0 && spans[1].length > 0, `both processes worked: ${spans[0].length} and ${spans[1].length} reconciles`);
    const both = spans[0].flatMap((a) => spans[1].filter((b) => b.id === a.id && a.start < b.end && b.start < a.end).map((b) => ({ a, b })));
    assert.deepEqual(both, [], 'no site reconciled by both at once');
    const covered = new Set([...spans[0], ...spans[1]].map((s) => s.id));
    assert.equal(covered.size, ids.length, 'every site was reconciled');
  });
});
