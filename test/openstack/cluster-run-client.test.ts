// `xos cluster run -- <openstack arguments>` with Debian's real `openstack` client against both
// test clusters: output grouped as clush does and the same as the client with the cluster's own
// admin credentials prints, a failing command, an unreachable cluster, a timeout (a cluster whose
// endpoint rewrite points Neutron at an address that accepts connections but never answers), Ctrl-C,
// and afterwards no temporary file, no client process, and the run's token revoked. Only
// administrators who may write get the tokens; each one handed out is in the audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { controllerBody, lab, labClient, labSkip, type Lab } from '../helpers/lab.js';
import { freePort, serve, xos, type Served } from '../helpers/xos-process.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const PW = 'run-admin-password-1';
const SILENT = '127.0.0.9'; // a loopback address the lab does not listen on

describe('xos cluster run -- <openstack arguments> on the real clusters', { skip: labSkip }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-osrun-'));
  const cliTmp = path.join(tmp, 'cli-tmp'); // the CLI's TMPDIR: its per-run directories go here
  fs.mkdirSync(cliTmp);
  let server: Served;
  let l1: Lab;
  let l2: Lab;
  let silent: net.Server;
  const deps: Record<string, number> = {};
  const sockets = new Set<net.Socket>();
  const url = () => `http://127.0.0.1:${server.port}`;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(url() + p, { method, headers: { authorization: basic('admin@example.com', PW), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
  const cliEnv = (user = 'admin@example.com', pw = PW) => ({ ...process.env, XOS_URL: url(), XOS_USER: user, XOS_PASSWORD: pw, XOS_CLI_HOME: path.join(tmp, 'cli'), TMPDIR: cliTmp });
  const cli = (args: string[], env = cliEnv()) =>
    run(xos, args, { env, maxBuffer: 1 << 24 }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );
  const leftovers = () => fs.readdirSync(cliTmp);
  // Processes whose environment names this test's temporary directory: the clients it started.
  const clientsAlive = () =>
    fs.readdirSync('/proc').filter((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        return fs.readFileSync(`/proc/${p}/environ`, 'utf8').includes(`HOME=${cliTmp}/`);
      } catch {
        return false;
      }
    });
  // Keystone's answer about a token, asked with the cluster's admin token: 200 valid, 404 revoked.
  const tokenStatus = async (l: Lab, token: string) => {
    const admin = await labClient(l).session.token();
    const r = await fetch(`${l.auth_url}/auth/tokens`, { headers: { 'x-auth-token': admin.value, 'x-subject-token': token } });
    return r.status;
  };

  before(async () => {
    l1 = lab(process.env.OSLAB_DIR ?? '/tmp/xos-oslab');
    l2 = lab(process.env.OSLAB2_DIR ?? '/tmp/xos-oslab2');
    // Accepts connections and never answers: Neutron behind a dead link, as the client sees it.
    silent = net.createServer((s) => void sockets.add(s));
    const neutronPort = Number(new URL(await labClient(l1).session.endpoint('network')).port);
    await new Promise<void>((r) => silent.listen(neutronPort, SILENT, r));
    server = await serve({ XOS_DATA_DIR: path.join(tmp, 'data'), XOS_ADMIN_PASSWORD: PW, XOS_OPS_ENABLED: 'false', XOS_OBSERVER_ENABLED: 'false' });
    const dep = async (name: string) => (await call('POST', '/api/core/deployments', { name })).body.id as number;
    const labs = (deps.labs = await dep('labs'));
    const other = (deps.elsewhere = await dep('elsewhere'));
    const ctl = async (body: Record<string, unknown>) => {
      const r = await call('POST', '/api/core/controllers', body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };
    await ctl(controllerBody(l1, 'lab1', labs));
    await ctl(controllerBody(l2, 'lab2', labs));
    await ctl({ ...controllerBody(l1, 'gone', other), auth_url: `http://127.0.0.1:${await freePort()}/v3` });
    await ctl({ ...controllerBody(l1, 'slow', other), endpoint_rewrite: [{ from: '127.0.0.1', to: SILENT }] });
  });
  after(async () => {
    await server?.stop();
    for (const s of sockets) s.destroy();
    silent?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('one command on both clusters: identical output shown once under both names, as the client prints it with the admin credentials', async () => {
    const args = ['compute', 'service', 'list', '-f', 'value', '-c', 'Binary', '-c', 'Host', '--sort-column', 'Binary', '--sort-column', 'Host'];
    const r = await cli(['cluster', 'run', '--deployment', String(deps.labs), '--', ...args]);
    assert.equal(r.code, 0, r.out + r.err);
    // The lab's own admin, straight through the client: what XOS's run must print.
    const direct = await run('openstack', args, { env: { PATH: process.env.PATH!, HOME: tmp, ...openrc(l1) } });
    assert.match(direct.stdout, /nova-compute compute1/);
    assert.equal(r.out, `---------------\nlab1,lab2 (2)\n---------------\n${direct.stdout.trimEnd()}\n`);
    assert.deepEqual(leftovers(), []);
  });

  test('--json: each cluster ok with its output; server list --all-projects', async () => {
    const r = await cli(['cluster', 'run', '--json', '--deployment', String(deps.labs), '--', 'server', 'list', '--all-projects', '-f', 'value', '-c', 'Status']);
    assert.equal(r.code, 0, r.err);
    const results = JSON.parse(r.out);
    assert.deepEqual(results.map((x: { cluster: string; state: string }) => [x.cluster, x.state]).sort(), [['lab1', 'ok'], ['lab2', 'ok']]);
    for (const x of results) {
      assert.equal(x.exit_code, 0);
      for (const line of x.stdout.split('\n').filter(Boolean)) assert.match(line, /^[A-Z_]+$/, `a server status: ${line}`);
    }
  });

  test("the run's token reaches the client, and is revoked once the run is over", async () => {
    const r = await cli(['cluster', 'run', '--json', '--controller', 'lab1', '--', 'configuration', 'show', '--unmask', '-f', 'json']);
    assert.equal(r.code, 0, r.err);
    const shown = JSON.parse(JSON.parse(r.out)[0].stdout);
    assert.equal(shown.auth_type, 'v3token');
    const token = shown['auth.token'];
    assert.ok(typeof token === 'string' && token.length > 20, JSON.stringify(Object.keys(shown)));
    assert.equal(await tokenStatus(l1, token), 404, 'revoked');
    assert.deepEqual(leftovers(), []);
    const audit = await call('GET', '/api/audit?model=Controller');
    assert.ok(audit.body.items.some((e: { action: string; user_email: string }) => e.action === 'issue-run-token' && e.user_email === 'admin@example.com'), JSON.stringify(audit.body.items.slice(0, 3)));
  });

  test('a failing command, an unreachable cluster and a timeout are each reported, exit 1', async () => {
    const failed = await cli(['cluster', 'run', '--controller', 'lab1', '--', 'server', 'show', 'no-such-server-xos']);
    assert.equal(failed.code, 1);
    assert.match(failed.out, /lab1 \(1\)\n-+\nfailed: exit 1: .*No server/);
    assert.match(failed.err, /lab1: failed/);

    const gone = await cli(['cluster', 'run', '--json', '--controller', 'gone', '--', 'server', 'list']);
    assert.equal(gone.code, 1);
    const [g] = JSON.parse(gone.out);
    assert.equal(g.state, 'unreachable', JSON.stringify(g));
    assert.match(g.error, /cannot reach Keystone/);

    const t0 = Date.now();
    const slow = await cli(['cluster', 'run', '--json', '--deployment', String(deps.elsewhere), '--timeout', '4', '--', 'network', 'list']);
    assert.equal(slow.code, 1);
    const byName = Object.fromEntries(JSON.parse(slow.out).map((x: { cluster: string }) => [x.cluster, x]));
    assert.equal(byName.slow.state, 'timeout', JSON.stringify(byName.slow));
    assert.equal(byName.gone.state, 'unreachable');
    assert.ok(Date.now() - t0 < 45_000, `took ${Date.now() - t0} ms`);
    assert.ok(sockets.size > 0, "the client went to Neutron's endpoint as the controller's rewrite says");
    assert.deepEqual(leftovers(), []);
    assert.deepEqual(clientsAlive(), []);
  });

  test('Ctrl-C: the client is stopped, its directory removed, its token revoked', async () => {
    const p = spawn(xos, ['cluster', 'run', '--controller', 'slow', '--timeout', '120', '--', 'network', 'list'], { env: cliEnv() });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const pid = await until('the client running', async () => clientsAlive()[0], { ms: 60_000, everyMs: 200 });
    const dir = leftovers();
    assert.equal(dir.length, 1);
    assert.equal(fs.statSync(path.join(cliTmp, dir[0])).mode & 0o777, 0o700);
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const token = environ.find((e) => e.startsWith('OS_TOKEN='))!.slice('OS_TOKEN='.length);
    assert.ok(!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(token), 'the token is not on the command line');
    assert.ok(!environ.some((e) => e.startsWith('XOS_PASSWORD=')), "the caller's XOS password does not reach the client");
    const clouds = path.join(cliTmp, dir[0], 'clouds.yaml');
    assert.equal(fs.statSync(clouds).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(clouds, 'utf8'), /"network_endpoint_override": "http:\/\/127\.0\.0\.9:\d+\/v2\.0"/);
    for (const f of fs.readdirSync(path.join(cliTmp, dir[0]))) assert.ok(!fs.readFileSync(path.join(cliTmp, dir[0], f), 'utf8').includes(token), `${f} holds no token`);
    assert.equal(await tokenStatus(l1, token), 200);
    const code = await new Promise<number | null>((resolve) => {
      p.once('exit', (c) => resolve(c));
      p.kill('SIGINT');
    });
    assert.equal(code, 130, err);
    assert.match(err, /interrupted: 1 run token\(s\) revoked/);
    assert.deepEqual(leftovers(), []);
    assert.deepEqual(clientsAlive(), []);
    assert.equal(await tokenStatus(l1, token), 404);
  });

  test('only administrators who may write get the tokens', async () => {
    const site = (await call('GET', '/api/core/sites')).body.items[0].id;
    for (const [email, extra] of [['plain@example.com', {}], ['readonly@example.com', { is_admin: true, is_readonly: true }]] as const) {
      const u = await call('POST', '/api/core/users', { email, password: 'user-password-123', firstname: 'A', lastname: 'B', site, ...extra });
      assert.equal(u.status, 201, JSON.stringify(u.body));
      const r = await cli(['cluster', 'run', '--', 'server', 'list'], cliEnv(email, 'user-password-123'));
      assert.equal(r.code, 1);
      assert.match(r.err, /HTTP 403/);
      assert.equal(r.out, '');
    }
    assert.deepEqual(leftovers(), []);
  });
});

function openrc(l: Lab): Record<string, string> {
  return {
    OS_AUTH_URL: l.auth_url,
    OS_USERNAME: l.admin.username,
    OS_PASSWORD: l.admin.password,
    OS_PROJECT_NAME: l.admin.project,
    OS_USER_DOMAIN_NAME: l.domain,
    OS_PROJECT_DOMAIN_NAME: l.domain,
    OS_REGION_NAME: l.region,
    OS_IDENTITY_API_VERSION: '3',
    OS_INTERFACE: 'public',
  };
}
