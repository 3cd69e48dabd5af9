// A change reaches the rows that carry it to the clusters, on every backend: changing a synced
// object makes its link rows pending (a Slice's max_instances reaches each ControllerSlice), and
// a row that is part of a synced object's desired state (ModelDef.includes: an ImageDeployment
// of an Image) makes that object pending when it comes, changes or goes. The reconcilers are
// scripted, except the Image's own (its policy adds a ControllerImage per enabled deployment).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { Engine } from '../../src/sync/engine.js';
import type { Outcome, Reconciler } from '../../src/sync/types.js';
import type { ModelName } from '../../src/model/rows.js';
import type { Row } from '../../src/model/types.js';
import { aggregateReconcilers } from '../../src/sync/aggregates.js';
import { dbOf } from '../../src/store/inspect.js';

type Call = { controller: number; value: unknown };

// A link reconciler that records what it saw of its parent and then does what `outcome` says.
function linkReconciler(name: string, parent: ModelName, field: string, seen: (row: Row, parentRow: Row | null) => unknown, calls: Call[], outcome = async (): Promise<Outcome> => ({ kind: 'done' })): Reconciler {
  return {
    model: model(name),
    controllerOf: async (row) => Number(row.controller),
    reconcile: async (row, ctx) => {
      calls.push({ controller: Number(row.controller), value: seen(row, await ctx.get(parent, Number(row[field]))) });
      return outcome();
    },
    remove: async () => ({ kind: 'done' }),
  };
}

// Scans until nothing more is pending for these reconcilers (the engine is not started, so its
// own wake-ups are off: each round is one look).
async function settle(engine: Engine, rounds = 10) {
  for (let i = 0; i < rounds; i++) {
    const n = await engine.scan();
    await engine.idle();
    if (n === 0) return i;
  }
  throw new Error(`still claiming rows after ${rounds} rounds`);
}

const pending = (r: Row) => r.enacted == null || new Date(r.enacted as string) < new Date(r.updated as string);

