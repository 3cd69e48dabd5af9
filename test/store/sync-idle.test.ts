// What the engine asks the database when there is nothing to do, how fast a row waiting on
// another row goes on once that row is ready, and a person's change going before the engine's
// own background work, and a change made just now going before older ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { model, models } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { Engine } from '../../src/sync/engine.js';
import { notReady } from '../../src/sync/placement.js';
import type { Outcome, Reconciler } from '../../src/sync/types.js';
import type { Row } from '../../src/model/types.js';
import type { Rows } from '../../src/model/rows.js';
import { dbOf } from '../../src/store/inspect.js';
import type { Db } from '../../src/store/db.js';
import { watchStatements } from '../helpers/statements.js';

const until = async (cond: () => Promise<boolean> | boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

// Counts every statement sent through the store's handle (BEGIN and COMMIT too) while `on` is true.
function counter(db: Db) {
  const c = { on: false, n: 0, seen: [] as string[] };
  watchStatements(db, (text) => {
    if (!c.on) return;
    c.n++;
    c.seen.push(text.replace(/\s+/g, ' ').slice(0, 100));
  });
  return c;
}

const done = async (): Promise<Outcome> => ({ kind: 'done' });

for (const backend of backends) {
  describe(`sync engine at rest on ${backend}`, () => {
    let t: TestStore;
    let count: ReturnType<typeof counter>;
    before(async () => {
      t = await openTestStore(backend);
      count = counter(dbOf(t.store));
    });
    after(() => t.close());

    test('an idle engine over every synced model asks the database at most once a second', async () => {
      const synced = models.filter((m) => m.synced);
      assert.ok(synced.length > 10);
      const engine = new Engine(t.store, synced.map((m): Reconciler => ({ model: m, reconcile: done, remove: done })));
      await engine.start();
      try {
        // Whatever the seed left pending is synced first.
        await until(async () => (await engine.scan()) === 0);
        await engine.idle();
        count.n = 0;
        count.seen = [];
        count.on = true;
        await new Promise((r) => setTimeout(r, 3200));
        count.on = false;
        assert.ok(count.n <= 4, `${count.n} statements in 3.2 idle seconds over ${synced.length} synced models:\n${count.seen.join('\n')}`);
        assert.ok(count.n >= 2, 'the engine still looks every second');
      } finally {
        await engine.stop();
      }
    });

    test('a row waiting on another row goes on as soon as that row is ready, not after its backoff', async () => {
      await dbOf(t.store).query('UPDATE sites SET no_sync = true');
      const s = await t.store.create(model('Site'), { name: 'waited-on', login_base: 'waitedon' }, SYSTEM);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const sliceCalls: string[] = [];
      const engine = new Engine(t.store, [
        {
          model: model('Site'),
          reconcile: async () => {
            await gate;
            return { kind: 'done' };
          },
          remove: done,
        },
        {
          model: model('Slice'),
          reconcile: async (row: Row, ctx) => {
            const site = (await ctx.get('Site', Number(row.site))) as Rows['Site'];
            const wait = notReady(site, `site ${site.name}`);
            sliceCalls.push(wait ? 'waiting' : 'done');
            return wait ?? { kind: 'done' };
          },
          remove: done,
        },
      ]);
      await dbOf(t.store).query('UPDATE slices SET no_sync = true');
      const slice = await t.store.create(model('Slice'), { name: 'waitedon_s', site: s.id }, SYSTEM);
      // Its backoff, were it not woken, would be the longest a waiting row gets.
      await dbOf(t.store).query('UPDATE slices SET retry_count = 10 WHERE id = $1', [slice.id]);
      await engine.start();
      try {
        // The reconcile has returned and its outcome is written (the call is counted before that).
        await until(async () => sliceCalls.length === 1 && (await t.store.raw(model('Slice'), Number(slice.id)))!.backend_reason !== null, 20_000);
        const waiting = (await t.store.raw(model('Slice'), Number(slice.id)))!;
        assert.equal(waiting.backend_reason, 'dependency');
        const due = (new Date(waiting.next_retry as string).getTime() - Date.now()) / 1000;
        assert.ok(due > 20, `its backoff is ${due} s`);
        release();
        // Well inside the backoff of at least 24 s it would otherwise wait (30 s ± 20 %).
        await until(async () => (await t.store.raw(model('Slice'), Number(slice.id)))!.backend_code === 1, 15_000);
        assert.deepEqual(sliceCalls, ['waiting', 'done']);
      } finally {
        release();
        await engine.stop();
        await dbOf(t.store).query('UPDATE slices SET no_sync = true');
      }
    });

    // An engine with one worker slot for every site, whose reconciles of sites named <held>… wait
    // until release() is called: the slot stays busy meanwhile.
    const oneSlotEngine = async (held: string) => {
      await dbOf(t.store).query('UPDATE sites SET no_sync = true');
      const calls: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const engine = new Engine(
        t.store,
        [
          {
            model: model('Site'),
            controllerOf: async () => 1, // one lane for all
            reconcile: async (row) => {
              calls.push(String(row.login_base));
              if (String(row.login_base).startsWith(held)) await gate;
              return { kind: 'done' };
            },
            remove: done,
          },
        ],
        { perController: 1 },
      );
      return { calls, release: () => release(), engine };
    };

    test("a person's change starts at once while every worker slot is busy with background work", async () => {
      const { calls, release, engine } = await oneSlotEngine('bg');
      // Two rows the engine looks at again on its own: their retry time has come.
      const bg = [];
      for (const b of ['bg1', 'bg2']) bg.push((await t.store.create(model('Site'), { name: b, login_base: b }, SYSTEM)).id);
      await dbOf(t.store).query(`UPDATE sites SET next_retry = now() - interval '1 second' WHERE id = ANY($1)`, [bg]);
      await engine.start();
      try {
        await until(() => calls.length === 1, 20_000);
        await t.store.create(model('Site'), { name: 'urgent', login_base: 'urgent' }, SYSTEM);
        await until(() => calls.includes('urgent'), 20_000);
        assert.deepEqual(calls, ['bg1', 'urgent'], 'the change went before the queued background row, while the slot was still busy');
      } finally {
        release();
        await engine.stop();
        await dbOf(t.store).query('UPDATE sites SET no_sync = true');
      }
    });

    test('a change made just now starts at once while every worker slot is busy with older changes, and before them', async () => {
      const { calls, release, engine } = await oneSlotEngine('old');
      // Three changes made a while ago (a burst of creates still being worked through): people's
      // changes too, but no longer fresh.
      const old = [];
      for (const b of ['old1', 'old2', 'old3']) old.push((await t.store.create(model('Site'), { name: b, login_base: b }, SYSTEM)).id);
      await dbOf(t.store).query(`UPDATE sites SET updated = now() - interval '30 seconds' WHERE id = ANY($1)`, [old]);
      await engine.start();
      try {
        await until(() => calls.length === 1, 20_000);
        await t.store.create(model('Site'), { name: 'fresh', login_base: 'fresh' }, SYSTEM);
        await until(() => calls.includes('fresh'), 20_000);
        assert.deepEqual(calls, ['old1', 'fresh'], 'the fresh change started beside the busy slot, before the queued older changes');
      } finally {
        release();
        await engine.stop();
        await dbOf(t.store).query('UPDATE sites SET no_sync = true');
      }
    });
  });
}
