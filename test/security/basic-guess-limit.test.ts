// Password guessing over HTTP Basic is limited like the login form, and shares its budget: per
// client address and per account, wrong passwords only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, basic, startTestServer, type TestServer } from '../helpers/xos.js';

const MAX = 3;
let s: TestServer;
before(async () => {
  s = await startTestServer('pglite', { XOS_API_LOGIN_ATTEMPTS_PER_MINUTE: String(MAX) });
});
after(() => s.close());

let seq = 0;
async function newUser() {
  const u = { email: `guessed${++seq}@example.com`, password: 'the-right-password' };
  const r = await s.call(ADMIN, 'POST', '/api/core/users', { ...u, firstname: 'G', lastname: 'G', site: 1 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return u;
}

// Each test's requests come from its own addresses, so that the tests do not block each other.
const asBasic = (client: string, who: { email: string; password: string }) =>
  s.app.inject({ method: 'GET', url: '/api/auth/me', remoteAddress: client, headers: { authorization: basic(who) } });
const login = (client: string, who: { email: string; password: string }) =>
  s.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: client, payload: who });

function assertLimited(r: Awaited<ReturnType<typeof asBasic>>) {
  assert.equal(r.statusCode, 429, r.body);
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  const wait = Number(r.headers['retry-after']);
  assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 60, `Retry-After: ${r.headers['retry-after']}`);
  assert.equal(JSON.parse(r.body).status, 429);
}

test('after N wrong Basic passwords the next attempt gets 429 with Retry-After, even with the right password', async () => {
  const u = await newUser();
  for (let i = 0; i < MAX; i++) assert.equal((await asBasic('10.1.0.1', { ...u, password: `guess-${i}` })).statusCode, 401);
  assertLimited(await asBasic('10.1.0.1', { ...u, password: 'guess-more' }));
  assertLimited(await asBasic('10.1.0.1', u));
});

test('the limit holds per client address and per account', async () => {
  const guessed = await newUser();
  const bystander = await newUser();
  for (let i = 0; i < MAX; i++) assert.equal((await asBasic('10.2.0.1', { ...guessed, password: `guess-${i}` })).statusCode, 401);
  assert.equal((await asBasic('10.2.0.2', bystander)).statusCode, 200, 'another account from another address is not affected');
  assertLimited(await asBasic('10.2.0.3', guessed)); // the guessed account, from anywhere
  assertLimited(await asBasic('10.2.0.1', bystander)); // anything from the guessing address
});

test('successful Basic calls are never limited and do not reset the count of wrong ones', async () => {
  const u = await newUser();
  for (let i = 0; i < MAX * 3; i++) assert.equal((await asBasic('10.3.0.1', u)).statusCode, 200);
  for (let i = 0; i < MAX - 1; i++) assert.equal((await asBasic('10.3.0.2', { ...u, password: `guess-${i}` })).statusCode, 401);
  assert.equal((await asBasic('10.3.0.3', u)).statusCode, 200);
  assert.equal((await asBasic('10.3.0.4', { ...u, password: 'guess-last' })).statusCode, 401);
  assertLimited(await asBasic('10.3.0.5', u));
});

test('the login form and HTTP Basic share one budget per account', async () => {
  const u = await newUser();
  for (let i = 0; i < MAX; i++) assert.equal((await asBasic(`10.4.0.${i + 1}`, { ...u, password: `guess-${i}` })).statusCode, 401);
  assertLimited(await login('10.4.1.1', u));

  const v = await newUser();
  for (let i = 0; i < MAX; i++) assert.equal((await login(`10.4.2.${i + 1}`, { ...v, password: `guess-${i}` })).statusCode, 401);
  assertLimited(await asBasic('10.4.3.1', v));
});