for (const backend of backends) {
  describe(`changes reach the link rows on ${backend}`, () => {
    let t: TestStore;
    const ids: Record<string, number> = {};
    const create = async (name: string, values: Row) => Number((await t.store.create(model(name), values, SYSTEM)).id);
    const raw = async (name: string, id: number) => (await t.store.raw(model(name), id))!;

    before(async () => {
      t = await openTestStore(backend);
      ids.dep = await create('Deployment', { name: 'dep-prop' });
      ids.c1 = await create('Controller', { name: 'c1', deployment: ids.dep, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'pw' });
      ids.c2 = await create('Controller', { name: 'c2', deployment: ids.dep, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'pw' });
      ids.site = await create('Site', { name: 'Prop', login_base: 'prop' });
      ids.slice = await create('Slice', { name: 'prop_web', site: ids.site, max_instances: 10 });
      ids.cs1 = await create('ControllerSlice', { controller: ids.c1, slice: ids.slice });
      ids.cs2 = await create('ControllerSlice', { controller: ids.c2, slice: ids.slice });
    });
    after(() => t.close());

    test("changing a slice's max_instances reconciles its ControllerSlices with the new value, once", async () => {
      const calls: Call[] = [];
      const engine = new Engine(t.store, [linkReconciler('ControllerSlice', 'Slice', 'slice', (_r, s) => s?.max_instances, calls)]);
      await settle(engine);
      assert.deepEqual(calls.map((c) => c.value), [10, 10]);
      assert.ok(!pending(await raw('ControllerSlice', ids.cs1)));

      const before = await raw('ControllerSlice', ids.cs1);
      await t.store.update(model('Slice'), ids.slice, { max_instances: 3 }, SYSTEM);
      const after = await raw('ControllerSlice', ids.cs1);
      assert.ok(pending(after), 'the link row is pending');
      assert.equal(Number(after.version), Number(before.version) + 1);
      assert.equal(new Date(after.updated as string).getTime(), new Date((await raw('Slice', ids.slice)).updated as string).getTime());
      assert.equal(after.backend_code, 1, 'it still counts as ready for what depends on it (instances keep going)');
      calls.length = 0;
      await settle(engine);
      assert.deepEqual(calls.map((c) => [c.controller, c.value]).sort(), [[ids.c1, 3], [ids.c2, 3]]);
      // and that was all: nothing goes round again
      calls.length = 0;
      assert.equal(await settle(engine), 0);
      assert.equal(calls.length, 0);
      // a change that is no change touches nothing
      await t.store.update(model('Slice'), ids.slice, { max_instances: 3 }, SYSTEM);
      assert.ok(!pending(await raw('ControllerSlice', ids.cs1)));
    });

    test('a link row in terminal error is retried when its parent changes', async () => {
      const calls: Call[] = [];
      let fail = true;
      const engine = new Engine(t.store, [
        linkReconciler('ControllerSlice', 'Slice', 'slice', (_r, s) => s?.description, calls, async () =>
          fail ? { kind: 'error', message: 'quota refused', reason: 'configuration', terminal: true } : { kind: 'done' },
        ),
      ]);
      await t.store.update(model('Slice'), ids.slice, { description: 'first' }, SYSTEM);
      await settle(engine);
      assert.equal((await raw('ControllerSlice', ids.cs1)).backend_reason, 'unrecoverable');
      calls.length = 0;
      await settle(engine);
      assert.equal(calls.length, 0, 'a terminal error waits');
      fail = false;
      await t.store.update(model('Slice'), ids.slice, { description: 'second' }, SYSTEM);
      await settle(engine);
      assert.deepEqual(calls.map((c) => c.value), ['second', 'second']);
      assert.equal((await raw('ControllerSlice', ids.cs1)).backend_code, 1);
    });

    test('a change made while a link row is being reconciled keeps it pending', async () => {
      const calls: Call[] = [];
      const gate: { open?: () => void } = {};
      let held = false;
      const engine = new Engine(t.store, [
        linkReconciler('ControllerSlice', 'Slice', 'slice', (_r, s) => s?.max_instances, calls, async () => {
          if (!held) {
            held = true; // the first reconcile waits until the slice has changed again
            await new Promise<void>((r) => (gate.open = r));
          }
          return { kind: 'done' };
        }),
      ], { perController: 1 });
      await t.store.update(model('Slice'), ids.slice, { max_instances: 4 }, SYSTEM);
      const scanning = engine.scan();
      while (!gate.open) await new Promise((r) => setTimeout(r, 5));
      await t.store.update(model('Slice'), ids.slice, { max_instances: 5 }, SYSTEM); // while one link is in flight, having read 4
      gate.open();
      await scanning;
      await engine.idle();
      const first = calls[0].controller === ids.c1 ? ids.cs1 : ids.cs2;
      assert.ok(pending(await raw('ControllerSlice', first)), 'the reconcile that read 4 did not make the row look done');
      calls.length = 0;
      await settle(engine);
      assert.ok(calls.some((c) => c.value === 5 && (c.controller === ids.c1 ? ids.cs1 : ids.cs2) === first));
      assert.ok(calls.every((c) => c.value === 5));
      assert.ok(!pending(await raw('ControllerSlice', ids.cs1)) && !pending(await raw('ControllerSlice', ids.cs2)));
    });

    test('deleted link rows are left alone', async () => {
      const id = await create('ControllerSite', { controller: ids.c1, site: ids.site });
      await t.store.delete(model('ControllerSite'), id, SYSTEM);
      const before = await raw('ControllerSite', id);
      await t.store.update(model('Site'), ids.site, { name: 'Prop 2' }, SYSTEM);
      const after = await raw('ControllerSite', id);
      assert.equal(after.version, before.version);
    });

    test('enabling an image in a deployment makes the Image pending, and its policy adds a ControllerImage per controller there', async () => {
      const calls: Call[] = [];
      const image = aggregateReconcilers().find((r) => r.model.name === 'Image')!;
      const engine = new Engine(t.store, [image, linkReconciler('ControllerImage', 'Image', 'image', (_r, i) => i?.name, calls)]);
      const img = await create('Image', { name: 'prop-img', disk_format: 'raw', container_format: 'bare' });
      await settle(engine);
      const alone = await raw('Image', img);
      assert.equal(alone.backend_status, '1 - OK (no controller needs it yet)');
      assert.ok(!pending(alone));

      const en = await create('ImageDeployment', { image: img, deployment: ids.dep });
      assert.ok(pending(await raw('Image', img)), 'enabling it changed what the image must be');
      await settle(engine);
      const links = (await t.store.list(model('ControllerImage'), { filters: { image: String(img) } })).items;
      assert.deepEqual(links.map((l) => l.controller).sort(), [ids.c1, ids.c2].sort());
      assert.deepEqual(calls.map((c) => c.value), ['prop-img', 'prop-img']);
      // the image's roll-up waited 2 s for its links; as if that time had passed:
      await dbOf(t.store).query('UPDATE images SET next_retry = NULL WHERE id = $1', [img]);
      await settle(engine);
      assert.match(String((await raw('Image', img)).backend_status), /^1 - OK on c[12], c[12]$/);

      // disabling it is a change of the image's desired state too
      const v = Number((await raw('Image', img)).version);
      await t.store.delete(model('ImageDeployment'), en, SYSTEM);
      const gone = await raw('Image', img);
      assert.ok(pending(gone));
      assert.equal(Number(gone.version), v + 1);
    });

    test('a site deployment marks its site pending, a network joined to a slice the slice', async () => {
      await settle(new Engine(t.store, aggregateReconcilers().filter((r) => ['Site', 'Slice'].includes(r.model.name))));
      assert.ok(!pending(await raw('Site', ids.site)) && !pending(await raw('Slice', ids.slice)));
      const synced = () => dbOf(t.store).query('UPDATE sites SET enacted = updated WHERE id = $1', [ids.site]);
      const sd = await create('SiteDeployment', { site: ids.site, deployment: ids.dep, controller: ids.c1 });
      assert.ok(pending(await raw('Site', ids.site)));
      await synced();
      await t.store.update(model('SiteDeployment'), sd, { controller: ids.c2 }, SYSTEM);
      assert.ok(pending(await raw('Site', ids.site)));
      // deleting the controller clears the site deployment's reference to it: a change as well
      await synced();
      await t.store.delete(model('Controller'), ids.c2, SYSTEM);
      assert.equal((await raw('SiteDeployment', sd)).controller, null);
      assert.ok(pending(await raw('Site', ids.site)));

      const [tpl] = (await t.store.list(model('NetworkTemplate'), { filters: { name: 'Private' } })).items;
      const other = await create('Slice', { name: 'prop_db', site: ids.site });
      const net = await create('Network', { name: 'prop-db-net', template: Number(tpl.id), owner: other, permit_all_slices: true });
      await dbOf(t.store).query('UPDATE slices SET enacted = updated WHERE id = $1', [ids.slice]);
      await create('NetworkSlice', { network: net, slice: ids.slice });
      assert.ok(pending(await raw('Slice', ids.slice)));
    });
  });
}

