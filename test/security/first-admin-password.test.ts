// The first administrator's password, when the operator chooses it with XOS_ADMIN_PASSWORD, has
// to meet a stated rule; XOS refuses to start rather than guard everything with "changeme".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFirstAdmin } from '../../src/api/runtime.js';
import { checkPassword } from '../../src/auth/credentials.js';
import { weakPassword } from '../../src/auth/password-rule.js';
import { openTestStore } from '../helpers/xos.js';
import { freePort, xos } from '../helpers/xos-process.js';
import { dbOf } from '../../src/store/inspect.js';

const RULE = /at least 10 characters, not a commonly used password, and not the part of the email before the @/;

test('a weak XOS_ADMIN_PASSWORD is refused with the reason and the rule, and nothing is created', async () => {
  const cases: [string, string, RegExp][] = [
    ['admin@example.com', 'change-me', /has 9 characters/],
    ['admin@example.com', 'admin123456', /commonly used/],
    ['admin@example.com', '0123456789', /commonly used/],
    ['admin@example.com', 'PassWord123', /commonly used/],
    ['admin@example.com', 'zzzzzzzzzzzz', /commonly used/],
    ['operator.one@example.com', 'Operator.One', /part of the email before the @/],
  ];
  const ts = await openTestStore('pglite');
  try {
    for (const [email, password, why] of cases) {
      await assert.rejects(ensureFirstAdmin(ts.store, { XOS_ADMIN_EMAIL: email, XOS_ADMIN_PASSWORD: password }), (e: Error) => {
        assert.match(e.message, /^XOS_ADMIN_PASSWORD: /);
        assert.match(e.message, why);
        assert.match(e.message, RULE);
        return true;
      });
    }
    const [{ n }] = await dbOf(ts.store).query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    assert.equal(n, 0, 'no administrator was made with a refused password');
  } finally {
    await ts.close();
  }
});

test('a password that meets the rule is taken, and a made-up one meets it too', async () => {
  const chosen = await openTestStore('pglite');
  try {
    assert.deepEqual(await ensureFirstAdmin(chosen.store, { XOS_ADMIN_PASSWORD: 'change-me-now' }), { email: 'admin@example.com', password: null });
    assert.ok(await checkPassword(chosen.store, 'admin@example.com', 'change-me-now'));
  } finally {
    await chosen.close();
  }
  const made = await openTestStore('pglite');
  try {
    const admin = await ensureFirstAdmin(made.store, {});
    assert.equal(weakPassword(admin!.password!, admin!.email), null);
    assert.ok(await checkPassword(made.store, admin!.email, admin!.password!));
  } finally {
    await made.close();
  }
});

test('the passwords the README tells newcomers to use meet the rule', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const chosen = [...readme.matchAll(/XOS_ADMIN_PASSWORD=(\S+)/g)].map((m) => m[1]);
  const used = [...readme.matchAll(/admin@example\.com:(\S+)|--email admin@example\.com --password (\S+)/g)].map((m) => m[1] ?? m[2]);
  assert.ok(chosen.length > 0 && used.length > 0);
  for (const p of [...chosen, ...used]) assert.equal(weakPassword(p, 'admin@example.com'), null, `README password "${p}"`);
  assert.deepEqual(new Set(used), new Set(chosen), 'the examples log in with the password chosen in the quick start');
});

test('xos serve with a weak XOS_ADMIN_PASSWORD does not start, and says the rule', async () => {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xos-weak-admin-')), 'data');
  const port = await freePort();
  const proc = spawn(xos, ['serve'], {
    env: { ...process.env, XOS_CONFIG: '', XOS_DATA_DIR: dataDir, XOS_API_PORT: String(port), XOS_ADMIN_PASSWORD: 'changeme' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    proc.once('exit', resolve);
    const watch = setInterval(() => {
      if (/is listening on/.test(out)) proc.kill('SIGTERM'); // started: the test fails below
    }, 100);
    proc.once('exit', () => clearInterval(watch));
  });
  assert.doesNotMatch(out, /is listening on/);
  assert.equal(code, 1, out);
  assert.match(out, /error: XOS_ADMIN_PASSWORD: it has 8 characters/);
  assert.match(out, RULE);
  assert.ok(!fs.existsSync(path.join(dataDir, 'xos.lock')), 'the data directory is released');
});
