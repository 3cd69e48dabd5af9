// `xos start`, `status`, `reload` and `stop` on real processes, under a steady stream of API
// requests: a reload replaces the workers and reads xos_config again with no request failing,
// event streams end and reconnect, and a stop lets every request it has accepted finish.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, run, xos } from '../helpers/xos-process.js';
import { steadyLoad, type Outcome } from '../helpers/steady-load.js';
import { backends, createPgDatabase } from '../helpers/xos.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSWORD = 'serving-Passw0rd-1';
const basic = `Basic ${Buffer.from(`admin@example.com:${PASSWORD}`).toString('base64')}`;

// A request that got no HTTP answer, or a server error.
const failed = (o: Outcome) => o.status === null || o.status >= 500;

for (const backend of backends) {
  describe(`xos start / status / reload / stop (${backend})`, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-serving-'));
    const configFile = path.join(tmp, 'xos_config');
    let port = 0;
    let env: NodeJS.ProcessEnv;
    let dropDb = async () => {};
    let dbUrl = '';
    const workers = backend === 'postgres' ? 2 : 1; // API processes
    const processes = backend === 'postgres' ? 3 : 1; // and the one with sync and ops
    const writeConfig = (branding: string) =>
      fs.writeFileSync(
        configFile,
        `[db]\ndata_dir = ${path.join(tmp, 'data')}\n${dbUrl ? `url = ${dbUrl}\n` : ''}` +
          `[api]\nport = ${port}\nlog_level = warn\n[server]\nworkers = ${workers}\nstop_seconds = 20\n[gui]\nbranding_name = ${branding}\n`,
      );
    const cli = (args: string[]) => run(xos, args, { env });
    const statusJson = async () => JSON.parse((await cli(['status', '--json'])).stdout);
    let token = '';

    before(async () => {
      port = await freePort();
      if (backend === 'postgres') {
        const db = await createPgDatabase();
        dbUrl = db.url;
        dropDb = db.drop;
      }
      writeConfig('Before');
      env = { ...process.env, XOS_CONFIG: configFile, XOS_ADMIN_PASSWORD: PASSWORD, XOS_CLI_HOME: path.join(tmp, 'cli') };
    });
    after(async () => {
      await cli(['stop']).catch(() => {});
      await dropDb();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    test('start runs XOS in the background; status shows pid, roles, workers, uptime and version', async () => {
      const started = await cli(['start']);
      assert.match(started.stdout, /XOS \d+\.\d+\.\d+ is running \(pid (\d+)\)/);
      const pid = Number(/pid (\d+)/.exec(started.stdout)![1]);
      assert.equal(Number(fs.readFileSync(path.join(tmp, 'data', 'xos.pid'), 'utf8')), pid);
      const status = (await cli(['status'])).stdout;
      assert.match(status, new RegExp(`is running \\(pid ${pid}\\), up \\d+`));
      assert.match(status, /roles: +api, sync, ops/);
      assert.equal((await statusJson()).workers.length, processes);
      const again = await cli(['start']).then(
        () => assert.fail('a second start should be refused'),
        (e: { code: number; stderr: string }) => e,
      );
      assert.match(again.stderr, new RegExp(`XOS is already running \\(pid ${pid}`));
      const res = await fetch(`http://127.0.0.1:${port}/api/auth/tokens`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'load' }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      token = ((await res.json()) as { token: string }).token;
    });

    test('reload under a steady load: new workers, the new configuration, no failed request, event streams reconnect', async () => {
      const before = await statusJson();
      const events = await fetch(`http://127.0.0.1:${port}/api/events`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(events.status, 200);
      const streamEnded = events.text().then(() => true);
      const load = steadyLoad({ port, token, prefix: 'mysite_r', clients: 4 });
      await sleep(3000);
      writeConfig('After');
      const reloadStarted = Date.now();
      const out = await cli(['reload']);
      assert.match(out.stdout, /reloads: +1/);
      const reloadDone = Date.now();
      await sleep(3000);
      await load.stop();
      const after = await statusJson();
      assert.equal(after.pid, before.pid, 'the supervisor stays');
      assert.equal(after.workers.length, processes);
      for (const w of after.workers) assert.ok(!before.workers.some((b: { pid: number }) => b.pid === w.pid), 'every worker replaced');
      // On the embedded database requests wait in the supervisor while its one worker is
      // replaced: slow, not failed.
      const slowest = Math.max(...load.outcomes.map((o) => o.ms));
      console.log(`# ${load.outcomes.length} requests during the reload test, the slowest ${slowest} ms`);
      const bad = load.outcomes.filter(failed);
      assert.deepEqual(bad, [], `${bad.length} of ${load.outcomes.length} requests failed`);
      assert.ok(load.outcomes.filter((o) => o.at < reloadStarted).length >= 3, 'requests before the reload');
      assert.ok(load.outcomes.filter((o) => o.at > reloadDone).length >= 3, 'requests after the reload');
      const ui = (await (await fetch(`http://127.0.0.1:${port}/api/ui/config`)).json()) as { branding_name?: string };
      assert.equal(JSON.stringify(ui).includes('After'), true, JSON.stringify(ui));
      assert.equal(await Promise.race([streamEnded, sleep(5000).then(() => false)]), true, 'the old event stream ended');
      const again = await fetch(`http://127.0.0.1:${port}/api/events`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(again.status, 200, 'and a new one opens');
      await again.body?.cancel();
      // every acknowledged write is there
      const made = load.outcomes.filter((o) => o.kind === 'write' && o.status === 201).map((o) => o.id);
      // every page: a busy run writes more than one page holds
      const have = new Set<number>();
      for (let url: string | null = `http://127.0.0.1:${port}/api/core/slices?limit=1000`; url; ) {
        const page = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          items: { id: number }[];
          next: string | null;
        };
        for (const s of page.items) have.add(s.id);
        url = page.next;
      }
      assert.ok(made.length > 0);
      assert.deepEqual(made.filter((id) => !have.has(id!)), []);
    });

    test('stop with requests in flight: every accepted request is answered, then the pid file is gone', async () => {
      const { pid } = await statusJson();
      const load = steadyLoad({ port, token, prefix: 'mysite_s', clients: 6 });
      await sleep(1500);
      const stopAt = Date.now();
      const stopped = await cli(['stop']);
      assert.match(stopped.stdout, new RegExp(`XOS \\(pid ${pid}\\) stopped`));
      await load.stop();
      // After the stop the port is closed: a new connection is refused (it never reached XOS).
      // Anything else without an answer was cut off.
      const cut = load.outcomes.filter((o) => failed(o) && o.error !== 'ECONNREFUSED');
      assert.deepEqual(cut, [], `${cut.length} requests cut off`);
      assert.ok(load.outcomes.filter((o) => o.at > stopAt && o.status === 200).length > 0, 'requests answered during the stop');
      assert.ok(!fs.existsSync(path.join(tmp, 'data', 'xos.pid')));
      const status = await cli(['status']).then(
        () => assert.fail('status should exit 3'),
        (e: { code: number; stdout: string }) => e,
      );
      assert.equal(status.code, 3);
      assert.match(status.stdout, /XOS is not running/);
    });
  });
}
