import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { OpenStackClient, OpenStackError, OpenStackSession } from '../../src/openstack/client/index.js';
import { isTokenRequest, startFakeCloud, tokenReply, type ReceivedRequest } from './openstack-client-fake-cloud.js';
import { ADMIN_PASSWORD, errors, tokenBody } from './openstack-client-recordings.js';

const passwordCredentials = {
  type: 'password' as const,
  username: 'admin',
  password: ADMIN_PASSWORD,
  projectName: 'admin',
  userDomainName: 'Default',
  projectDomainName: 'Default',
};

const serversOk = { status: 200, body: { servers: [] } };

test('password authentication sends a v3 body and uses the X-Subject-Token header', async (t) => {
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) return tokenReply(req, 'token-1');
    return serversOk;
  });
  t.after(() => cloud.close());
  const session = new OpenStackSession({ authUrl: `${cloud.url}/identity/v3/`, credentials: passwordCredentials });

  const token = await session.token();
  assert.equal(token.value, 'token-1');
  assert.equal(token.project?.name, 'admin');
  assert.deepEqual(token.roles.map((r) => r.name).sort(), ['admin', 'member', 'reader']);
  assert.equal(cloud.requests[0]!.path, '/identity/v3/auth/tokens', 'a trailing /v3/ in the auth URL is not doubled');
  assert.deepEqual(cloud.requests[0]!.json, {
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    },
  });

  await session.request({ type: 'compute' }, { path: 'servers' });
  const call = cloud.requests[1]!;
  assert.equal(call.path, '/compute/v2.1/servers');
  assert.equal(call.headers['x-auth-token'], 'token-1');
  assert.equal(session.authCount, 1);
});

test('application credentials authenticate without a scope', async (t) => {
  const cloud = await startFakeCloud((req) => tokenReply(req, 'token-ac'));
  t.after(() => cloud.close());
  const session = new OpenStackSession({
    authUrl: `${cloud.url}/identity`,
    credentials: { type: 'application_credential', id: 'ac-123', secret: 'ac-secret-value' },
  });
  await session.token();
  assert.deepEqual(cloud.requests[0]!.json, {
    auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac-123', secret: 'ac-secret-value' } } },
  });
});

test('the endpoint is chosen by service type, region and interface (public by default)', async (t) => {
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) {
      const body = tokenBody(req.baseUrl);
      // two regions, each with different URLs per interface
      body.token.catalog = [
        {
          id: 'c', type: 'compute', name: 'nova',
          endpoints: [
            { id: '1', interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: `${req.baseUrl}/r1-public/v2.1` },
            { id: '2', interface: 'internal', region_id: 'RegionTwo', region: 'RegionTwo', url: `${req.baseUrl}/r2-internal/v2.1` },
            { id: '3', interface: 'public', region_id: 'RegionTwo', region: 'RegionTwo', url: `${req.baseUrl}/r2-public/v2.1` },
          ],
        },
      ];
      return { status: 201, headers: { 'X-Subject-Token': 't' }, body };
    }
    return serversOk;
  });
  t.after(() => cloud.close());
  const base = { authUrl: `${cloud.url}/identity`, credentials: passwordCredentials };

  await new OpenStackSession({ ...base, region: 'RegionTwo' }).request({ type: 'compute' }, { path: 'servers' });
  await new OpenStackSession({ ...base, region: 'RegionTwo', interface: 'internal' }).request({ type: 'compute' }, { path: 'servers' });
  await new OpenStackSession({ ...base, region: 'RegionOne' }).request({ type: 'compute' }, { path: 'servers' });
  const paths = cloud.requests.filter((r) => !isTokenRequest(r)).map((r) => r.path);
  assert.deepEqual(paths, ['/r2-public/v2.1/servers', '/r2-internal/v2.1/servers', '/r1-public/v2.1/servers']);

  await assert.rejects(
    new OpenStackSession({ ...base, region: 'RegionThree' }).request({ type: 'compute' }, { path: 'servers' }),
    (err: unknown) => err instanceof OpenStackError && err.code === 'endpoint_not_found' && /compute public in region RegionThree/.test(err.message),
  );
});

test('a token with less than 120 s left is replaced before the request', async (t) => {
  let issued = 0;
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) {
      issued++;
      // the first token is about to expire, the second is good for an hour
      return tokenReply(req, `token-${issued}`, { expiresInMs: issued === 1 ? 100_000 : 3_600_000 });
    }
    return serversOk;
  });
  t.after(() => cloud.close());
  const session = new OpenStackSession({ authUrl: `${cloud.url}/identity`, credentials: passwordCredentials });

  assert.equal((await session.token()).value, 'token-1');
  await session.request({ type: 'compute' }, { path: 'servers' });
  await session.request({ type: 'compute' }, { path: 'servers' });
  const tokensUsed = cloud.requests.filter((r) => !isTokenRequest(r)).map((r) => r.headers['x-auth-token']);
  assert.deepEqual(tokensUsed, ['token-2', 'token-2']);
  assert.equal(session.authCount, 2);
});

