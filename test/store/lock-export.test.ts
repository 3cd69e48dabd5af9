import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDb } from '../../src/store/db.js';
import { exportSql } from '../../src/store/export.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { checkPassword } from '../../src/auth/credentials.js';
import { createPgDatabase, openTestStore } from '../helpers/xos.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/api/runtime.js';
import { dbOf } from '../../src/store/inspect.js';

const run = promisify(execFile);
const xos = path.resolve('bin/xos');

test('a second process cannot open a data directory in use, and is told which process holds it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-lock-'));
  const db = await openDb({ dataDir: dir });
  try {
    const r = await run(xos, ['db', 'migrate'], { env: { ...process.env, XOS_DATA_DIR: dir, XOS_CONFIG: '' } }).then(
      () => assert.fail('the second process should have failed'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`the data directory ${dir} is in use by another XOS process \\(pid ${process.pid}\\)`));
    await db.query('SELECT 1'); // and the first one is unharmed
  } finally {
    await db.close();
  }
  // once released, the directory opens again
  const again = await run(xos, ['db', 'migrate'], { env: { ...process.env, XOS_DATA_DIR: dir } });
  assert.match(again.stdout, /is up to date \(\d+ migrations applied\)/);
  assert.ok(!fs.existsSync(path.join(dir, 'xos.lock')), 'the lock goes with its process');
});

test('a lock left by a dead process is taken over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-stale-'));
  fs.writeFileSync(path.join(dir, 'xos.lock'), '999999');
  const db = await openDb({ dataDir: dir });
  assert.equal(fs.readFileSync(path.join(dir, 'xos.lock'), 'utf8'), String(process.pid));
  await db.close();
});

test('db export restores into PostgreSQL, and XOS runs on the result', { skip: process.env.XOS_TEST_PG !== '1' && 'PostgreSQL tier off (XOS_TEST_PG=1)' }, async () => {
  const src = await openTestStore('pglite', { XOS_SECURITY_SECRET_KEY: 'c'.repeat(64) });
  const site = await src.store.create(model('Site'), { name: "O'Brien Lab", login_base: 'obrien' }, SYSTEM);
  await src.store.create(model('User'), { email: 'u@obrien.org', firstname: 'U', lastname: 'B', site: site.id, password: 'password-123' }, SYSTEM);
  await src.store.create(model('Slice'), { name: 'obrien_web', site: site.id, description: 'quote \' and \\ backslash\nnewline' }, SYSTEM);
  const d = await src.store.create(model('Deployment'), { name: 'x' }, SYSTEM);
  await src.store.create(model('Controller'), {
    name: 'c', deployment: d.id, auth_url: 'https://keystone:5000/v3', admin_user: 'a', admin_password: 'pw', endpoint_rewrite: [{ from: '10.0.0.0/8', to: 'gw' }],
  }, SYSTEM);
  const chunks: string[] = [];
  await exportSql(dbOf(src.store), { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream);
  const counts = async (q: { query: (s: string) => Promise<unknown[]> }) =>
    Promise.all(['sites', 'users', 'slices', 'controllers', 'flavors', 'audit_log'].map(async (t) => ((await q.query(`SELECT count(*)::int AS n FROM ${t}`)) as { n: number }[])[0].n));
  const before = await counts(dbOf(src.store));
  await src.close();

  const target = await createPgDatabase();
  try {
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    await c.query(chunks.join(''));
    await c.end();
    const config = loadConfig({ env: { XOS_DB_URL: target.url, XOS_SECURITY_SECRET_KEY: 'c'.repeat(64), XOS_DATA_DIR: '/nonexistent' } });
    const store = await openStore(config); // migrations recognised as applied; seeding finds everything
    try {
      assert.deepEqual(await counts(dbOf(store)), before);
      assert.equal((await store.list(model('Slice'))).items[0].description, 'quote \' and \\ backslash\nnewline');
      assert.ok(await checkPassword(store, 'u@obrien.org', 'password-123'), 'password hashes survive');
      const ctl = (await store.list(model('Controller'))).items[0];
      assert.deepEqual(ctl.endpoint_rewrite, [{ from: '10.0.0.0/8', to: 'gw' }]);
      assert.equal(store.secret((await store.raw(model('Controller'), Number(ctl.id)))!.admin_password), 'pw');
      const next = await store.create(model('Site'), { name: 'After', login_base: 'after' }, SYSTEM);
      assert.ok(Number(next.id) > Number(site.id), 'sequences continue after the restored ids');
    } finally {
      await store.close();
    }
  } finally {
    await target.drop();
  }
});
