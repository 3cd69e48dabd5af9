// A write that fails in the database for a reason nobody foresaw is a 500, and the log line for
// it must not carry what the statement carried: the drivers' errors hold its parameters, which
// for a new user include the password hash.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, backends, basic, openTestStore, type TestStore, buildTestServer } from '../helpers/xos.js';
import { ensureFirstAdmin } from '../../src/api/runtime.js';
import type { FastifyInstance } from 'fastify';
import { dbOf } from '../../src/store/inspect.js';

for (const backend of backends) {
  describe(`the log of an unexpected database error (${backend})`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    const lines: string[] = [];
    before(async () => {
      ts = await openTestStore(backend);
      await ensureFirstAdmin(ts.store, { XOS_ADMIN_EMAIL: ADMIN.email, XOS_ADMIN_PASSWORD: ADMIN.password });
      app = await buildTestServer({ store: ts.store, config: ts.config, logStream: { write: (l: string) => void lines.push(l) } });
      // The unforeseen failure: the database refuses every new user after the checks passed.
      await dbOf(ts.store).query(`CREATE FUNCTION refuse_users() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'users are refused for this test'; END $$`);
      await dbOf(ts.store).query('CREATE TRIGGER refuse_users BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_users()');
    });
    after(async () => {
      await app?.close();
      await ts?.close();
    });

    test('a failed user create is a 500 whose log has the error but neither the password nor its hash', async () => {
      const password = 'plain-Secret-4242';
      const r = await app.inject({
        method: 'POST',
        url: '/api/core/users',
        headers: { authorization: basic(ADMIN), 'content-type': 'application/json' },
        payload: JSON.stringify({ email: 'new@example.com', password, firstname: 'N', lastname: 'U', site: 1 }),
      });
      assert.equal(r.statusCode, 500, r.body);
      assert.doesNotMatch(r.body, /refused|argon2|INSERT/, 'the client learns nothing of the fault');
      const log = lines.join('');
      assert.match(log, /users are refused for this test/, 'the fault itself is logged');
      assert.match(log, /"stack":/, 'with its stack');
      assert.ok(!log.includes('$argon2'), `the password hash is in the log: ${log.slice(0, 3000)}`);
      assert.ok(!log.includes(password), 'the password is in the log');
      assert.ok(!/INSERT INTO/i.test(log), 'the statement is in the log');
    });

    test('whatever the driver, the fields of an error that quote the statement and its values are left out', async () => {
      // node-pg keeps the parameters off its errors, PGlite does not, and either may change: an
      // error shaped like the most talkative of them, thrown by the database layer itself.
      const secret = 'SECRET-in-a-parameter';
      const query = dbOf(ts.store).query;
      dbOf(ts.store).query = async (text, params) => {
        if (!text.includes('"sites"')) return query(text, params) as never;
        throw Object.assign(new Error('internal error in the executor'), {
          code: 'XX000',
          table: 'sites',
          query: `SELECT '${secret}'`,
          params: [secret],
          parameters: [secret],
          detail: `Key (name)=(${secret}) already exists.`,
          where: `unnamed portal parameter $1 = '${secret}'`,
          internalQuery: secret,
        });
      };
      lines.length = 0;
      try {
        const r = await app.inject({ method: 'GET', url: '/api/core/sites?name=x', headers: { authorization: basic(ADMIN) } });
        assert.equal(r.statusCode, 500, r.body);
      } finally {
        dbOf(ts.store).query = query;
      }
      const log = lines.join('');
      assert.match(log, /internal error in the executor/);
      assert.match(log, /"code":"XX000"/, 'the error code helps whoever reads the log');
      assert.match(log, /"table":"sites"/);
      assert.ok(!log.includes(secret), `a value of the statement is in the log: ${log}`);
    });
  });
}
