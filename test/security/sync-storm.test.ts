// A controller that answers nothing, for five minutes, with a slice, its networks, a user and an
// instance that depend on it. Every object backs off as its failure says (none is reconciled in
// a loop), its ETag stays the same once its status has settled, a status write sends no change
// notice unless the status changed, and a person's edit with a minute-old If-Match goes through.
// XOS_TEST_STORM_SECONDS shortens the five minutes when run by hand.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { backoffSeconds } from '../../src/sync/status.js';
import { CHANGES_CHANNEL } from '../../src/store/db.js';
import { buildWorld, type World } from './world.js';
import { dbOf } from '../../src/store/inspect.js';
import { synchronizerFor } from '../../src/sync/backends.js';

const SECONDS = Number(process.env.XOS_TEST_STORM_SECONDS ?? 300);
const SETTLE = Math.min(60, SECONDS / 5); // long enough for every object to reach its steady error
const BACKOFF = { baseSeconds: 5, capSeconds: 900, disabled: false }; // the production defaults

// A port that refuses connections: bound, then closed.
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

// The most times an object may be reconciled in `seconds` when every attempt fails and it has
// failed `retries` times already: the smallest delays the backoff allows (jitter at -20 %),
// summed until they pass `seconds`, plus the attempt that may be due at the start.
function mostAttempts(seconds: number, retries = 0): number {
  let t = 0;
  let n = 1;
  for (let retry = retries + 1; ; retry++) {
    t += backoffSeconds(retry, BACKOFF, () => 0);
    if (t > seconds) return n;
    n++;
  }
}

const tables: Record<string, string> = {}; // model name → table, for the rows seen in the log

