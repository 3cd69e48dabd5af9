// The `xos` command against a real `xos serve` process, as a newcomer would use them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliRunner, run, serve, xos, type Served } from '../helpers/xos-process.js';

describe('xos command', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-cli-'));
  const dataDir = path.join(tmp, 'data');
  let server: Served;
  let env: Record<string, string>;
  const { cli, fails } = cliRunner(() => env);

  before(async () => {
    server = await serve({ XOS_DATA_DIR: dataDir });
    env = { XOS_API_PORT: String(server.port), XOS_CLI_HOME: path.join(tmp, 'cli'), XOS_DATA_DIR: dataDir };
  });
  after(async () => {
    if (server.proc.exitCode === null) await server.stop();
  });

  test('the first start creates an administrator and prints the generated password once', async () => {
    const m = /created the administrator admin@example\.com\n\s+with the password (\S+)/.exec(server.output());
    assert.ok(m, server.output());
    env.PASSWORD = m[1];
    const res = await fetch(`http://127.0.0.1:${server.port}/api/core/sites`, {
      headers: { authorization: `Basic ${Buffer.from(`admin@example.com:${m[1]}`).toString('base64')}` },
    });
    assert.equal(res.status, 200);
  });

  test('login, then create, list, show, update and delete through the API', async () => {
    const login = await cli(['login', '--email', 'admin@example.com', '--password', env.PASSWORD]);
    assert.match(login.stdout, /logged in to http:\/\/127\.0\.0\.1:\d+ as admin@example\.com/);
    const saved = path.join(tmp, 'cli', 'credentials.json');
    assert.equal(fs.statSync(saved).mode & 0o777, 0o600);
    assert.match((await cli(['create', 'slice', 'name=mysite_web', 'site=1', 'description=web servers'])).stdout, /created slice (\d+) \(mysite_web\)/);
    const list = JSON.parse((await cli(['list', 'slices', '--json'])).stdout);
    assert.equal(list.total, 1);
    const id = list.items[0].id;
    assert.equal(list.items[0].description, 'web servers');
    assert.match((await cli(['list', 'slices'])).stdout, /mysite_web[\s\S]*1 of 1 slices/);
    assert.match((await cli(['show', 'slice', String(id)])).stdout, /^  max_instances +10$/m);
    assert.match((await cli(['update', 'slice', String(id), 'max_instances=3'])).stdout, /updated slice \d+ \(version \d+\)/);
    assert.equal(JSON.parse((await cli(['show', 'slices', String(id), '--json'])).stdout).max_instances, 3);
    assert.match((await cli(['delete', 'slice', String(id)])).stdout, /deleted slice/);
    assert.equal(JSON.parse((await cli(['list', 'slices', '--json'])).stdout).total, 0);
  });

  test('rejected input is explained field by field, with a failing exit status', async () => {
    const e = await fails(['create', 'slice', 'name=web', 'site=1']);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /error \(HTTP 400\)[\s\S]*name: must start with the site's login base "mysite_"/);
    assert.match((await fails(['create', 'slice', 'name=mysite_x', 'site=1', 'max_instances=many'])).stderr, /max_instances: must be a whole number/);
    assert.match((await fails(['list', 'gizmos'])).stderr, /unknown object type "gizmos"/);
    assert.match((await fails(['show', 'slice', '12345'])).stderr, /HTTP 404.*Slice 12345 not found/);
  });

  test('an address pool is managed as data: overlapping ranges are refused, a good pool is created and changed', async () => {
    const pool = ['create', 'addresspool', 'name=ext-pool', 'cidr=10.0.2.0/24', 'gateway=10.0.2.1', 'deployment=1'];
    const e = await fails([...pool, 'ranges=10.0.2.3-10.0.2.15, 10.0.2.9']);
    assert.match(e.stderr, /ranges: 10\.0\.2\.3-10\.0\.2\.15 and 10\.0\.2\.9 overlap/);
    assert.equal(JSON.parse((await cli(['list', 'addresspools', '--json'])).stdout).total, 0, 'nothing half-written');
    const made = await cli([...pool, 'ranges=10.0.2.3-10.0.2.15, 10.0.2.17, 10.0.2.19-10.0.2.254']);
    const id = /created addresspool (\d+) \(ext-pool\)/.exec(made.stdout)?.[1];
    assert.ok(id, made.stdout);
    assert.match((await fails(['update', 'addresspool', id, 'ranges=10.0.3.5'])).stderr, /ranges: .*10\.0\.3\.5.*10\.0\.2\.0\/24/);
    await cli(['update', 'addresspool', id, 'ranges=10.0.2.3-10.0.2.15']);
    assert.equal(JSON.parse((await cli(['show', 'addresspool', id, '--json'])).stdout).ranges, '10.0.2.3-10.0.2.15');
    assert.match((await cli(['delete', 'addresspool', id])).stdout, /deleted addresspool/);
  });

  test('without credentials the CLI says how to log in', async () => {
    await cli(['logout']);
    const e = await fails(['list', 'slices']);
    assert.match(e.stderr, /not logged in: run `xos login`/);
    // the documented environment variables work instead of a saved login
    const r = await cli(['list', 'sites', '--json'], { XOS_USER: 'admin@example.com', XOS_PASSWORD: env.PASSWORD });
    assert.equal(JSON.parse(r.stdout).items[0].login_base, 'mysite');
  });

  test('config show prints the effective configuration with secrets masked', async () => {
    const r = await cli(['config', 'show'], { XOS_DB_URL: 'postgres://xos:hunter2@127.0.0.1/xos', XOS_GUI_BRANDING_NAME: 'OpenCloud' });
    assert.match(r.stdout, /url = postgres:\/\/xos:\*+@127\.0\.0\.1\/xos/);
    assert.match(r.stdout, /branding_name = OpenCloud/);
    assert.ok(!r.stdout.includes('hunter2'));
  });

  test('a bad configuration stops the start and names the file, section, key and reason', async () => {
    const file = path.join(tmp, 'xos_config');
    fs.writeFileSync(file, '[api]\nport = 8000\n[gui]\ndisable_minidashboard = sometimes\n');
    const e = await run(xos, ['--config', file, 'serve'], { env: { ...process.env, XOS_DATA_DIR: path.join(tmp, 'other') } }).then(
      () => assert.fail('should not start'),
      (x: { code: number; stderr: string }) => x,
    );
    assert.equal(e.code, 1);
    assert.match(e.stderr, new RegExp(`${file.replace(/[/.]/g, '\\$&')}: \\[gui\\] disable_minidashboard: "sometimes" is not a boolean`));
  });

  test('stopping releases the data directory, and a restart keeps the data and the admin', async () => {
    assert.equal(await server.stop(), 0);
    assert.ok(!fs.existsSync(path.join(dataDir, 'xos.lock')));
    server = await serve({ XOS_DATA_DIR: dataDir, XOS_API_PORT: String(server.port) });
    assert.doesNotMatch(server.output(), /with the password/, 'the password is shown only on the first start');
    const r = await cli(['list', 'flavors', '--json'], { XOS_USER: 'admin@example.com', XOS_PASSWORD: env.PASSWORD });
    assert.deepEqual(JSON.parse(r.stdout).items.map((f: { name: string }) => f.name), ['m1.small', 'm1.medium', 'm1.large']);
  });
});
