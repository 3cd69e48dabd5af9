// `xos login` against a real `xos serve`: a wrong password is called that, and a password left
// off the command line (where `ps` and the shell history see it) is asked for without echo on a
// terminal, or read from a pipe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, serve, xos, type Served } from '../helpers/xos-process.js';

const PASSWORD = 'login-test-password-1';

describe('xos login', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-login-'));
  const credentials = path.join(tmp, 'cli', 'credentials.json');
  let server: Served;
  let env: NodeJS.ProcessEnv;

  // The CLI as a process, with `input` on its standard input (a pipe, not a terminal).
  const cli = (args: string[], input = '') =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(xos, args, { env });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
      p.stdin.end(input);
    });

  before(async () => {
    const dataDir = path.join(tmp, 'data');
    server = await serve({ XOS_CONFIG: '', XOS_DATA_DIR: dataDir, XOS_ADMIN_PASSWORD: PASSWORD });
    env = { ...process.env, XOS_CONFIG: '', XOS_DATA_DIR: dataDir, XOS_API_PORT: String(server.port), XOS_CLI_HOME: path.join(tmp, 'cli') };
    for (const k of ['XOS_URL', 'XOS_TOKEN', 'XOS_USER', 'XOS_PASSWORD', 'XOS_ADMIN_EMAIL', 'XOS_ADMIN_PASSWORD']) delete env[k];
  });
  after(async () => {
    if (server.proc.exitCode === null) await server.stop();
  });

  test('a wrong password is reported as such, with a failing exit status, and nothing is saved', async () => {
    for (const r of [
      await cli(['login', '--email', 'admin@example.com', '--password', 'not-the-password-1']),
      await cli(['login', '--email', 'nobody@example.com'], `${PASSWORD}\n`),
    ]) {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /wrong email or password/);
      assert.doesNotMatch(r.stderr, /not logged in/);
    }
    assert.ok(!fs.existsSync(credentials));
  });

  test('without --password, the password is read from a pipe', async () => {
    const r = await cli(['login', '--email', 'admin@example.com'], `${PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /logged in to http:\/\/127\.0\.0\.1:\d+ as admin@example\.com/);
    const sites = await run(xos, ['list', 'sites', '--json'], { env });
    assert.equal(JSON.parse(sites.stdout).items[0].login_base, 'mysite', 'the saved login works');
    await run(xos, ['logout'], { env });
  });

  test('an empty pipe is an error that says how to give the password', async () => {
    const r = await cli(['login', '--email', 'admin@example.com'], '');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no password: give --password, set XOS_PASSWORD, or type it when asked \(or pipe it in\)/);
  });

  test('on a terminal, the password is asked for and not echoed', async () => {
    // `script` runs the command on a pseudo-terminal of its own and copies everything that
    // terminal shows to its standard output: typed characters appear there if they are echoed.
    const p = spawn('script', ['-q', '-e', '-c', `${xos} login --email admin@example.com`, '/dev/null'], { env });
    let shown = '';
    p.stdout.on('data', (d) => (shown += d));
    p.stderr.on('data', (d) => (shown += d));
    const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
    const deadline = Date.now() + 60_000;
    while (!/Password: /.test(shown)) {
      if (p.exitCode !== null || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(shown, /Password: /, 'the password is asked for');
    p.stdin.write(`${PASSWORD}\r`); // Enter on a terminal in raw mode
    const code = await exited;
    assert.equal(code, 0, shown);
    assert.match(shown, /logged in to http:\/\/127\.0\.0\.1:\d+ as admin@example\.com/);
    assert.ok(!shown.includes(PASSWORD), `the password was echoed:\n${shown}`);
    assert.ok(fs.existsSync(credentials));
  });
});
