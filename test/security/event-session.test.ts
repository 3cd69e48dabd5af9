// An open event stream lasts no longer than the credentials it was opened with, and follows its
// caller's privileges as they change: it checks both every `eventsRecheckMs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { ADMIN, basic, startTestServer, type TestServer } from '../helpers/xos.js';
import { listening, openEvents, type EventStream } from '../helpers/sse.js';
import { dbOf } from '../../src/store/inspect.js';

const RECHECK = 200;
// How long a stream may take to notice: many checks, on two busy cores.
const NOTICE = 3000;

let s: TestServer;
let base: string;
let seq = 0;

async function mk(plural: string, body: Record<string, unknown>): Promise<number> {
  const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
async function newUser() {
  const who = { email: `streamer${++seq}@example.com`, password: 'streamer-password' };
  return { who, id: await mk('users', { ...who, firstname: 'S', lastname: 'S', site: 1 }) };
}
async function login(who: { email: string; password: string }) {
  const r = await s.call(null, 'POST', '/api/auth/login', who);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const cookie = ([] as string[]).concat(r.headers['set-cookie'] as string[]).find((c) => c.startsWith('xos_session='))!.split(';')[0];
  return { token: r.body.token as string, csrf: r.body.csrf_token as string, cookie };
}
// The stream stays open while nothing changes, then ends soon after `act`.
async function endsAfter(stream: EventStream, act: () => Promise<void>) {
  try {
    assert.equal(await stream.waitForEnd(RECHECK * 3), false, 'the stream ended with its credentials still valid');
    await act();
    assert.ok(await stream.waitForEnd(NOTICE), `the stream was still open ${NOTICE} ms later`);
  } finally {
    await stream.close();
  }
}

before(async () => {
  s = await startTestServer('pglite', {}, { eventsRecheckMs: RECHECK });
  base = await listening(s.app);
});
after(() => s.close());

test('a stream on a cookie session ends after logout', async () => {
  const { who } = await newUser();
  const l = await login(who);
  const stream = await openEvents(base, { cookie: l.cookie });
  await endsAfter(stream, async () => {
    assert.equal((await s.call(null, 'POST', '/api/auth/logout', undefined, { cookie: l.cookie, 'x-csrf-token': l.csrf })).status, 204);
  });
});

test('a stream on a bearer session ends when the session expires', async () => {
  const { who } = await newUser();
  const l = await login(who);
  const stream = await openEvents(base, { authorization: `Bearer ${l.token}` });
  await endsAfter(stream, async () => {
    await dbOf(s.store).query(`UPDATE sessions SET expires = now() - interval '1 second'`);
  });
});

test('a stream on an API token ends when the token is revoked', async () => {
  const { who } = await newUser();
  const made = await s.call(who, 'POST', '/api/auth/tokens', { name: 'watch' });
  assert.equal(made.status, 201);
  const stream = await openEvents(base, { authorization: `Bearer ${made.body.token}` });
  await endsAfter(stream, async () => {
    assert.equal((await s.call(who, 'DELETE', `/api/auth/tokens/${made.body.id}`)).status, 204);
  });
});

test("a deactivated user's stream ends", async () => {
  const { who, id } = await newUser();
  const stream = await openEvents(base, { authorization: basic(who) });
  await endsAfter(stream, async () => {
    assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${id}`, { is_active: false })).status, 200);
  });
});

test('a stream on HTTP Basic ends when the password changes', async () => {
  const { who, id } = await newUser();
  const stream = await openEvents(base, { authorization: basic(who) });
  await endsAfter(stream, async () => {
    assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${id}`, { password: 'another-password' })).status, 200);
  });
});

test('a slice member whose privilege is deleted no longer hears of the slice\'s instances or their addresses', async () => {
  const { who, id: user } = await newUser();
  const access = (await s.call(ADMIN, 'GET', '/api/core/sliceroles?role=access')).body.items[0].id;
  const slice = await mk('slices', { name: `mysite_revoked${++seq}`, site: 1 });
  const privilege = await mk('sliceprivileges', { user, slice, role: access });
  const deployment = await mk('deployments', { name: `D${++seq}`, access_control: 'allow all' });
  const image = await mk('images', { name: `img${++seq}` });
  const flavor = (await s.call(ADMIN, 'GET', '/api/core/flavors?name=m1.small')).body.items[0].id;
  const vm = Number((await s.store.create(model('Instance'), { name: 'vm', slice, deployment, image, flavor }, SYSTEM)).id);
  const pool = await mk('addresspools', { name: `pool${++seq}`, cidr: '10.200.0.0/24', ranges: '10.200.0.2-10.200.0.254', deployment });
  const rename = async (name: string) => assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/instances/${vm}`, { name })).status, 200);
  const ofVm = (stream: EventStream) => stream.events.filter((e) => e.model === 'Instance' && e.id === vm).length;
  let address = 0;
  const ofAddress = (stream: EventStream) => stream.events.filter((e) => e.model === 'AddressAllocation' && e.id === address).length;

  const stream = await openEvents(base, { authorization: basic(who) });
  try {
    await rename('vm-seen');
    address = await mk('addressallocations', { pool, address: '10.200.0.2', instance: vm });
    assert.ok(await stream.waitFor(() => ofVm(stream) === 1 && ofAddress(stream) === 1), 'a member hears of the instance and its address');
    assert.equal((await s.call(ADMIN, 'DELETE', `/api/core/sliceprivileges/${privilege}`)).status, 204);
    await new Promise((r) => setTimeout(r, RECHECK * 8)); // several checks
    await rename('vm-unseen');
    // Released addresses leave the table at once, so only the stream's memory of them can decide.
    assert.deepEqual(await s.store.addresses.release(vm), ['10.200.0.2']);
    // Sites are seen by everyone, and notices arrive in order: once this one is in, so are the others.
    const site = await mk('sites', { name: `Marker ${++seq}`, login_base: `marker${seq}` });
    assert.ok(await stream.waitFor((e) => e.some((x) => x.model === 'Site' && x.id === site)), 'the marker did not arrive');
    assert.equal(ofVm(stream), 1, 'an update of the instance reached a user who is no longer a member');
    assert.equal(ofAddress(stream), 1, 'the release of its address reached a user who is no longer a member');
    assert.equal(stream.ended(), false);
  } finally {
    await stream.close();
  }
});
