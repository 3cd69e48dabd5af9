// The event stream announces a deletion only to callers who could read the deleted row: a
// soft-deleted row is judged with the deleted rows on its read path, and a row purged from the
// table only to streams that were told about it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { ADMIN, basic, startTestServer, type TestServer } from '../helpers/xos.js';
import { listening, openEvents, type EventStream, type Notice } from '../helpers/sse.js';
import { dbOf } from '../../src/store/inspect.js';

let s: TestServer;
let base: string;
const watcher = { email: 'watcher@example.com', password: 'watcher-password' };
const W = {} as Record<'siteB' | 'deployment' | 'image' | 'flavor' | 'access' | 'watcher', number>;

async function mk(plural: string, body: Record<string, unknown>): Promise<number> {
  const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
let seq = 0;
// A slice at site 1 (the watcher's, who holds "access" on it) or at site B (not theirs).
async function slice(mine: boolean): Promise<number> {
  const id = await mk('slices', mine ? { name: `mysite_mine${++seq}`, site: 1 } : { name: `siteb_hidden${++seq}`, site: W.siteB });
  if (mine) await mk('sliceprivileges', { user: W.watcher, slice: id, role: W.access });
  return id;
}
// Stored directly: the API would also run the deployment's access list, which is not under test.
const instance = async (slice: number) =>
  Number((await s.store.create(model('Instance'), { name: `vm${++seq}`, slice, deployment: W.deployment, image: W.image, flavor: W.flavor }, SYSTEM)).id);
const del = async (plural: string, id: number) => assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/${plural}/${id}`)).status, 204);
async function purgeRow(table: string, name: string, id: number) {
  const [row] = await dbOf(s.store).query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
  assert.equal(await s.store.sync.purge(model(name), row), true);
}

// Everyone sees sites: a new one marks a point in the stream, as notices arrive in order.
async function mark(stream: EventStream) {
  const site = await mk('sites', { name: `Marker ${++seq}`, login_base: `marker${seq}` });
  assert.ok(await stream.waitFor((e) => e.some((x) => x.model === 'Site' && x.id === site)), 'the marker did not arrive');
}
const deletes = (events: Notice[], name: string, id: number) => events.filter((e) => e.model === name && e.id === id && e.op === 'delete').length;

before(async () => {
  s = await startTestServer('pglite');
  base = await listening(s.app);
  W.siteB = await mk('sites', { name: 'Site B', login_base: 'siteb' });
  W.deployment = await mk('deployments', { name: 'D', access_control: 'allow all' });
  W.image = await mk('images', { name: 'img' });
  W.flavor = (await s.call(ADMIN, 'GET', '/api/core/flavors?name=m1.small')).body.items[0].id;
  W.access = (await s.call(ADMIN, 'GET', '/api/core/sliceroles?role=access')).body.items[0].id;
  W.watcher = await mk('users', { ...watcher, firstname: 'W', lastname: 'W', site: 1 });
});
after(() => s.close());

test('the deletion of a row in a slice the caller cannot read is not announced', async () => {
  const hidden = await slice(false);
  const [lone, held] = [await instance(hidden), await instance(hidden)];
  const visible = await instance(await slice(true));
  const stream = await openEvents(base, { authorization: basic(watcher) });
  try {
    await del('instances', lone);
    await del('slices', hidden); // and `held` with it
    await del('instances', visible);
    await mark(stream);
    assert.equal(deletes(stream.events, 'Instance', lone), 0);
    assert.equal(deletes(stream.events, 'Instance', held), 0);
    assert.equal(deletes(stream.events, 'Slice', hidden), 0);
    assert.equal(deletes(stream.events, 'Instance', visible), 1, 'the deletion of a readable row is announced');
  } finally {
    await stream.close();
  }
});

test('a slice member hears of the deletion of their slice and of what it held', async () => {
  const mine = await slice(true);
  const held = await instance(mine);
  const stream = await openEvents(base, { authorization: basic(watcher) });
  try {
    await del('slices', mine);
    await mark(stream);
    assert.equal(deletes(stream.events, 'Instance', held), 1, 'the instance, deleted along with its slice');
    assert.equal(deletes(stream.events, 'Slice', mine), 1);
  } finally {
    await stream.close();
  }
});

test('a purged row is announced only to streams that were told about it', async () => {
  const hidden = await instance(await slice(false));
  const visible = await instance(await slice(true));
  const stream = await openEvents(base, { authorization: basic(watcher) });
  try {
    for (const id of [hidden, visible]) {
      await del('instances', id);
      await purgeRow('instances', 'Instance', id);
    }
    await mark(stream);
    assert.equal(deletes(stream.events, 'Instance', hidden), 0);
    assert.equal(deletes(stream.events, 'Instance', visible), 2, 'deleted, then purged');
  } finally {
    await stream.close();
  }
});
