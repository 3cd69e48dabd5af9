// Backups both ways: the embedded database exported and restored into PostgreSQL (psql's way),
// then PostgreSQL exported and imported into a new embedded database (`xos db import`), with
// every row, password hash, encrypted credential and sequence intact at each step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPgDatabase, openTestStore } from '../helpers/xos.js';
import { exportSql } from '../../src/store/export.js';
import { importSqlToEmbedded } from '../../src/store/import.js';
import { dbOf } from '../../src/store/inspect.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/api/runtime.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM, type Store } from '../../src/store/repository.js';
import { checkPassword } from '../../src/auth/credentials.js';

const KEY = 'd'.repeat(64);
const exportOf = async (store: Store) => {
  const chunks: string[] = [];
  await exportSql(dbOf(store), { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream);
  return chunks.join('');
};
const counts = (store: Store) =>
  Promise.all(
    ['sites', 'users', 'slices', 'controllers', 'flavors', 'audit_log'].map(
      async (t) => ((await dbOf(store).query(`SELECT count(*)::int AS n FROM ${t}`)) as { n: number }[])[0].n,
    ),
  );

test('embedded → PostgreSQL → embedded keeps everything', { skip: process.env.XOS_TEST_PG !== '1' && 'PostgreSQL tier off (XOS_TEST_PG=1)' }, async () => {
  const src = await openTestStore('pglite', { XOS_SECURITY_SECRET_KEY: KEY });
  const site = await src.store.create(model('Site'), { name: 'Round Trip', login_base: 'rt' }, SYSTEM);
  await src.store.create(model('User'), { email: 'u@rt.org', firstname: 'U', lastname: 'R', site: site.id, password: 'password-123' }, SYSTEM);
  await src.store.create(model('Slice'), { name: 'rt_web', site: site.id, description: "it's \\ here\nand here" }, SYSTEM);
  const d = await src.store.create(model('Deployment'), { name: 'x' }, SYSTEM);
  await src.store.create(model('Controller'), { name: 'c', deployment: d.id, auth_url: 'https://keystone:5000/v3', admin_user: 'a', admin_password: 'pw' }, SYSTEM);
  const before = await counts(src.store);
  const first = await exportOf(src.store);
  await src.close();

  const target = await createPgDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-import-'));
  try {
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    await c.query(first);
    await c.end();
    const onPg = await openStore(loadConfig({ env: { XOS_DB_URL: target.url, XOS_SECURITY_SECRET_KEY: KEY, XOS_DATA_DIR: '/nonexistent' } }));
    let second: string;
    try {
      assert.deepEqual(await counts(onPg), before);
      await onPg.create(model('Site'), { name: 'Made On PostgreSQL', login_base: 'onpg' }, SYSTEM);
      second = await exportOf(onPg);
    } finally {
      await onPg.close();
    }

    await importSqlToEmbedded(dir, second);
    await assert.rejects(importSqlToEmbedded(dir, second), /already holds a database: import into a new data directory/);
    const back = await openStore(loadConfig({ env: { XOS_SECURITY_SECRET_KEY: KEY, XOS_DATA_DIR: dir } }));
    try {
      const now = await counts(back);
      assert.equal(now[0], before[0] + 1, 'the site made on PostgreSQL came back');
      assert.deepEqual(now.slice(1, 5), before.slice(1, 5));
      assert.ok(now[5] > before[5], 'the audit log too');
      assert.equal((await back.list(model('Slice'))).items[0].description, "it's \\ here\nand here");
      assert.ok(await checkPassword(back, 'u@rt.org', 'password-123'), 'password hashes survive');
      const ctl = (await back.list(model('Controller'))).items[0];
      assert.equal(back.secret((await back.raw(model('Controller'), Number(ctl.id)))!.admin_password), 'pw');
      const next = await back.create(model('Site'), { name: 'After', login_base: 'after' }, SYSTEM);
      assert.ok(Number(next.id) > Number(site.id) + 1, 'sequences continue after the restored ids');
    } finally {
      await back.close();
    }
  } finally {
    await target.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an import refuses a file that is not an export, and keeps nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-import-bad-'));
  await assert.rejects(importSqlToEmbedded(dir, 'DROP TABLE x;'), /not an XOS database export/);
  await assert.rejects(importSqlToEmbedded(dir, '-- XOS database export.\nSELECT * FROM nowhere;'), /the import failed, nothing was kept/);
  assert.ok(!fs.existsSync(path.join(dir, 'pgdata')));
  fs.rmSync(dir, { recursive: true, force: true });
});
