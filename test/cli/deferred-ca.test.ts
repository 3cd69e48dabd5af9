// NODE_EXTRA_CA_CERTS and the CLI: the commands that only talk to the API start without node
// reading the file (bin/xos moves it aside), every other command starts with it, and an https
// API behind Debian's nginx is trusted exactly as node would trust it: with the file's
// certificates added to node's bundled roots, or, when node uses OpenSSL's store instead, by
// running the command again the usual way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, run, serve, xos, type Served } from '../helpers/xos-process.js';
import { startNginx, skipNginx, type Nginx } from '../helpers/nginx.js';
import { ADMIN } from '../helpers/xos.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-deferred-ca-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The environment without any of the machine's own certificate settings.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'XOS_DEFERRED_CA_CERTS']) delete env[k];
  return { ...env, ...extra };
}

const outcome = (args: string[], env: NodeJS.ProcessEnv) =>
  run(xos, args, { env }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const IGNORED = /Ignoring extra certs from `\/nonexistent\/ca.pem`/;

test('the commands that only talk to the API start without reading NODE_EXTRA_CA_CERTS; the others read it', async () => {
  // node warns at start-up when it cannot read the file: the warning shows who read it
  const env = cleanEnv({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem', XOS_DATA_DIR: path.join(tmp, 'none') });
  for (const args of [['--version'], ['--help'], ['models']]) {
    const r = await outcome(args, env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, IGNORED, `xos ${args.join(' ')} read the file at start-up`);
  }
  for (const args of [['config', 'show'], ['--url', 'http://127.0.0.1:9', '--version']]) {
    const r = await outcome(args, env);
    assert.match(r.stderr, IGNORED, `xos ${args.join(' ')} started without the file`);
  }
});

describe('an https API behind nginx, its certificate from a private authority', { skip: skipNginx }, () => {
  let server: Served;
  let nginx: Nginx;
  let url = '';
  const ca = path.join(tmp, 'ca.pem');
  const other = path.join(tmp, 'other-ca.pem');

  before(async () => {
    const key = (name: string) => path.join(tmp, `${name}.key`);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=XOS test authority', '-days', '1', '-keyout', key('ca'), '-out', ca);
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=unrelated authority', '-days', '1', '-keyout', key('other'), '-out', other);
    const csr = path.join(tmp, 'server.csr');
    const cert = path.join(tmp, 'server.pem');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', key('server'), '-out', csr);
    fs.writeFileSync(path.join(tmp, 'san.cnf'), 'subjectAltName = IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', csr, '-CA', ca, '-CAkey', key('ca'), '-CAcreateserial', '-days', '1', '-extfile', path.join(tmp, 'san.cnf'), '-out', cert);

    const env = { XOS_DATA_DIR: path.join(tmp, 'data'), XOS_ADMIN_PASSWORD: ADMIN.password, XOS_OBSERVER_ENABLED: 'false' };
    server = await serve(env);
    const port = await freePort();
    const block = (
      await run(xos, ['nginx-config', '--tls', '--listen', `127.0.0.1:${port}`, '--cert', cert, '--key', key('server')], {
        env: { ...process.env, ...env, XOS_API_PORT: String(server.port) },
      })
    ).stdout;
    nginx = await startNginx(path.join(tmp, 'nginx'), block, port);
    url = `https://127.0.0.1:${port}`;
  });
  after(async () => {
    await nginx?.stop();
    if (server?.proc.exitCode === null) await server.stop();
  });

  const list = (extra: Record<string, string>) =>
    outcome(['list', 'sites'], cleanEnv({ XOS_URL: url, XOS_USER: ADMIN.email, XOS_PASSWORD: ADMIN.password, XOS_CLI_HOME: path.join(tmp, 'cli'), ...extra }));

  test('without the authority the certificate is refused', async () => {
    const r = await list({});
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /certificate/i);
  });

  test('with the authority in NODE_EXTRA_CA_CERTS the command reads the sites', async () => {
    const r = await list({ NODE_EXTRA_CA_CERTS: ca });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 of 1 sites/);
  });

  test('node on OpenSSL\'s store: the command runs again with the variable and that store', async () => {
    // The authority is only in OpenSSL's store (SSL_CERT_FILE); NODE_EXTRA_CA_CERTS names another
    // one. Node's bundled roots plus that one would refuse the certificate.
    const r = await list({ NODE_OPTIONS: '--use-openssl-ca', SSL_CERT_FILE: ca, NODE_EXTRA_CA_CERTS: other });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 of 1 sites/);
    const bundled = await list({ SSL_CERT_FILE: ca, NODE_EXTRA_CA_CERTS: other });
    assert.notEqual(bundled.code, 0, 'with node\'s bundled roots the same settings do not trust it');
  });
});
