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
import { openstackReconcilers } from '../../src/openstack/index.js';
import { backoffSeconds } from '../../src/sync/status.js';
import { CHANGES_CHANNEL } from '../../src/store/db.js';
import { buildWorld, type World } from './world.js';

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

// The most times an object may be reconciled in `seconds` when every attempt fails: the
// smallest delays the backoff allows (jitter at -20 %) summed until they pass `seconds`.
function mostAttempts(seconds: number): number {
  let t = 0;
  let n = 1; // the first attempt
  for (let retry = 1; ; retry++) {
    t += backoffSeconds(retry, BACKOFF, () => 0);
    if (t > seconds) return n;
    n++;
  }
}

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
    stopListening = await s.store.db.listen(CHANGES_CHANNEL, (payload) => {
      const n = JSON.parse(payload);
      notices.push({ key: `${n.model} ${n.id}`, at: Date.now(), op: n.op });
    });
    engine = new Engine(s.store, openstackReconcilers({ timeoutMs: 2000 }), {
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
    const errors = (await s.call(ADMIN, 'GET', '/api/core/slices/' + sliceId)).body;
    assert.equal(errors.backend_code, 2, `the slice shows the failure: ${errors.backend_status}`);
    await at(SECONDS - SECONDS / 5);
    const old = await s.call(ADMIN, 'GET', `/api/core/slices/${sliceId}`);
    await at(SECONDS);
    const patched = await s.call(ADMIN, 'PATCH', `/api/core/slices/${sliceId}`, { description: 'edited with an old ETag' }, { 'if-match': String(old.headers.etag) });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    delete settled[`slices/${sliceId}`];
    const now = await etags();
    const moved = Object.keys(settled).filter((k) => now[k] !== settled[k]);
    assert.deepEqual(moved, [], 'ETags changed after the statuses settled');

    const limit = mostAttempts(SECONDS) + 1; // +1: one wake-up when a link's state first changes
    const counts = Object.fromEntries([...attempts].map(([k, v]) => [k, v.length]));
    t.diagnostic(`reconciles in ${SECONDS} s (at most ${limit} allowed): ${JSON.stringify(counts)}`);
    assert.ok(Object.keys(counts).length >= 8, `the dependent objects were reconciled: ${JSON.stringify(counts)}`);
    const storming = Object.entries(counts).filter(([, n]) => n > limit);
    assert.deepEqual(storming, [], `reconciled more than ${limit} times in ${SECONDS} s: ${JSON.stringify(counts)}`);
    // Once settled, a retry that fails the same way sends no change notice.
    const late = notices.filter((n) => n.at > t0 + SETTLE * 1000 && n.op === 'sync');
    assert.deepEqual(late.map((n) => n.key), [], 'status writes after the statuses settled sent notices');
  });
});
