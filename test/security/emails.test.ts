// An email is one address whatever its case: login lowercases it, so uniqueness must too, or a
// second account "Admin@Example.com" could lock out or stand in for admin@example.com.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { ADMIN, backends, startTestServer, type TestServer } from '../helpers/xos.js';
import { openDb } from '../../src/store/db.js';

for (const backend of backends) {
  describe(`emails are unique whatever their case (${backend})`, () => {
    let s: TestServer;
    let site: number;
    before(async () => {
      s = await startTestServer(backend);
      site = (await s.call(ADMIN, 'GET', '/api/core/sites')).body.items[0].id;
    });
    after(() => s.close());
    const user = (email: string) => s.call(ADMIN, 'POST', '/api/core/users', { email, password: 'user-password-1', firstname: 'A', lastname: 'B', site });

    test("another case of the administrator's email is refused, and the administrator still logs in", async () => {
      const r = await user('Admin@Example.COM');
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.match(r.body.detail, /^a user with email "Admin@Example\.COM" already exists \(user \d+\)$/);
      const me = await s.call({ email: 'ADMIN@example.com', password: ADMIN.password }, 'GET', '/api/auth/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.user.email, ADMIN.email);
    });

    test('renaming an email onto another case of an existing one is refused; changing the case of one\'s own is not', async () => {
      const a = await user('carol@example.org');
      assert.equal(a.status, 201);
      const b = await user('dave@example.org');
      assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${b.body.id}`, { email: 'CAROL@example.org' })).status, 409);
      assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${a.body.id}`, { email: 'Carol@Example.org' })).status, 200);
    });

    test('racing creates of one address in two cases: exactly one 201', async () => {
      for (let i = 0; i < 5; i++) {
        const results = await Promise.all([user(`Race${i}@x.example`), user(`race${i}@x.example`), user(`RACE${i}@X.EXAMPLE`)]);
        const codes = results.map((r) => r.status).sort();
        assert.deepEqual(codes, [201, 409, 409], results.map((r) => JSON.stringify(r.body)).join('\n'));
        const listed = (await s.call(ADMIN, 'GET', `/api/core/users?email__contains=${i}@x.example`)).body;
        assert.equal(listed.total, 1);
      }
    });
  });
}

describe('upgrading a database whose users differ only by case', () => {
  test('the migration stops and names the users, instead of failing without saying why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-emails-'));
    try {
      // The database as the release before case-insensitive emails left it.
      const older = path.join(dir, 'migrations');
      fs.cpSync(new URL('../../migrations', import.meta.url), older, { recursive: true });
      const journal = JSON.parse(fs.readFileSync(path.join(older, 'meta/_journal.json'), 'utf8'));
      const at = journal.entries.findIndex((e: { tag: string }) => e.tag === '0004_trust');
      assert.ok(at > 0);
      journal.entries = journal.entries.slice(0, at);
      fs.writeFileSync(path.join(older, 'meta/_journal.json'), JSON.stringify(journal));
      fs.mkdirSync(path.join(dir, 'data'));
      const pg = await PGlite.create(path.join(dir, 'data', 'pgdata'));
      await migrate(drizzle(pg), { migrationsFolder: older });
      await pg.exec(`INSERT INTO sites (name, login_base, abbreviated_name) VALUES ('S', 's', 's');
        INSERT INTO users (email, firstname, lastname, site) VALUES
          ('bob@example.com', 'B', 'B', 1), ('Bob@Example.com', 'B', 'B', 1), ('eve@example.com', 'E', 'E', 1);`);
      await pg.close();
      await assert.rejects(openDb({ dataDir: path.join(dir, 'data') }), (e: Error) => {
        assert.match(e.message, /bob@example\.com and Bob@Example\.com \(user ids 1, 2\)/);
        assert.match(e.message, /then start XOS again/);
        assert.ok(!e.message.includes('eve@'));
        return true;
      });
      // nothing changed: fixing the data lets the same database upgrade
      const again = await PGlite.create(path.join(dir, 'data', 'pgdata'));
      await again.exec(`UPDATE users SET email = 'bob2@example.com' WHERE id = 2`);
      await again.close();
      const db = await openDb({ dataDir: path.join(dir, 'data') });
      const idx = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'users' AND indexname = 'users_email_lower_key'`);
      assert.equal(idx.length, 1);
      await db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
