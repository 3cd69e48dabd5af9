// The engine hands every row to the backend of its controller (Controller.backend_type): two
// small test backends side by side, the logical objects rolled up across both, a controller of a
// backend this synchronizer does not have, and a stop that cuts hanging backend calls short.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openTestStore, type TestStore } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { Engine } from '../../src/sync/engine.js';
import { synchronizerFor } from '../../src/sync/backends.js';
import { boundedCache } from '../../src/sync/cache.js';
import type { Backend, Reconciler } from '../../src/sync/types.js';
import type { Row } from '../../src/model/types.js';

const until = async (what: string, cond: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

// A backend that "makes" a project per ControllerSite by remembering it, and says which it is.
function testBackend(type: string, calls: string[]): Backend {
  const controller: Reconciler<'Controller'> = {
    model: model('Controller'),
    reconcile: async (c) => ({ kind: 'done', message: `OK (${type} cluster ${c.name})` }),
    remove: async () => ({ kind: 'done' }),
  };
  const site: Reconciler<'ControllerSite'> = {
    model: model('ControllerSite'),
    reconcile: async (row) => {
      calls.push(`${type} ControllerSite ${row.id}`);
      return { kind: 'done', fields: { tenant_id: `${type.toLowerCase()}-project-${row.site}` } };
    },
    remove: async (row) => {
      calls.push(`${type} remove ControllerSite ${row.id}`);
      return { kind: 'done' };
    },
  };
  return { type, reconcilers: [controller, site] };
}

describe('backends side by side', () => {
  let t: TestStore;
  let engine: Engine;
  const calls: string[] = [];
  before(async () => {
    t = await openTestStore('pglite');
    engine = new Engine(t.store, synchronizerFor(testBackend('Alpha', calls), testBackend('Beta', calls)), { tickMs: 50, backoff: { baseSeconds: 0.1, capSeconds: 0.5 } });
    await engine.start();
  });
  after(async () => {
    await engine.stop();
    await t.close();
  });
  const make = (name: string, values: Row) => t.store.create(model(name), values, SYSTEM);
  const raw = async (name: string, id: unknown) => (await t.store.raw(model(name), Number(id)))!;

  test('each row goes to its controller\'s backend, and the site rolls up both', async () => {
    const dep = await make('Deployment', { name: 'two-kinds' });
    const ctl = async (name: string, backend_type: string) =>
      make('Controller', { name, deployment: dep.id, backend_type, auth_url: 'http://127.0.0.1:9/v3', admin_user: 'a', admin_password: 'p' });
    const alpha = await ctl('alpha-1', 'Alpha');
    const beta = await ctl('beta-1', 'Beta');
    const site = await make('Site', { name: 'Both', login_base: 'both' });
    const la = await make('ControllerSite', { controller: alpha.id, site: site.id });
    const lb = await make('ControllerSite', { controller: beta.id, site: site.id });
    await until('both links and the site to be OK', async () =>
      (await raw('ControllerSite', la.id)).backend_code === 1 && (await raw('ControllerSite', lb.id)).backend_code === 1 && (await raw('Site', site.id)).backend_code === 1,
    );
    assert.equal((await raw('ControllerSite', la.id)).tenant_id, `alpha-project-${site.id}`);
    assert.equal((await raw('ControllerSite', lb.id)).tenant_id, `beta-project-${site.id}`);
    assert.equal((await raw('Controller', beta.id)).backend_status, '1 - OK (Beta cluster beta-1)');
    assert.deepEqual(calls.filter((c) => c.includes('ControllerSite')).sort(), [`Alpha ControllerSite ${la.id}`, `Beta ControllerSite ${lb.id}`]);
    assert.equal((await raw('Site', site.id)).backend_status, '1 - OK on alpha-1, beta-1');
    // removal goes to the same backend
    await t.store.delete(model('ControllerSite'), Number(lb.id), SYSTEM);
    await until('the Beta link to be purged', async () => (await t.store.raw(model('ControllerSite'), Number(lb.id))) === null);
    assert.ok(calls.includes(`Beta remove ControllerSite ${lb.id}`));
  });

  test('a controller of a backend this synchronizer does not have says so, and so do its rows', async () => {
    const dep = await make('Deployment', { name: 'unknown-kind' });
    const gamma = await make('Controller', { name: 'gamma-1', deployment: dep.id, backend_type: 'Gamma', auth_url: 'http://127.0.0.1:9/v3', admin_user: 'a', admin_password: 'p' });
    const site = await make('Site', { name: 'Gamma site', login_base: 'gsite' });
    const link = await make('ControllerSite', { controller: gamma.id, site: site.id });
    await until('the link to fail', async () => (await raw('ControllerSite', link.id)).backend_code === 2);
    const r = await raw('ControllerSite', link.id);
    assert.equal(r.backend_status, '2 - no synchronizer backend "Gamma" for controller gamma-1 (this synchronizer has: Alpha, Beta)');
    assert.equal(r.backend_reason, 'unrecoverable');
    assert.match(String((await raw('Controller', gamma.id)).backend_status), /no synchronizer backend "Gamma"/);
  });

  test('two reconcilers for one model on one backend are refused', () => {
    const b = testBackend('Alpha', []);
    assert.throws(() => new Engine(t.store, synchronizerFor(b, b)), /two reconcilers for Controller on backend Alpha/);
  });
});

describe('stopping the engine', () => {
  let t: TestStore;
  let hanging: http.Server;
  before(async () => {
    t = await openTestStore('pglite');
    hanging = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    hanging.closeAllConnections();
    hanging.close();
    await t.close();
  });

  test('cuts backend calls that hang short after the grace time, releases their rows and writes no outcome', async () => {
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`;
    const started: number[] = [];
    const slow: Reconciler<'Site'> = {
      model: model('Site'),
      reconcile: async (row, ctx) => {
        started.push(row.id);
        await fetch(url, { signal: ctx.signal }); // hangs until the engine's signal aborts it
        return { kind: 'done' };
      },
      remove: async () => ({ kind: 'done' }),
    };
    const site = await t.store.create(model('Site'), { name: 'Hangs', login_base: 'hangs' }, SYSTEM);
    const engine = new Engine(t.store, [slow], { tickMs: 50 });
    await engine.start();
    await until('the reconcile to start', async () => started.includes(Number(site.id)));
    const t0 = Date.now();
    await engine.stop({ graceMs: 300 });
    const took = Date.now() - t0;
    assert.ok(took < 3000, `stop took ${took} ms`);
    const r = (await t.store.raw(model('Site'), Number(site.id)))!;
    assert.equal(r.lease_owner, null, 'the row is free for the next worker');
    assert.equal(r.backend_status, '0 - Provisioning in progress', 'no outcome was written');
  });
});

test('the engine\'s cache is bounded: the least recently used entry goes first', () => {
  const c = boundedCache(2);
  c.set('a', 1);
  c.set('b', 2);
  assert.equal(c.get('a'), 1); // a is now the most recent
  c.set('c', 3);
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('a'), 1);
  assert.equal(c.get('c'), 3);
});