describe('a dead controller does not make the synchronizer storm', { timeout: (SECONDS + 120) * 1000 }, () => {
  let s: TestServer;
  let w: World;
  let engine: Engine;
  const attempts = new Map<string, number[]>(); // "Model id" → when it was reconciled (ms)
  const notices: { key: string; at: number; op: string }[] = [];
  let stopListening: () => Promise<void>;
  let sliceId: number;
  let t0: number;

  before(async () => {
    s = await startTestServer('pglite');
    w = await buildWorld(s);
    const deployment = (await w.make('deployments', { name: 'Dead', access_control: 'allow all' })).id;
    const controller = await w.make('controllers', {
      name: 'dead',
      deployment,
      auth_url: `http://127.0.0.1:${await deadPort()}/v3`,
      admin_user: 'admin',
      admin_password: 'secret',
    });
    await w.make('sitedeployments', { site: w.siteA, deployment, controller: controller.id });
    const image = (await w.make('images', { name: 'cirros' })).id;
    await w.make('imagedeployments', { image, deployment });
    const member = await w.user('member@a.example', w.siteA);
    const slice = await w.make('slices', { name: 'mysite_web', site: w.siteA });
    sliceId = slice.id;
    await w.grantSlice(member.id, slice.id, 'admin');
    const flavor = (await s.call(ADMIN, 'GET', '/api/core/flavors?name=m1.small')).body.items[0].id;
    await w.make('instances', { name: 'vm', slice: slice.id, deployment, image, flavor });
    stopListening = await dbOf(s.store).listen(CHANGES_CHANNEL, (payload) => {
      const n = JSON.parse(payload);
      notices.push({ key: `${n.model} ${n.id}`, at: Date.now(), op: n.op });
    });
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: 2000 })), {
      backoff: BACKOFF,
      log: (msg) => {
        const m = /^(\w+) (\d+) (reconcile|remove):/.exec(msg);
        if (!m) return;
        const key = `${m[1]} ${m[2]}`;
        attempts.set(key, [...(attempts.get(key) ?? []), Date.now()]);
      },
    });
    t0 = Date.now();
    await engine.start();
  });
  after(async () => {
    await engine.stop();
    await stopListening();
    await s.close();
  });

  const at = (seconds: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + seconds * 1000 - Date.now())));
  const etags = async () => {
    const out: Record<string, string> = {};
    for (const plural of ['slices', 'networks', 'instances', 'users', 'controllers', 'sites']) {
      const list = (await s.call(ADMIN, 'GET', `/api/core/${plural}?limit=100`)).body.items;
      for (const row of list) {
        const r = await s.call(ADMIN, 'GET', `/api/core/${plural}/${row.id}`);
        out[`${plural}/${row.id}`] = String(r.headers.etag);
      }
    }
    return out;
  };

  test(`every dependent object backs off, keeps its ETag, and a ${SECONDS / 5}-second-old If-Match still works`, async (t) => {
    await at(SETTLE);
    const settled = await etags();
    // How often each object had failed when the statuses settled: from there on, only its backoff
    // may bring it back.
    const { models } = await import('../../src/model/registry.js');
    for (const m of models) tables[m.name] = m.table;
    const retriesAtSettle = new Map<string, number>();
    for (const key of attempts.keys()) {
      const [name, id] = key.split(' ');
      const [row] = await dbOf(s.store).query<{ retry_count: number }>(`SELECT retry_count FROM "${tables[name]}" WHERE id = $1`, [Number(id)]);
      retriesAtSettle.set(key, Number(row?.retry_count ?? 0));
    }
    const settledAt = Date.now();
    const shown = (await s.call(ADMIN, 'GET', '/api/core/slices/' + sliceId)).body;
    await at(SECONDS - SECONDS / 5);
    const old = await s.call(ADMIN, 'GET', `/api/core/slices/${sliceId}`);
    await at(SECONDS);
    const editAt = Date.now(); // the edit makes the slice and its links due at once: count before it
    const patched = await s.call(ADMIN, 'PATCH', `/api/core/slices/${sliceId}`, { description: 'edited with an old ETag' }, { 'if-match': String(old.headers.etag) });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    delete settled[`slices/${sliceId}`];
    const now = await etags();
    const moved = Object.keys(settled).filter((k) => now[k] !== settled[k]);
    assert.deepEqual(moved, [], 'ETags changed after the statuses settled');

    const counts = Object.fromEntries([...attempts].map(([k, v]) => [k, v.filter((x) => x <= editAt).length]));
    t.diagnostic(`reconciles in ${SECONDS} s: ${JSON.stringify(counts)}`);
    assert.ok(Object.keys(counts).length >= 8, `the dependent objects were reconciled: ${JSON.stringify(counts)}`);
    // In all: the backoff's schedule, and a few wake-ups while the links first change state.
    const limit = mostAttempts(SECONDS) + 3;
    assert.deepEqual(Object.entries(counts).filter(([, n]) => n > limit), [], `reconciled more than ${limit} times in ${SECONDS} s`);
    // Once settled: the backoff alone.
    const window = (editAt - settledAt) / 1000;
    const late = [...attempts].map(([k, v]) => ({ k, n: v.filter((x) => x > settledAt && x <= editAt).length, most: mostAttempts(window, retriesAtSettle.get(k) ?? 0) }));
    t.diagnostic(`after settling (${Math.round(window)} s): ${late.map((l) => `${l.k} ${l.n}/${l.most}`).join(', ')}`);
    assert.deepEqual(late.filter((l) => l.n > l.most), [], 'reconciled more often than the backoff allows once settled');
    // Once settled, a retry that fails the same way sends no change notice.
    const noisy = notices.filter((n) => n.at > settledAt && n.at <= editAt && n.op === 'sync');
    assert.deepEqual(noisy.map((n) => n.key), [], 'status writes after the statuses settled sent notices');
    // And the slice says what holds it: its project's cluster failed.
    assert.equal(shown.backend_code, 2, `the slice shows the failure: ${shown.backend_status}`);
    assert.match(shown.backend_status, /^2 - on dead: .*cannot reach identity .*ECONNREFUSED 127\.0\.0\.1:\d+/);
  });
});
