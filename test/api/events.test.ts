// The change feed over server-sent events, through a real HTTP connection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, basic, startTestServer, type TestServer } from '../helpers/xos.js';

let s: TestServer;
let base: string;
before(async () => {
  s = await startTestServer('pglite');
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
});
after(() => s.close());

// Collect "change" events from a stream until `until` returns true or the time runs out.
async function collect(auth: string, act: () => Promise<void>, until: (evs: any[]) => boolean, ms = 3000) {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/api/events`, { headers: { authorization: auth }, signal: ctrl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/event-stream/);
  const events: any[] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const started = Date.now();
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value);
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: change$/m.test(block) && data) events.push({ ...JSON.parse(data[1]), at: Date.now() });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  await act();
  while (!until(events) && Date.now() - started < ms) await new Promise((r) => setTimeout(r, 20));
  ctrl.abort();
  await reading;
  return { events, t0 };
}

test('a write reaches an open stream within a second', async () => {
  let id = 0;
  const { events, t0 } = await collect(
    basic(ADMIN),
    async () => {
      id = (await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'mysite_live', site: 1 })).body.id;
      await s.call(ADMIN, 'PATCH', `/api/core/slices/${id}`, { description: 'changed' });
    },
    (e) => e.filter((x) => x.model === 'Slice').length >= 2,
  );
  const mine = events.filter((e) => e.model === 'Slice' && e.id === id);
  assert.deepEqual(mine.map((e) => [e.op, e.version]), [['create', 1], ['update', 2]]);
  assert.ok(mine[1].at - t0 < 1000, `arrived after ${mine[1].at - t0} ms`);
});

test('a user is not told about rows they cannot see', async () => {
  const user = { email: 'watcher@example.com', password: 'watcher-password' };
  assert.equal((await s.call(ADMIN, 'POST', '/api/core/users', { ...user, firstname: 'W', lastname: 'W', site: 1 })).status, 201);
  let hidden = 0;
  let site = 0;
  const { events } = await collect(
    basic(user),
    async () => {
      hidden = (await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'mysite_hidden', site: 1 })).body.id;
      site = (await s.call(ADMIN, 'POST', '/api/core/sites', { name: 'Visible', login_base: 'visible' })).body.id;
    },
    (e) => e.some((x) => x.model === 'Site' && x.id === site),
  );
  assert.ok(events.some((e) => e.model === 'Site' && e.id === site), 'sites are visible to everyone');
  assert.ok(!events.some((e) => e.model === 'Slice' && e.id === hidden), 'a slice the user has no part in stays hidden');
});

test('the stream needs authentication', async () => {
  const res = await fetch(`${base}/api/events`);
  assert.equal(res.status, 401);
});
