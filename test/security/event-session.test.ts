// An open event stream lasts no longer than the credentials it was opened with: it checks them
// every `eventsRecheckMs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, basic, startTestServer, type TestServer } from '../helpers/xos.js';
import { listening, openEvents, type EventStream } from '../helpers/sse.js';

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
    await s.store.db.query(`UPDATE sessions SET expires = now() - interval '1 second'`);
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
