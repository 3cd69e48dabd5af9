// Statements marked as keeping their plan: prepared once per PostgreSQL connection and run again
// with new values, capped, and made again when a migration changed the columns they return.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { dbOf } from '../../src/store/inspect.js';
import { PreparedNames } from '../../src/store/prepared.js';

test('names: one per text, none past the cap, a new one after a refusal', () => {
  const names = new PreparedNames(2);
  const a = names.for('SELECT 1');
  assert.ok(a);
  assert.equal(names.for('SELECT 1'), a);
  const b = names.for('SELECT 2');
  assert.ok(b && b !== a);
  assert.equal(names.for('SELECT 3'), undefined, 'past the cap a statement is planned each time');
  names.forget('SELECT 1');
  const again = names.for('SELECT 1');
  assert.ok(again && again !== a, 'a refused statement is prepared afresh under a new name');
});

for (const backend of backends)
  describe(`statements that keep their plan, on ${backend}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      await dbOf(t.store).query('CREATE TABLE prep_probe (id int PRIMARY KEY, name text)');
      await dbOf(t.store).query(`INSERT INTO prep_probe VALUES (1, 'one'), (2, 'two')`);
    });
    after(() => t.close());

    test('answer as any statement does, with new values each time', async () => {
      const db = dbOf(t.store);
      for (const [id, name] of [[1, 'one'], [2, 'two'], [1, 'one']] as const)
        assert.deepEqual(await db.query('SELECT * FROM prep_probe WHERE id = $1', [id], { reusePlan: true }), [{ id, name }]);
    });

    if (backend === 'postgres')
      test('are prepared on the connection, and only those marked', async () => {
        const marked = 'SELECT name FROM prep_probe WHERE id = $1';
        const unmarked = 'SELECT id FROM prep_probe WHERE name = $1';
        const held = await dbOf(t.store).transaction(async (tx) => {
          await tx.query(marked, [1], { reusePlan: true });
          await tx.query(unmarked, ['one']);
          return (await tx.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).map((r) => r.statement);
        });
        assert.ok(held.includes(marked), `prepared: ${JSON.stringify(held)}`);
        assert.ok(!held.includes(unmarked));
      });

    test('a column added under a prepared statement: the next call answers with it', async () => {
      const db = dbOf(t.store);
      const text = 'SELECT * FROM prep_probe WHERE id = $1';
      // Every connection of the pool prepares it before the table changes.
      await Promise.all(Array.from({ length: 12 }, () => db.query(text, [2], { reusePlan: true })));
      await db.query(`ALTER TABLE prep_probe ADD COLUMN extra int NOT NULL DEFAULT 7`);
      const rows = await Promise.all(Array.from({ length: 12 }, () => db.query(text, [2], { reusePlan: true })));
      for (const r of rows) assert.deepEqual(r, [{ id: 2, name: 'two', extra: 7 }]);
    });
  });
