// Production serving: a real `xos serve` behind Debian's nginx, configured by `xos nginx-config`.
// The web UI loads through nginx in chromium, the API and the live events pass through it (the
// events at once), its caching and body limit are the promised ones, and a client can neither
// hide behind nginx's address nor choose its own with X-Forwarded-For.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort, run, serve, xos, type Served } from '../helpers/xos-process.js';
import { checkConfig, startNginx, skipNginx, type Nginx } from '../helpers/nginx.js';
import { execFileSync } from 'node:child_process';
import { openEvents } from '../helpers/sse.js';
import { ADMIN } from '../helpers/xos.js';
import { ConsoleWatch, ensureUiBuilt, launch, login, newPage, skipBrowser } from './browser.js';

// One request from a chosen loopback address (the client's own), optionally with headers.
function call(port: number, o: { method?: string; path: string; from?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, localAddress: o.from, headers: { ...o.headers, ...(o.body ? { 'content-length': Buffer.byteLength(o.body) } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

describe('behind nginx', { skip: skipNginx || skipBrowser }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-nginx-'));
  let xosServer: Served;
  let nginx: Nginx;
  let port = 0; // nginx's
  let token = '';
  const BODY_LIMIT = 8192;

  before(async () => {
    ensureUiBuilt();
    port = await freePort();
    const env = {
      XOS_DATA_DIR: path.join(tmp, 'data'),
      XOS_ADMIN_PASSWORD: ADMIN.password,
      XOS_API_TRUSTED_PROXIES: '127.0.0.1',
      XOS_API_LOGIN_ATTEMPTS_PER_MINUTE: '3',
      XOS_API_BODY_LIMIT: String(BODY_LIMIT),
      XOS_OBSERVER_ENABLED: 'false',
    };
    xosServer = await serve(env);
    const block = (await run(xos, ['nginx-config', '--listen', `127.0.0.1:${port}`], { env: { ...process.env, ...env, XOS_API_PORT: String(xosServer.port) } })).stdout;
    assert.match(block, new RegExp(`client_max_body_size ${BODY_LIMIT};`));
    nginx = await startNginx(path.join(tmp, 'nginx'), block, port);
    const login = await call(port, {
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    assert.equal(login.status, 200, login.text);
    token = JSON.parse(login.text).token;
  });
  after(async () => {
    await nginx?.stop();
    if (xosServer?.proc.exitCode === null) await xosServer.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the web UI loads through nginx in chromium and one logs in', async () => {
    const browser: Browser = await launch();
    try {
      const watch = new ConsoleWatch();
      const { ctx, page } = await newPage(browser, watch);
      await login(page, `http://127.0.0.1:${port}`);
      await page.goto(`http://127.0.0.1:${port}/slices`); // a client-side route, answered with the page
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      assert.deepEqual(watch.unexpected([]), []);
      await ctx.close();
    } finally {
      await browser.close();
    }
  });

  test('nginx serves the files: hashed assets cached for good, the page never, unknown API paths go to XOS', async () => {
    const page = await call(port, { path: '/sites/1' });
    assert.equal(page.status, 200);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    const asset = /\/assets\/[^"]+\.js/.exec(page.text)?.[0];
    assert.ok(asset, page.text);
    const js = await call(port, { path: asset });
    assert.equal(js.status, 200);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await call(port, { path: '/assets/missing-abc123.js' })).status, 404);
    const api404 = await call(port, { path: '/api/nothing-here' });
    assert.equal(api404.status, 404);
    assert.match(String(api404.headers['content-type']), /json/);
  });

  test('the API and its live events arrive through nginx, the events within a second', async () => {
    const base = `http://127.0.0.1:${port}`;
    const events = await openEvents(base, { authorization: `Bearer ${token}` });
    try {
      const t0 = Date.now();
      const made = await call(port, {
        method: 'POST',
        path: '/api/core/slices',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mysite_nginx', site: 1 }),
      });
      assert.equal(made.status, 201, made.text);
      const id = JSON.parse(made.text).id;
      assert.ok(await events.waitFor((es) => es.some((e) => e.model === 'Slice' && e.id === id), 1000), 'the change event within a second');
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await events.close();
    }
  });

  test('a body over the API limit is refused by nginx', async () => {
    const big = await call(port, {
      method: 'POST',
      path: '/api/core/slices',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mysite_big', site: 1, description: 'x'.repeat(BODY_LIMIT) }),
    });
    assert.equal(big.status, 413);
  });

  test('XOS sees the client address nginx saw, and a client cannot choose another one', async () => {
    const attempt = (from: string, spoof?: string) =>
      call(port, {
        method: 'POST',
        path: '/api/auth/login',
        from,
        headers: { 'content-type': 'application/json', ...(spoof ? { 'x-forwarded-for': spoof } : {}) },
        body: JSON.stringify({ email: `nobody-${Math.random()}@example.com`, password: 'wrong-password' }),
      });
    // Three logins a minute per address. The client at 127.0.0.2 claims a new address each time.
    for (let i = 0; i < 3; i++) assert.equal((await attempt('127.0.0.2', `10.9.8.${i}`)).status, 401);
    const fourth = await attempt('127.0.0.2', '10.9.8.77');
    assert.equal(fourth.status, 429, 'the spoofed addresses did not count: the real one did');
    // Another client behind the same nginx is counted on its own: XOS does not see nginx's address.
    assert.equal((await attempt('127.0.0.3')).status, 401);
  });

  test('the TLS variant is a configuration nginx accepts', async () => {
    const dir = path.join(tmp, 'tls');
    fs.mkdirSync(dir);
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=xos.test', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
    const block = (await run(xos, ['nginx-config', '--tls', '--server-name', 'xos.test', '--cert', cert, '--key', key], { env: { ...process.env, XOS_DATA_DIR: path.join(tmp, 'data') } })).stdout;
    assert.match(block, /listen 443 ssl http2;/);
    assert.match(block, /return 301 https:/);
    assert.match(checkConfig(dir, block), /syntax is ok/);
    const missing = await run(xos, ['nginx-config', '--tls']).then(
      () => assert.fail('--tls without a certificate should fail'),
      (e: { stderr: string }) => e,
    );
    assert.match(missing.stderr, /--tls: give the certificate and key files with --cert and --key/);
  });
});
