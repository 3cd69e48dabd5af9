// Paths of the web UI that name no file that could exist (a NUL, a name longer than file systems
// allow, a path through a file) are a 404, never a 500; real files and client routes still work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { startTestServer, type TestServer, buildTestServer } from '../helpers/xos.js';

describe('static paths of the web UI', () => {
  let s: TestServer;
  let app: FastifyInstance;
  let dist: string;
  before(async () => {
    s = await startTestServer('pglite');
    // A stand-in for ui/dist, which tests outside test/ui do not build.
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-ui-dist-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dist, 'favicon.ico'), 'icon');
    app = await buildTestServer({ store: s.store, config: s.config, logger: false, uiDistDir: dist });
  });
  after(async () => {
    await app?.close();
    await s?.close();
    if (dist) fs.rmSync(dist, { recursive: true, force: true });
  });

  const get = (url: string) => app.inject({ method: 'GET', url });

  test('a NUL, an over-long name or a path through a file is a problem+json 404', async () => {
    const long = 'a'.repeat(256);
    for (const url of [
      '/%00', '/x/%00/y', '/assets/%00.js', '/assets/', '/assets/app.js/', '/index.html/', '/index.html/x', '/favicon.ico/',
      `/${long}`, `/assets/${long}.js`, `/slices/${long}`, `/${'é'.repeat(128)}`,
    ]) {
      const r = await get(url);
      assert.equal(r.statusCode, 404, `${url.slice(0, 60)}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/, url.slice(0, 60));
    }
  });

  test('files, the page and its client routes are still served', async () => {
    assert.equal((await get('/assets/app.js')).statusCode, 200);
    assert.equal((await get('/favicon.ico')).statusCode, 200);
    for (const url of ['/', '/slices/3', '/slices/3/', `/${'a'.repeat(255)}`]) {
      const r = await get(url);
      assert.equal(r.statusCode, 200, url.slice(0, 60));
      assert.match(r.body, /<div id="root">/);
    }
  });
});
