// The embedded database holds the password hashes and the encrypted cluster credentials (its WAL
// too), and `xos db export` writes all of it out: none of these files may be readable by anyone
// but their owner, whatever the umask of the process that wrote them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, serve, underUmask } from '../helpers/xos-process.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-modes-'));
const dataDir = path.join(tmp, 'data');
const env = { ...process.env, XOS_CONFIG: '', XOS_DATA_DIR: dataDir };
// The `xos` command with umask 000, the most permissive there is.
const xos000 = (args: string[]) => run(...underUmask('000', args), { env });

// Every file and directory under `dir` (itself included) that its group or others may use.
function openToOthers(dir: string): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.mode & 0o077) out.push(`${(st.mode & 0o777).toString(8)} ${path.relative(dir, p) || '.'}`);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return out;
}

before(async () => {
  // The first start creates the database, the key, the administrator (its password hash).
  const server = await serve({ XOS_CONFIG: '', XOS_DATA_DIR: dataDir }, { umask: '000' });
  assert.equal(await server.stop(), 0);
});

test('with umask 000, the embedded database is created readable by its owner only', () => {
  assert.ok(fs.existsSync(path.join(dataDir, 'pgdata', 'pg_wal')), 'the walk covers the database files');
  assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
  assert.deepEqual(openToOthers(dataDir), []);
});

test('a data directory left open to others is closed when XOS opens it', async () => {
  const loosen = (p: string) => {
    const st = fs.statSync(p);
    fs.chmodSync(p, st.isDirectory() ? 0o777 : 0o666);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) loosen(path.join(p, name));
  };
  loosen(dataDir);
  await xos000(['db', 'migrate']);
  assert.deepEqual(openToOthers(dataDir), []);
});

test('db export writes a file only its owner can read, new or already there', async () => {
  const fresh = path.join(tmp, 'fresh.sql');
  await xos000(['db', 'export', '-o', fresh]);
  assert.equal(fs.statSync(fresh).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(fresh, 'utf8'), /INSERT INTO "users"/);

  const existing = path.join(tmp, 'existing.sql');
  fs.writeFileSync(existing, 'old content\n');
  fs.chmodSync(existing, 0o644);
  await xos000(['db', 'export', '-o', existing]);
  assert.equal(fs.statSync(existing).mode & 0o777, 0o600);
  assert.doesNotMatch(fs.readFileSync(existing, 'utf8'), /old content/);
});
