// The operator tools against a real cluster: the collectors read it, and when its nova-compute is
// stopped the operator view shows it down with its heartbeat age, `xos doctor` finds it (exit 2)
// and names the host; once started again, all clear. Stopping a service disrupts the cluster, so
// that part runs only on a lab of one's own (XOS_TEST_OSLAB_DISRUPTIVE=1 with its OSLAB_DIR),
// never on the shared ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controllerBody, lab, labSkip } from '../helpers/lab.js';
import { serve, xos, type Served } from '../helpers/xos-process.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const disruptive = process.env.XOS_TEST_OSLAB_DISRUPTIVE === '1';
const PW = 'ops-admin-password-1';

describe('operator tools on the real cluster', { skip: labSkip }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-ops-'));
  let server: Served;
  let env: Record<string, string>;
  const auth = () => ({ authorization: `Basic ${Buffer.from(`admin@example.com:${PW}`).toString('base64')}`, 'content-type': 'application/json' });
  const get = async (p: string) => (await fetch(`http://127.0.0.1:${server.port}${p}`, { headers: auth() })).json();
  const cli = (args: string[]) =>
    run(xos, args, { env: { ...process.env, ...env } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  // svc.sh renders the lab's configuration again on start: it needs the lab's port offset too.
  const svc = (action: string, name: string) =>
    run(path.resolve('scripts/openstack-lab/svc.sh'), [action, name], {
      env: { ...process.env, OSLAB_DIR: lab().dir, OSLAB_PORT_OFFSET: String((lab() as unknown as { port_offset: number }).port_offset) },
    });
  const host = () => lab().compute_hosts[0];
  let stopped = false;

  before(async () => {
    // The collectors read every 5 s here (60 s by default).
    server = await serve({ XOS_DATA_DIR: path.join(tmp, 'data'), XOS_ADMIN_PASSWORD: PW, XOS_OPS_INTERVAL: '5', XOS_OPS_TIMEOUT: '20' });
    env = { XOS_URL: `http://127.0.0.1:${server.port}`, XOS_USER: 'admin@example.com', XOS_PASSWORD: PW, XOS_CLI_HOME: path.join(tmp, 'cli') };
    const dep = await (await fetch(`http://127.0.0.1:${server.port}/api/core/deployments`, { method: 'POST', headers: auth(), body: JSON.stringify({ name: 'opslab' }) })).json();
    const ctl = await fetch(`http://127.0.0.1:${server.port}/api/core/controllers`, { method: 'POST', headers: auth(), body: JSON.stringify(controllerBody(lab(), 'lab', dep.id)) });
    assert.equal(ctl.status, 201, await ctl.text());
  });
  after(async () => {
    if (stopped) await svc('start', `nova-compute-${host()}`).catch(() => {});
    await server?.stop();
  });

  test('the collectors read the cluster: compute services, agents, capacity, latencies', async () => {
    const v = await until('the first reading', async () => {
      const r = await get('/api/ops/clusters?controller=lab');
      const c = r.items?.[0];
      return c && c.collectors.services.ok !== null && c.collectors.capacity.ok !== null && c.collectors.latency.ok !== null && c;
    }, { ms: 120_000, everyMs: 1000 });
    assert.equal(v.collectors.services.ok, true, v.collectors.services.last_error);
    const computes = v.services.filter((s: { binary: string }) => s.binary === 'nova-compute');
    assert.deepEqual(computes.map((s: { host: string }) => s.host).sort(), [...lab().compute_hosts].sort());
    for (const s of computes) assert.ok(s.heartbeat_age_s < 60, `heartbeat ${s.heartbeat_age_s} s`);
    assert.ok(v.agents.length >= lab().compute_hosts.length, 'the Linux bridge agents');
    assert.ok(v.capacity.VCPU.total > 0 && v.capacity.MEMORY_MB.total > 0);
    assert.ok(v.latency.some((l: { ok: boolean }) => l.ok));
    assert.ok(v.networks.shared.includes('nat-net'));
  });

  test('xos doctor on a healthy cluster: no critical finding', async () => {
    const r = await cli(['doctor', '--controller', 'lab', '--json']);
    const rep = JSON.parse(r.stdout);
    assert.deepEqual(rep.findings.filter((f: { severity: string }) => f.severity === 'critical'), []);
    assert.ok(r.code === 0 || r.code === 1, r.stdout);
  });

  test('nova-compute stopped: shown down with its heartbeat age, doctor exit 2; started: all clear', { skip: !disruptive && 'stops a service: set XOS_TEST_OSLAB_DISRUPTIVE=1 on a lab of your own' }, async () => {
    await svc('stop', `nova-compute-${host()}`);
    stopped = true;
    // Nova shows a service down once its heartbeat is older than service_down_time (60 s).
    const down = await until('nova-compute shown down', async () => {
      const c = (await get('/api/ops/clusters?controller=lab')).items[0];
      return c.services.find((s: { binary: string; host: string; state: string }) => s.binary === 'nova-compute' && s.host === host() && s.state === 'down');
    }, { ms: 180_000, everyMs: 2000 });
    assert.ok(down.heartbeat_age_s >= 50, `heartbeat age ${down.heartbeat_age_s}`);
    const r = await cli(['doctor', '--controller', 'lab']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`CRITICAL NOVA_COMPUTE_DOWN  \\[lab\\] nova-compute@${host()}`));
    assert.match(r.stdout, /last heartbeat was \d+ s ago/);
    assert.match(r.stdout, /remedy: .*restart it/);

    await svc('start', `nova-compute-${host()}`);
    stopped = false;
    await until('all clear', async () => {
      const x = await cli(['doctor', '--controller', 'lab', '--json']);
      const rep = JSON.parse(x.stdout);
      return !rep.findings.some((f: { code: string }) => f.code === 'NOVA_COMPUTE_DOWN') && x.code !== 2 && rep;
    }, { ms: 180_000, everyMs: 3000 });
  });
});
