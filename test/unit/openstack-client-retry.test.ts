import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenStackError, OpenStackSession } from '../../src/openstack/client/index.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from '../../src/openstack/client/retry.js';
import { createServer, type AddressInfo } from 'node:net';
import { isTokenRequest, startFakeCloud, tokenReply, type Handler, type Reply } from './openstack-client-fake-cloud.js';

const credentials = { type: 'password' as const, username: 'admin', password: 'pw-for-tests', projectName: 'admin' };

async function sessionFor(t: { after: (fn: () => Promise<void>) => void }, handler: Handler, options: Partial<ConstructorParameters<typeof OpenStackSession>[0]> = {}) {
  const cloud = await startFakeCloud((req) => (isTokenRequest(req) ? tokenReply(req, 'token-1') : handler(req)));
  t.after(() => cloud.close());
  const session = new OpenStackSession({ authUrl: `${cloud.url}/identity`, credentials, ...options });
  await session.token();
  return { cloud, session };
}

test('429 with Retry-After: waits as told, then succeeds', async (t) => {
  let calls = 0;
  const { cloud, session } = await sessionFor(t, (): Reply =>
    ++calls === 1
      ? { status: 429, headers: { 'Retry-After': '1' }, body: { overLimit: { code: 429, message: 'Rate limit exceeded' } } }
      : { status: 200, headers: { 'x-compute-request-id': 'req-after-429' }, body: { servers: [] } },
  );
  const started = Date.now();
  const res = await session.request({ type: 'compute' }, { path: 'servers' });
  const waited = Date.now() - started;
  assert.equal(res.status, 200);
  assert.equal(res.requestId, 'req-after-429');
  assert.equal(cloud.count('GET', '/compute/'), 2);
  assert.ok(waited >= 1000, `waited ${waited} ms, Retry-After asked for 1000`);
  assert.ok(waited < 2500, `waited ${waited} ms: jitter must stay small`);
});

test('429 retries are bounded; the last answer becomes the error', async (t) => {
  const { cloud, session } = await sessionFor(
    t,
    () => ({ status: 429, headers: { 'Retry-After': '0', 'x-openstack-request-id': 'req-limited' }, body: { overLimit: { code: 429, message: 'Rate limit exceeded' } } }),
    { retry: { maxRetries: 3 } },
  );
  await assert.rejects(session.request({ type: 'compute' }, { method: 'POST', path: 'servers', body: { server: {} } }), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.status, 429);
    assert.equal(err.attempts, 4);
    assert.equal(err.requestId, 'req-limited');
    assert.equal(err.serverMessage, 'Rate limit exceeded');
    return true;
  });
  assert.equal(cloud.count('POST', '/compute/'), 4);
});

test('a Retry-After longer than the policy allows fails at once instead of hanging', async (t) => {
  const { cloud, session } = await sessionFor(t, () => ({ status: 429, headers: { 'Retry-After': '3600' } }), {
    retry: { maxDelayMs: 5000 },
  });
  const started = Date.now();
  await assert.rejects(session.request({ type: 'compute' }, { path: 'servers' }), { status: 429 });
  assert.ok(Date.now() - started < 1000);
  assert.equal(cloud.count('GET', '/compute/'), 1);
});

test('503 is retried for idempotent methods, not for a POST without Retry-After', async (t) => {
  let gets = 0;
  const { cloud, session } = await sessionFor(
    t,
    (req) => (req.method === 'GET' && ++gets > 1 ? { status: 200, body: { networks: [] } } : { status: 503, body: 'Service Unavailable' }),
    { retry: { baseDelayMs: 10 } },
  );
  const res = await session.request({ type: 'network', version: 'v2.0' }, { path: 'networks' });
  assert.equal(res.status, 200);
  assert.equal(cloud.count('GET', '/network/v2.0/networks'), 2);

  await assert.rejects(session.request({ type: 'network', version: 'v2.0' }, { method: 'POST', path: 'networks', body: { network: {} } }), { status: 503, code: 'http' });
  assert.equal(cloud.count('POST', '/network/'), 1, 'a create is not repeated blindly: it may have happened');
});

test('a request that gets no answer in time fails with a timeout error', async (t) => {
  const { session } = await sessionFor(t, () => ({ status: 200, body: { servers: [] }, delayMs: 3000 }), { timeoutMs: 5000 });
  const started = Date.now();
  await assert.rejects(session.request({ type: 'compute' }, { path: 'servers', timeoutMs: 200 }), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.code, 'timeout');
    assert.equal(err.status, 0);
    assert.match(err.message, /no answer within 200 ms/);
    return true;
  });
  const took = Date.now() - started;
  assert.ok(took < 1500, `gave up after ${took} ms`);
});

test("the caller's AbortSignal ends a request, and a pending retry wait", async (t) => {
  const { session } = await sessionFor(t, () => ({ status: 429, headers: { 'Retry-After': '10' } }), { retry: { maxDelayMs: 60_000 } });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = Date.now();
  await assert.rejects(session.request({ type: 'compute' }, { path: 'servers', signal: controller.signal }), { code: 'aborted' });
  assert.ok(Date.now() - started < 2000);
});

test('connection failures on GET are retried a bounded number of times, then reported', async (t) => {
  const closedPort = await freePort();
  const { cloud, session } = await sessionFor(t, () => ({ status: 200, body: {} }), {
    retry: { maxRetries: 2, baseDelayMs: 5 },
    // nothing listens there any more: connection refused
    endpointOverrides: { compute: `http://127.0.0.1:${closedPort}/v2.1` },
  });
  await assert.rejects(session.request({ type: 'compute' }, { path: 'servers' }), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.code, 'network');
    assert.equal(err.attempts, 3);
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });
  assert.equal(cloud.count('GET', '/compute/'), 0);
});

test('Retry-After parsing: seconds and HTTP dates', () => {
  const now = Date.parse('2026-11-22T05:00:00Z');
  assert.equal(parseRetryAfter('2', now), 2000);
  assert.equal(parseRetryAfter('0', now), 0);
  assert.equal(parseRetryAfter('Sun, 22 Nov 2026 05:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Sun, 22 Nov 2026 04:59:00 GMT', now), 0, 'a date in the past means now');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

test('retry delays: at least Retry-After, jitter bounded, backoff capped', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 500, maxDelayMs: 4000 };
  for (const r of [0, 0.5, 0.999]) {
    const d = retryDelay(1, 2000, policy, () => r)!;
    assert.ok(d >= 2000 && d <= 2250, `with Retry-After 2 s: ${d}`);
    const b1 = retryDelay(1, undefined, policy, () => r)!;
    assert.ok(b1 >= 250 && b1 <= 500, `first backoff ${b1}`);
    const b10 = retryDelay(10, undefined, policy, () => r)!;
    assert.ok(b10 >= 2000 && b10 <= 4000, `capped backoff ${b10}`);
  }
  assert.equal(retryDelay(1, 5000, policy), undefined, 'longer than maxDelayMs: give up');
});

/** a loopback port that was free a moment ago */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
