import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenStackError, OpenStackSession } from '../../src/openstack/client/index.js';
import { tokenBody } from './openstack-client-recordings.js';

/** a self-signed certificate for 127.0.0.1, made with the openssl command */
function makeCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'xos-ca-test-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=xos test CA',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certificate = makeCertificate();

test('a cluster with its own CA is reached with that CA, and only with it', { skip: certificate ? false : 'the openssl command is not available' }, async (t) => {
  const { key, cert } = certificate!;
  const server = https.createServer({ key, cert }, (req, res) => {
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.method === 'POST' && req.url === '/identity/v3/auth/tokens') {
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'tls-token' });
      res.end(JSON.stringify(tokenBody(base)));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-tls' });
    res.end(JSON.stringify({ networks: [], seen_token: req.headers['x-auth-token'] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const authUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/identity`;
  const credentials = { type: 'password' as const, username: 'admin', password: 'pw-for-tests', projectName: 'admin' };

  const trusting = new OpenStackSession({ authUrl, credentials, caBundle: cert });
  const res = await trusting.request<{ seen_token: string }>({ type: 'network', version: 'v2.0' }, { path: 'networks' });
  assert.equal(res.status, 200);
  assert.equal(res.requestId, 'req-tls');
  assert.equal(res.body.seen_token, 'tls-token');

  // the CA is not added to the process: a session without it refuses the certificate
  const untrusting = new OpenStackSession({ authUrl, credentials, retry: { maxRetries: 0 } });
  await assert.rejects(untrusting.token(), (err: unknown) => {
    assert.ok(err instanceof OpenStackError);
    assert.equal(err.code, 'network');
    assert.match(err.message, /certificate/i);
    return true;
  });
});

test('[nova] ca_ssl_cert is trusted for a controller that has no bundle of its own', { skip: certificate ? false : 'the openssl command is not available' }, async (t) => {
  const { clientFor } = await import('../../src/openstack/connect.js');
  const { key, cert } = certificate!;
  const server = https.createServer({ key, cert }, (req, res) => {
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'tls-token' });
    res.end(JSON.stringify(tokenBody(base)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const dir = mkdtempSync(join(tmpdir(), 'xos-ca-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const caFile = join(dir, 'ca.pem');
  (await import('node:fs')).writeFileSync(caFile, cert);
  const controller = {
    id: 1, version: 1, name: 'tls', auth_url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/identity/v3`,
    admin_user: 'admin', admin_password: 'stored', admin_tenant: 'admin', domain: 'Default', region: null, ca_bundle: null, endpoint_rewrite: [],
  };
  const ctx = { secret: () => 'pw-for-tests' };
  assert.equal((await clientFor(controller, ctx, { caFile }).authenticate()).catalog.length > 0, true);
  await assert.rejects(clientFor(controller, ctx, { timeoutMs: 5000 }).session.token(), /certificate/i);
  assert.throws(() => clientFor(controller, ctx, { caFile: join(dir, 'missing.pem') }), /\[nova\] ca_ssl_cert: cannot read .*missing\.pem \(ENOENT\)/);
});