for (const backend of backends) {
  describe(`a purge wakes what it held up, on ${backend}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
      await dbOf(t.store).query('UPDATE sites SET no_sync = true'); // the seeded site is not ours
    });
    after(() => t.close());
    const create = async (name: string, values: Row) => Number((await t.store.create(model(name), values, SYSTEM)).id);
    // Until the row reports waiting on a dependency while the held removal is under way.
    const waitingWhileHeld = async (name: string, id: number, gate: { open?: () => void }) => {
      while ((await t.store.raw(model(name), id))?.backend_reason !== 'dependency' || !gate.open) await new Promise((res) => setTimeout(res, 5));
    };

    test('a deleted site waiting for its link rows is tried again as soon as the last one is purged', async () => {
      const dep = await create('Deployment', { name: 'dep-purge' });
      const c = await create('Controller', { name: 'c-purge', deployment: dep, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'pw' });
      const site = await create('Site', { name: 'Purge', login_base: 'purge' });
      const link = await create('ControllerSite', { controller: c, site });
      const gate: { open?: () => void } = {};
      const removals: string[] = [];
      const removing = (name: string, held: boolean): Reconciler => ({
        model: model(name),
        reconcile: async () => ({ kind: 'done' }),
        remove: async () => {
          if (held) await new Promise<void>((r) => (gate.open = r));
          removals.push(name);
          return { kind: 'done' };
        },
      });
      // a long backoff for waiting rows: only the wake-up can bring the site back soon
      const engine = new Engine(t.store, [removing('Site', false), removing('ControllerSite', true)], { backoff: { baseSeconds: 600, capSeconds: 900 } });
      await settle(engine);
      await t.store.delete(model('Site'), site, SYSTEM);
      const scanning = engine.scan();
      // the site's own removal is done, but its link row still points at it
      await waitingWhileHeld('Site', site, gate);
      assert.match(String((await t.store.raw(model('Site'), site))!.backend_status), /Waiting for the rows that refer to it to be removed/);
      gate.open!();
      await scanning;
      await engine.idle();
      assert.equal(await t.store.raw(model('ControllerSite'), link), null, 'the link row is purged');
      assert.equal((await t.store.raw(model('Site'), site))!.next_retry, null, 'and the site is due again at once');
      await settle(engine);
      assert.equal(await t.store.raw(model('Site'), site), null, 'then purged too');
      assert.deepEqual(removals, ['Site', 'ControllerSite', 'Site']);
    });

    test('a deleted row waiting on another row is tried again as soon as that row is purged', async () => {
      const dep = await create('Deployment', { name: 'dep-wait' });
      const c = await create('Controller', { name: 'c-wait', deployment: dep, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'admin', admin_password: 'pw' });
      const kept = await create('Site', { name: 'Kept', login_base: 'kept' });
      const other = await create('Site', { name: 'Other', login_base: 'other' });
      const link = await create('ControllerSite', { controller: c, site: kept });
      const gate: { open?: () => void } = {};
      let asked = 0;
      // The link's removal waits on the other site (as a project waits on its slice's instances):
      // it references no such row, so only the wait it declared can wake it.
      const linkRemoval: Reconciler = {
        model: model('ControllerSite'),
        reconcile: async () => ({ kind: 'done' }),
        remove: async () => (asked++ === 0 ? { kind: 'waiting', on: 'the other site', until: { model: 'Site', id: other } } : { kind: 'done' }),
      };
      const siteRemoval: Reconciler = {
        model: model('Site'),
        reconcile: async () => ({ kind: 'done' }),
        remove: async () => (await new Promise<void>((r) => (gate.open = r)), { kind: 'done' }),
      };
      const engine = new Engine(t.store, [siteRemoval, linkRemoval], { backoff: { baseSeconds: 600, capSeconds: 900 } });
      await settle(engine);
      await t.store.delete(model('ControllerSite'), link, SYSTEM);
      await t.store.delete(model('Site'), other, SYSTEM);
      const scanning = engine.scan();
      await waitingWhileHeld('ControllerSite', link, gate);
      gate.open!();
      await scanning;
      await engine.idle();
      assert.equal(await t.store.raw(model('Site'), other), null, 'the other site is purged');
      await settle(engine);
      assert.equal(await t.store.raw(model('ControllerSite'), link), null, 'and the link, woken by it, without its 600 s backoff');
      assert.equal(asked, 2);
    });
  });
}
