// Servers building or going away, against the fake cloud, with the requeue times left as they are
// (fastRequeue off: nothing but the project's list wakes a watched instance within a test):
// one list per project polls them all, their ports come in one batch, a new instance creates
// without a search, removal deletes the recorded server by its id, and a slice's network goes
// only once the servers holding its ports are gone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World, type R, type Scene } from './world.js';

describe('servers watched per project (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  const ready = async (s: Scene) => ({ ...(await s.readySlice('app')), ...(await s.readyImage()) });
  const COUNT = 5;
  const start = async (s: Scene) => {
    const r = await ready(s);
    const mark = s.cloud.mark();
    const insts: R[] = [];
    for (let i = 0; i < COUNT; i++) insts.push(await s.instance(r.slice, { id: r.link.image }));
    const rows: R[] = [];
    for (const i of insts) rows.push(await s.synced('Instance', i.id));
    return { ...r, mark, rows };
  };
  const serverReads = (s: Scene, mark: number) => s.cloud.since(mark).filter((q) => q.method === 'GET' && /^\/compute\/v2\.1\/servers\/(?!detail$)[^/]+$/.test(q.path));
  const lists = (s: Scene, mark: number) => s.cloud.since(mark).filter((q) => q.method === 'GET' && q.path === '/compute/v2.1/servers/detail');

  test('building servers are polled with one list per project, not one read each; their ports come in batches', async () => {
    const s = await w.begin({ fastRequeue: false, cloud: { nova: { boot: { polls: 3 } } } });
    const { cs, mark, rows } = await start(s);
    assert.equal(s.cloud.count('POST', '/compute/v2.1/servers'), COUNT);
    assert.deepEqual(serverReads(s, mark).map((q) => q.path), [], 'no server read one by one');
    const listed = lists(s, mark);
    assert.ok(listed.length >= 1, 'the project was listed');
    for (const q of listed) {
      assert.equal(q.query.get('project_id'), cs.tenant_id, 'one list of the slice project');
      assert.equal(q.query.has('name'), false, 'no search by name: these rows never had a create sent');
    }
    const portLists = s.cloud.since(mark).filter((q) => q.method === 'GET' && q.path === '/network/v2.0/ports' && q.query.has('device_id'));
    assert.ok(portLists.length < COUNT, `ports in batches: ${portLists.map((q) => q.query.getAll('device_id').length).join(', ')}`);
    assert.deepEqual(portLists.flatMap((q) => q.query.getAll('device_id')).sort(), rows.map((r) => r.instance_uuid).sort(), 'each server\'s ports asked for once');
    for (const r of rows) {
      assert.equal((await s.find('Port', { instance: r.id })).length, 2, `instance ${r.id} has its private and NAT ports`);
      assert.ok(r.ip, `instance ${r.id} has its address from the list`);
    }
  });

  test('removal deletes the recorded server by its id, waits for it in the list, and the network goes after its ports', async () => {
    const s = await w.begin({ fastRequeue: false, cloud: { nova: { boot: { polls: 1 } } } });
    s.cloud.nova.deleteReads = 2; // a deleted server is still listed twice, as Nova does while it tears it down
    const { slice, cs, links, rows } = await start(s);
    const mark = s.cloud.mark();
    await s.remove('Slice', slice.id);
    await s.purged('Slice', slice.id, 30_000);
    const since = s.cloud.since(mark);
    const deletes = since.filter((q) => q.method === 'DELETE' && q.path.startsWith('/compute/v2.1/servers/')).map((q) => q.path);
    assert.deepEqual(deletes.sort(), rows.map((r) => `/compute/v2.1/servers/${r.instance_uuid}`).sort(), 'one DELETE per recorded server');
    assert.deepEqual(serverReads(s, mark).map((q) => q.path), [], 'no server read one by one');
    assert.deepEqual(lists(s, mark).filter((q) => q.query.has('name')).map((q) => q.query.toString()), [], 'no search by name');
    assert.deepEqual(since.filter((q) => q.status === 409).map((q) => `${q.method} ${q.path}`), [], 'Neutron never refused: the network waited for its ports');
    const privLink = links.find((l) => s.cloud.neutron.networks.get(l.net_id)?.name !== 'nat-net');
    const netDelete = since.findIndex((q) => q.method === 'DELETE' && q.path === `/network/v2.0/networks/${privLink?.net_id}`);
    assert.ok(netDelete > 0, 'the private network was deleted');
    // The last list before the network's DELETE no longer showed any of the servers.
    const lastList = since.slice(0, netDelete).filter((q) => q.method === 'GET' && q.path === '/compute/v2.1/servers/detail').at(-1);
    assert.ok(lastList, 'the servers were watched in their project\'s list');
    assert.equal(lastList.query.get('project_id'), cs.tenant_id);
    assert.equal(s.cloud.servers.filter((x) => rows.some((r) => r.instance_uuid === x.id)).length, 0);
    assert.equal(s.cloud.keystone.projects.has(cs.tenant_id), false, 'the project went last');
  });

  test('an instance that never had a create sent is removed without asking the cloud', async () => {
    const s = await w.begin({ fastRequeue: false });
    const { slice, link } = await ready(s);
    await s.pause();
    const inst = await s.instance(slice, { id: link.image });
    await s.remove('Instance', inst.id);
    const mark = s.cloud.mark();
    await s.resume();
    await s.purged('Instance', inst.id);
    assert.deepEqual(s.cloud.since(mark, '* /compute/v2.1/servers**').map((q) => `${q.method} ${q.path}`), []);
  });
});