test('concurrent requests that meet an expired token share exactly one re-authentication', async (t) => {
  let issued = 0;
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) {
      issued++;
      return { ...tokenReply(req, `token-${issued}`), delayMs: 50 };
    }
    // the server considers token-1 expired (revoked, clock skew...): 401 until a new one comes
    if (req.headers['x-auth-token'] === 'token-1') return errors.tokenRejected;
    return serversOk;
  });
  t.after(() => cloud.close());
  const session = new OpenStackSession({ authUrl: `${cloud.url}/identity`, credentials: passwordCredentials });
  await session.token();

  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => session.request({ type: 'compute' }, { path: 'servers', query: { n: i } })),
  );
  assert.equal(results.length, 8);
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(cloud.count('POST', '/identity/v3/auth/tokens'), 2, 'the initial authentication plus one shared re-authentication');
  assert.equal(session.authCount, 2);
  // each request: one attempt with the old token, one retry with the new one
  const byToken = (value: string) => cloud.requests.filter((r: ReceivedRequest) => !isTokenRequest(r) && r.headers['x-auth-token'] === value).length;
  assert.equal(byToken('token-1'), 8);
  assert.equal(byToken('token-2'), 8);
});

test('a 401 after re-authentication is an error, not a loop', { timeout: 10_000 }, async (t) => {
  let issued = 0;
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) return tokenReply(req, `token-${++issued}`);
    return errors.tokenRejected; // every token is refused
  });
  t.after(() => cloud.close());
  const session = new OpenStackSession({ authUrl: `${cloud.url}/identity`, credentials: passwordCredentials });

  await assert.rejects(session.request({ type: 'compute' }, { path: 'servers' }), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.code, 'unauthorized_after_reauth');
    assert.equal(err.status, 401);
    assert.equal(err.service, 'compute');
    assert.equal(err.requestId, 'req-4e13f30b-5996-4c1b-a4ab-1369d81ad3cd');
    assert.equal(err.attempts, 2);
    return true;
  });
  assert.equal(cloud.count('POST', '/identity/v3/auth/tokens'), 2);
  assert.equal(cloud.count('GET', '/compute/'), 2);
});

test('when re-authentication itself fails, the request fails once with auth_failed', { timeout: 10_000 }, async (t) => {
  let issued = 0;
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) return ++issued === 1 ? tokenReply(req, 'token-1') : errors.badCredentials;
    return errors.tokenRejected;
  });
  t.after(() => cloud.close());
  const session = new OpenStackSession({ authUrl: `${cloud.url}/identity`, credentials: passwordCredentials });
  await session.token();

  await assert.rejects(session.request({ type: 'compute' }, { path: 'servers' }), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.code, 'auth_failed');
    assert.equal(err.service, 'identity');
    assert.match(err.message, /401 Unauthorized: The request you have made requires authentication/);
    return true;
  });
  assert.equal(cloud.count('POST', '/identity/v3/auth/tokens'), 2);
  assert.equal(cloud.count('GET', '/compute/'), 1);
});

test('passwords, secrets and tokens never appear in errors, events or inspection', async (t) => {
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) return tokenReply(req, 'gAAAAABsecret-token-value');
    // a server that echoes what it was sent
    return { status: 400, body: { badRequest: { code: 400, message: `bad request from ${ADMIN_PASSWORD} with gAAAAABsecret-token-value` } } };
  });
  t.after(() => cloud.close());
  const events: unknown[] = [];
  const client = new OpenStackClient({
    authUrl: `http://user:${ADMIN_PASSWORD}@127.0.0.1:${cloud.port}/identity`,
    credentials: passwordCredentials,
    onRequest: (e) => events.push(e),
  });

  const err = await client.session.request({ type: 'compute' }, { path: 'servers' }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenStackError);
  const everything = [err.message, JSON.stringify(err), inspect(err), inspect(client, { depth: 6 }), JSON.stringify(events)].join('\n');
  assert.ok(!everything.includes(ADMIN_PASSWORD), 'no password');
  assert.ok(!everything.includes('gAAAAABsecret-token-value'), 'no token');
  assert.match(err.message, /bad request from \*\*\* with \*\*\*/);
  assert.ok(events.length >= 2);
});

test('a wrong password gives a readable auth_failed error', async (t) => {
  const cloud = await startFakeCloud(() => errors.badCredentials);
  t.after(() => cloud.close());
  const client = new OpenStackClient({ authUrl: `${cloud.url}/identity`, credentials: { ...passwordCredentials, password: 'wrong-password-123' } });
  await assert.rejects(client.authenticate(), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.code, 'auth_failed');
    assert.equal(err.requestId, 'req-8e4a1a69-c2f5-4015-ae83-56e5c02873b8');
    assert.equal(
      err.message,
      `identity POST ${cloud.url}/identity/v3/auth/tokens: 401 Unauthorized: The request you have made requires authentication. (request req-8e4a1a69-c2f5-4015-ae83-56e5c02873b8)`,
    );
    assert.ok(!err.message.includes('wrong-password-123'));
    return true;
  });
});
