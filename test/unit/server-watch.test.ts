// The server watch on its own, with a cloud that is a list of servers: what a list showed of a
// built server serves the reconcile it woke, once; and once that reconcile is done with the
// server (forget), nothing a later list showed serves a later reconcile, such as the periodic
// resync that is there to notice the server was deleted behind XOS's back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerWatch } from '../../src/openstack/server-watch.js';
import type { OpenStackClient, Server } from '../../src/openstack/client/index.js';

async function* items<T>(xs: T[]) {
  yield* xs;
}

test('a built server serves the reconcile it woke; after forget, no later reconcile takes an old list', async () => {
  const servers: Partial<Server>[] = [{ id: 's1', status: 'ACTIVE', metadata: {}, addresses: {} }];
  let lists = 0;
  const admin = {
    compute: { servers: { list: () => (lists++, items(servers)) } },
    network: { ports: { list: () => items([{ id: 'p1', device_id: 's1' }]) } },
  } as unknown as OpenStackClient;
  const watch = new ServerWatch({ pollMs: 5, portsMaxWaitMs: 0 });
  const stop = new AbortController();
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(cond());
  };
  // The row is still leased (0 rows woken): the watch keeps delivering at every list.
  let wakes = 0;
  const t0 = Date.now();
  watch.watch('k', admin, 'proj', 1, 's1', 'built', async () => (wakes++, 0), stop.signal);
  await until(() => wakes >= 1);
  const seen = watch.take('k', 's1', t0);
  assert.equal(seen?.server?.id, 's1');
  assert.deepEqual(seen?.ports?.map((p) => p.id), ['p1'], 'with its ports from the batch');
  assert.equal(watch.take('k', 's1', t0), undefined, 'taken once');

  // The reconcile found the server ACTIVE and is done with it.
  watch.forget('k', 1, 's1');
  const listsThen = lists;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(lists, listsThen, 'no more lists of the project');
  assert.equal(watch.take('k', 's1', t0), undefined, 'nothing left for the resync to take');

  // Without forget, a list after the reconcile would still be there for the next one: the case forget is for.
  watch.watch('k', admin, 'proj', 2, 's1', 'built', async () => 0, stop.signal);
  await until(() => lists > listsThen);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(watch.take('k', 's1', t0), 'a delivered list stays until taken');
  stop.abort();
});
