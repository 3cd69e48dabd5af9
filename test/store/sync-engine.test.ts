// The synchronizer engine's bookkeeping, on every backend. The reconciler here is scripted per
// row: these tests are about leases, outcomes, retries, ordering and isolation, not about a cloud.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { Engine } from '../../src/sync/engine.js';
import { SyncError, type Outcome, type Reconciler } from '../../src/sync/types.js';
import type { Row } from '../../src/model/types.js';
import { dbOf } from '../../src/store/inspect.js';

type Script = (row: Row) => Promise<Outcome>;

function siteReconciler(scripts: Map<string, Script>, calls: string[], controllers = new Map<string, number>()): Reconciler {
  return {
    model: model('Site'),
    controllerOf: async (row) => controllers.get(String(row.login_base)) ?? null,
    reconcile: async (row) => {
      calls.push(`reconcile ${row.login_base}`);
      return (scripts.get(String(row.login_base)) ?? (async () => ({ kind: 'done' })))(row);
    },
    remove: async (row) => {
      calls.push(`remove ${row.login_base}`);
      return { kind: 'done' };
    },
  };
}

const until = async (cond: () => Promise<boolean> | boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

for (const backend of backends) {
  describe(`sync engine on ${backend}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      await dbOf(t.store).query('UPDATE sites SET no_sync = true'); // the seeded site is not ours
    });
    after(() => t.close());
    const site = (login_base: string) => t.store.create(model('Site'), { name: login_base, login_base }, SYSTEM);
    const row = async (id: unknown) => (await t.store.raw(model('Site'), Number(id)))!;

    test('done records "1 - OK", enacted = the reconciled updated, and clears the lease', async () => {
      const calls: string[] = [];
      const s = await site('okay');
      const engine = new Engine(t.store, [siteReconciler(new Map([['okay', async () => ({ kind: 'done', message: 'OK' })]]), calls)]);
      await engine.scan();
      await engine.idle();
      const r = await row(s.id);
      assert.equal(r.backend_status, '1 - OK');
      assert.equal(r.backend_code, 1);
      assert.equal(new Date(r.enacted as string).getTime(), new Date(r.updated as string).getTime());
      assert.equal(r.lease_owner, null);
      assert.ok(r.last_sync);
      await engine.scan();
      await engine.idle();
      assert.deepEqual(calls, ['reconcile okay'], 'a synced row is not reconciled again');
    });

    test('a change made while reconciling keeps the row pending', async () => {
      const calls: string[] = [];
      let gate!: () => void;
      const s = await site('moving');
      let first = true;
      const scripts = new Map<string, Script>([['moving', async () => {
        if (first) {
          first = false;
          await new Promise<void>((r) => (gate = r));
        }
        return { kind: 'done' };
      }]]);
      const engine = new Engine(t.store, [siteReconciler(scripts, calls)]);
      void engine.scan();
      await until(() => calls.length === 1);
      await t.store.update(model('Site'), Number(s.id), { name: 'Moving On' }, SYSTEM);
      gate();
      await engine.idle();
      const r = await row(s.id);
      assert.ok(new Date(r.enacted as string) < new Date(r.updated as string), 'still pending');
      await engine.scan();
      await engine.idle();
      assert.equal(calls.length, 2);
      const r2 = await row(s.id);
      assert.equal(new Date(r2.enacted as string).getTime(), new Date(r2.updated as string).getTime());
    });

    test('a scan called while one is under way waits for it and looks once more', async () => {
      const calls: string[] = [];
      await site('joined');
      const sync = t.store.sync;
      const [claim, due] = [sync.claim.bind(sync), sync.due.bind(sync)];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let claims = 0;
      let looks = 0;
      sync.claim = async (...args) => {
        if (claims++ === 0) await gate; // the first look stops at its first claim
        return claim(...args);
      };
      sync.due = (...args) => (looks++, due(...args));
      const engine = new Engine(t.store, [siteReconciler(new Map(), calls)]);
      try {
        const first = engine.scan();
        await until(() => claims === 1);
        const second = engine.scan();
        const early = await Promise.race([second.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 200))]);
        assert.equal(early, 'waiting', 'the second scan ran beside the first instead of waiting for it');
        release();
        assert.equal(await second, 1, 'the row the look under way claimed');
        assert.equal(await first, 1);
        assert.equal(looks, 2, 'one more look for the caller that joined');
        await engine.idle();
        assert.deepEqual(calls, ['reconcile joined']);
      } finally {
        release();
        delete (sync as Partial<typeof sync>).claim;
        delete (sync as Partial<typeof sync>).due;
      }
    });

    test('errors back off and retry; terminal errors wait until the row changes', async () => {
      const calls: string[] = [];
      const a = await site('flaky');
      const b = await site('broken');
      const scripts = new Map<string, Script>([
        ['flaky', async () => { throw new SyncError('Keystone is unreachable', 'transient', 'req-123'); }],
        ['broken', async () => ({ kind: 'error', message: 'image format unsupported', reason: 'configuration', terminal: true })],
      ]);
      const engine = new Engine(t.store, [siteReconciler(scripts, calls)], { backoff: { baseSeconds: 30, capSeconds: 60 } });
      await engine.scan();
      await engine.idle();
      const fa = await row(a.id);
      assert.equal(fa.backend_status, '2 - Keystone is unreachable');
      assert.equal(fa.backend_code, 2);
      assert.equal(fa.backend_reason, 'transient');
      assert.equal(fa.backend_request_id, 'req-123');
      assert.equal(fa.retry_count, 1);
      const wait = (new Date(fa.next_retry as string).getTime() - Date.now()) / 1000;
      assert.ok(wait > 20 && wait <= 36, `first retry in ${wait}s (30s ± 20%)`);
      const fb = await row(b.id);
      assert.equal(fb.backend_reason, 'unrecoverable');
      assert.equal(fb.next_retry, null);
      // time passes: the transient one is due again, the terminal one is not
      await dbOf(t.store).query("UPDATE sites SET next_retry = now() - interval '1 second' WHERE id = $1", [a.id]);
      await engine.scan();
      await engine.idle();
      assert.deepEqual(calls.sort(), ['reconcile broken', 'reconcile flaky', 'reconcile flaky']);
      const fa2 = await row(a.id);
      assert.equal(fa2.retry_count, 2);
      const wait2 = (new Date(fa2.next_retry as string).getTime() - Date.now()) / 1000;
      assert.ok(wait2 > 40 && wait2 <= 60, `second retry in ${wait2}s (capped at 60)`);
      // a user fixes the terminal one: it is tried again
      await t.store.update(model('Site'), Number(b.id), { name: 'fixed' }, SYSTEM);
      await engine.scan();
      await engine.idle();
      assert.equal(calls.filter((c) => c === 'reconcile broken').length, 2);
      await dbOf(t.store).query('UPDATE sites SET no_sync = true WHERE id = ANY($1)', [[a.id, b.id]]);
    });

    test('a dependency that is not ready shows on the waiting row', async () => {
      const s = await site('waits');
      const engine = new Engine(t.store, [siteReconciler(new Map([['waits', async () => ({ kind: 'waiting', on: 'Controller 7 (cluster-a) to accept its credentials' })]]), [])]);
      await engine.scan();
      await engine.idle();
      const r = await row(s.id);
      assert.equal(r.backend_status, '0 - Waiting for Controller 7 (cluster-a) to accept its credentials');
      assert.equal(r.backend_code, 0);
      assert.equal(r.backend_reason, 'dependency');
      await dbOf(t.store).query('UPDATE sites SET no_sync = true WHERE id = $1', [s.id]);
    });

    test('a soft-deleted row is removed from the backend, then purged', async () => {
      const calls: string[] = [];
      const s = await site('gone');
      const engine = new Engine(t.store, [siteReconciler(new Map(), calls)]);
      await engine.scan();
      await engine.idle();
      await t.store.delete(model('Site'), Number(s.id), SYSTEM);
      await engine.scan();
      await engine.idle();
      assert.deepEqual(calls, ['reconcile gone', 'remove gone']);
      assert.equal(await t.store.raw(model('Site'), Number(s.id)), null);
    });

    test('a hanging cluster does not hold up another one', async () => {
      const calls: string[] = [];
      const hang = new Promise<Outcome>(() => {});
      for (const s of ['stuck1', 'stuck2', 'stuck3']) await site(s);
      const free = await site('free');
      const stuck = new Map([1, 2, 3].map((i) => [`stuck${i}`, () => hang]));
      const engine = new Engine(t.store, [siteReconciler(stuck, calls, new Map([['stuck1', 1], ['stuck2', 1], ['stuck3', 1], ['free', 2]]))], {
        perController: 1,
      });
      void engine.scan();
      await until(async () => (await row(free.id)).backend_code === 1);
      assert.ok(calls.includes('reconcile stuck1'));
      // Its one slot, and the one extra slot for a change made just now.
      assert.ok(calls.includes('reconcile stuck2'));
      assert.ok(!calls.includes('reconcile stuck3'), 'controller 1 works on one row at a time, and one fresh change beside it');
      await dbOf(t.store).query("UPDATE sites SET no_sync = true WHERE login_base LIKE 'stuck%'");
    });

    test('two engines never work on the same row', async () => {
      const calls: string[] = [];
      await dbOf(t.store).query('UPDATE sites SET no_sync = true');
      for (let i = 0; i < 20; i++) await site(`many${i}`);
      const slow: Script = async () => {
        await new Promise((r) => setTimeout(r, 5));
        return { kind: 'done' };
      };
      const scripts = new Map<string, Script>(Array.from({ length: 20 }, (_, i) => [`many${i}`, slow]));
      const e1 = new Engine(t.store, [siteReconciler(scripts, calls)], { queuePerController: 4 });
      const e2 = new Engine(t.store, [siteReconciler(scripts, calls)], { queuePerController: 4 });
      for (let round = 0; round < 10; round++) {
        await Promise.all([e1.scan(), e2.scan()]);
        await Promise.all([e1.idle(), e2.idle()]);
      }
      assert.equal(calls.length, 20);
      assert.equal(new Set(calls).size, 20, 'each row exactly once');
    });

    test("a dead worker's rows (their lease ran out) are claimed before the survivor's own due rows", async () => {
      const own = await site('claim-own');
      const orphan = await site('claim-orphan');
      const db = dbOf(t.store);
      // Its own row has been due for a minute; the orphan, due for ten seconds, was leased by a worker
      // that died, and its lease ran out a second ago.
      await db.query("UPDATE sites SET next_retry = now() - interval '1 minute' WHERE id = $1", [own.id]);
      await db.query("UPDATE sites SET next_retry = now() - interval '10 seconds', lease_owner = 'dead', lease_until = now() - interval '1 second' WHERE id = $1", [orphan.id]);
      const first = await t.store.sync.claim(model('Site'), 'survivor', 1, 5);
      assert.deepEqual(first.map((r) => r.id), [orphan.id]);
      assert.equal(first[0].lease_owner, 'survivor');
      assert.deepEqual((await t.store.sync.claim(model('Site'), 'survivor', 1, 5)).map((r) => r.id), [own.id]);
      await db.query('UPDATE sites SET no_sync = true, lease_owner = NULL, lease_until = NULL WHERE id = ANY($1)', [[own.id, orphan.id]]);
    });

    test('a reconcile that outlives its lease is not started twice, and an outcome reached under a lost lease is not written', async () => {
      const calls: string[] = [];
      const slow: Script = async () => {
        await new Promise((r) => setTimeout(r, 2500));
        return { kind: 'done', message: 'slow but done' };
      };
      const s1 = await site('outlives');
      const engine = new Engine(t.store, [siteReconciler(new Map([['outlives', slow]]), calls)], { leaseSeconds: 1, tickMs: 100 });
      await engine.start();
      try {
        // The lease (1 s) runs out twice while the reconcile runs; the heartbeat cannot save it
        // when the row is released meanwhile, as a busy database would delay it.
        await new Promise((r) => setTimeout(r, 300));
        await dbOf(t.store).query('UPDATE sites SET lease_until = now() - interval \'1 second\' WHERE id = $1', [s1.id]);
        await new Promise((r) => setTimeout(r, 500));
        await until(async () => (await row(s1.id)).backend_code === 1, 10_000);
        assert.deepEqual(calls, ['reconcile outlives'], 'reconciled once');
      } finally {
        await engine.stop();
      }
      // Another worker took the row while this one reconciled: this one's outcome is stale.
      const s2 = await site('taken');
      const taker: Script = async () => {
        await dbOf(t.store).query(`UPDATE sites SET lease_owner = 'another-worker' WHERE id = $1`, [s2.id]);
        return { kind: 'error', message: 'stale news', reason: 'transient' };
      };
      const e2 = new Engine(t.store, [siteReconciler(new Map([['taken', taker]]), [])]);
      await e2.scan();
      await e2.idle();
      const r2 = await row(s2.id);
      assert.equal(r2.backend_status, '0 - Provisioning in progress', 'the stale outcome was not written');
      assert.equal(r2.lease_owner, 'another-worker');
    });

    test('a change notice wakes a running engine within milliseconds', async () => {
      const calls: { at: number; site: string }[] = [];
      const r = siteReconciler(new Map(), []);
      const engine = new Engine(t.store, [{ ...r, reconcile: async (row) => { calls.push({ at: Date.now(), site: String(row.login_base) }); return { kind: 'done' }; } }], { tickMs: 60_000 });
      await engine.start();
      try {
        await engine.idle();
        const t0 = Date.now();
        await site('woken');
        await until(() => calls.some((c) => c.site === 'woken'));
        const latency = calls.find((c) => c.site === 'woken')!.at - t0;
        assert.ok(latency < 1000, `woke after ${latency} ms`);
      } finally {
        await engine.stop();
      }
    });
  });
}
