// The operator commands as Nagios and an operator run them: `xos check …` (status line, perfdata,
// exit codes, thresholds, --controller), `xos doctor` exit codes, and `xos nagios-config`, whose
// output Debian's nagios4 verifies and then runs: the daemon itself schedules the checks and
// records their states.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';
import { xos } from '../helpers/xos-process.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const haveNagios = spawnSync('nagios4', ['--version']).status !== null && fs.existsSync('/usr/sbin/nagios4');

describe('xos check, xos doctor, xos nagios-config', () => {
  let w: OpsWorld;
  let url: string;
  let token: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-nagios-'));
  const env = () => ({ ...process.env, XOS_URL: url, XOS_TOKEN: token, XOS_CLI_HOME: path.join(tmp, 'cli') });
  const cli = (args: string[]) =>
    run(xos, args, { env: env() }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  before(async () => {
    w = await opsWorld();
    await w.addCluster('east');
    await w.addCluster('west', { nova: { hosts: ['w1', 'w2'] } });
    w.clouds.get('west')!.nova.stopService('w2', 240);
    await w.poll();
    token = (await w.s.call(ADMIN, 'POST', '/api/auth/tokens', { name: 'nagios' })).body.token;
    assert.ok(token);
    url = await w.listen();
  });
  after(() => w.close());

  test('nova-services: OK on a healthy cluster, CRITICAL with the host and heartbeat age', async () => {
    const ok = await cli(['check', 'nova-services', '--controller', 'east']);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /^NOVA-SERVICES OK - 4 up, 0 disabled, 0 down on 1 cluster\(s\) \| up=4;;;0 down=0;0;0;0 disabled=0;;;0 total=4;;;0\n$/);
    const bad = await cli(['check', 'nova-services']);
    assert.equal(bad.code, 2, bad.out);
    assert.match(bad.out, /^NOVA-SERVICES CRITICAL - 1 of 8 down: nova-compute@w2 \[west\] \(heartbeat \d+ s\) \| .*down=1;0;0;0/);
    // Thresholds: one down is only a warning with -c 1.
    const w1 = await cli(['check', 'nova-services', '-w', '0', '-c', '1']);
    assert.equal(w1.code, 1, w1.out);
    assert.match(w1.out, /^NOVA-SERVICES WARNING/);
  });

  test('the other checks, and UNKNOWN when the check cannot run', async () => {
    const agents = await cli(['check', 'neutron-agents']);
    assert.equal(agents.code, 0, agents.out);
    assert.match(agents.out, /^NEUTRON-AGENTS OK - 10 up, 0 disabled, 0 dead on 2 cluster\(s\)/);
    const cap = await cli(['check', 'capacity', '--controller', 'east']);
    assert.equal(cap.code, 0, cap.out);
    assert.match(cap.out, /^CAPACITY OK - highest use [\d.]+%.* \| east_VCPU=[\d.]+%;80;90;0;100 east_(DISK_GB|MEMORY_MB)=/);
    assert.equal((await cli(['check', 'capacity', '-w', '@0:100'])).code, 1, 'a range that always alerts');
    const lat = await cli(['check', 'api-latency', '-w', '100000', '-c', '200000']);
    assert.equal(lat.code, 0, lat.out);
    assert.match(lat.out, /east_compute=\d+ms;100000;200000;0/);
    const backlog = await cli(['check', 'sync-backlog']);
    assert.equal(backlog.code, 0, backlog.out);
    assert.match(backlog.out, /^SYNC-BACKLOG OK - \d+ object\(s\) pending, the oldest for \d+ s; 0 in error \| oldest_age=\d+s;600;3600;0/);
    const badRange = await cli(['check', 'capacity', '-w', 'abc']);
    assert.equal(badRange.code, 3);
    assert.match(badRange.out, /^CAPACITY UNKNOWN - -w: "abc" is not a Nagios range/);
    const noSuch = await cli(['check', 'capacity', '--controller', 'nowhere']);
    assert.equal(noSuch.code, 3);
    assert.match(noSuch.out, /UNKNOWN - .*controller/);
    const noAuth = await run(xos, ['check', 'capacity'], { env: { ...env(), XOS_TOKEN: '' } }).catch((e) => e);
    assert.equal(noAuth.code, 3);
  });

  test('xos doctor exits 2 on a critical finding, 0 on a healthy cluster', async () => {
    const bad = await cli(['doctor']);
    assert.equal(bad.code, 2, bad.out);
    assert.match(bad.out, /CRITICAL NOVA_COMPUTE_DOWN  \[west\] nova-compute@w2/);
    const good = await cli(['doctor', '--controller', 'east']);
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /nothing wrong found/);
    const json = JSON.parse((await cli(['doctor', '--json', '--controller', 'west'])).out);
    assert.equal(json.exit_code, 2);
  });

  test('nagios-config: nagios4 -v accepts it, and its commands run as Nagios runs them', { skip: !haveNagios && 'needs Debian nagios4' }, async () => {
    const cfg = (await cli(['nagios-config'])).out;
    for (const name of ['east', 'west']) assert.match(cfg, new RegExp(`host_name\\s+${name}\\n`));
    const dir = fs.mkdtempSync(path.join(tmp, 'nagios-'));
    fs.chmodSync(tmp, 0o755);
    fs.chmodSync(dir, 0o1777); // Nagios writes its check results as its own user
    fs.writeFileSync(path.join(dir, 'xos.cfg'), cfg);
    fs.writeFileSync(path.join(dir, 'resource.cfg'), `$USER10$=${token}\n`, { mode: 0o600 });
    fs.writeFileSync(
      path.join(dir, 'nagios.cfg'),
      [`cfg_file=${dir}/xos.cfg`, `resource_file=${dir}/resource.cfg`, `log_file=${dir}/nagios.log`, `status_file=${dir}/status.dat`, `lock_file=${dir}/nagios.lock`, `temp_file=${dir}/nagios.tmp`, `check_result_path=${dir}`, 'enable_notifications=0', "illegal_macro_output_chars=`~$&|'\"<>", ''].join('\n'),
    );
    const v = await run('nagios4', ['-v', path.join(dir, 'nagios.cfg')]).catch((e: { stdout: string; stderr: string }) => assert.fail(e.stdout + e.stderr));
    assert.match(v.stdout, /Total Errors:\s+0/);
    // The west host's nova-services service, its command line with the macros Nagios fills in.
    const line = /command_name\s+check_xos\n\s+command_line\s+(.*)\n/.exec(cfg)![1].replace('$USER10$', token).replace('$ARG1$', 'nova-services').replace('$ARG2$', '--controller west');
    // Not spawnSync: the XOS server answering the check runs in this process.
    const r = await run('/bin/sh', ['-c', line], { env: { PATH: process.env.PATH } }).then(
      (x) => ({ status: 0, stdout: x.stdout, stderr: x.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ status: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^NOVA-SERVICES CRITICAL - 1 of 4 down: nova-compute@w2 \[west\]/);
  });

  test('the Nagios daemon runs the checks: west CRITICAL with its status line, east OK', { skip: !haveNagios && 'needs Debian nagios4' }, async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'nagiosd-'));
    fs.chmodSync(tmp, 0o755);
    fs.chmodSync(dir, 0o1777); // Nagios runs as its own user, writes its files here and runs the checks
    fs.writeFileSync(path.join(dir, 'xos.cfg'), (await cli(['nagios-config'])).out);
    fs.writeFileSync(path.join(dir, 'resource.cfg'), `$USER10$=${token}\n`, { mode: 0o644 });
    const cmd = path.join(dir, 'nagios.cmd');
    fs.writeFileSync(
      path.join(dir, 'nagios.cfg'),
      [
        `cfg_file=${dir}/xos.cfg`, `resource_file=${dir}/resource.cfg`, `log_file=${dir}/nagios.log`, `status_file=${dir}/status.dat`,
        `lock_file=${dir}/nagios.lock`, `temp_file=${dir}/nagios.tmp`, `temp_path=${dir}`, `check_result_path=${dir}`, `command_file=${cmd}`,
        'check_external_commands=1', 'status_update_interval=1', 'check_result_reaper_frequency=1', 'retain_state_information=0',
        'enable_notifications=0', 'nagios_user=nagios', 'nagios_group=nagios', "illegal_macro_output_chars=`~$&|'\"<>", '',
      ].join('\n'),
    );
    const daemon = spawn('nagios4', [path.join(dir, 'nagios.cfg')], { stdio: 'ignore' });
    try {
      await until('the command pipe', async () => fs.existsSync(cmd), { ms: 30_000 });
      const now = Math.floor(Date.now() / 1000);
      // Checks are first spread over minutes; an operator's "check now" runs them at once.
      const force = ['east', 'west'].map((h) => `[${now}] SCHEDULE_FORCED_SVC_CHECK;${h};nova-services;${now}\n`).join('');
      fs.writeFileSync(cmd, force);
      const state = (host: string) => {
        const text = fs.existsSync(path.join(dir, 'status.dat')) ? fs.readFileSync(path.join(dir, 'status.dat'), 'utf8') : '';
        const block = text.split('servicestatus {').find((b) => b.includes(`host_name=${host}\n`) && b.includes('service_description=nova-services\n'));
        const field = (k: string) => block && new RegExp(`\\s${k}=(.*)\\n`).exec(block)?.[1];
        return block && field('has_been_checked') === '1' ? { state: Number(field('current_state')), output: field('plugin_output') } : null;
      };
      const [east, west] = await until('Nagios has run both checks', async () => {
        const both = [state('east'), state('west')];
        return both.every(Boolean) && both;
      }, { ms: 60_000 });
      assert.equal(west!.state, 2, west!.output ?? '');
      assert.match(west!.output!, /^NOVA-SERVICES CRITICAL - 1 of 4 down: nova-compute@w2 \[west\]/);
      assert.equal(east!.state, 0, east!.output ?? '');
      assert.match(east!.output!, /^NOVA-SERVICES OK/);
    } finally {
      daemon.kill();
    }
  });
});
