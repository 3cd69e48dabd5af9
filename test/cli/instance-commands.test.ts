// `xos power`, `xos reboot`, `xos console` and `xos console-log` against a real `xos serve` whose
// synchronizer works on the fake cloud: the commands go through the API and print what a person
// needs (the URL, the log, what was asked for); bad input fails with a reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, serve, xos, type Served } from '../helpers/xos-process.js';
import { until } from '../helpers/wait.js';
import { FakeCloud } from '../fake-cloud/index.js';
import { connectFakeCloud } from '../helpers/fake-cluster.js';

const PASSWORD = 'cli-admin-password-1';

describe('xos instance commands', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-cli-inst-'));
  let server: Served;
  let cloud: FakeCloud;
  let env: Record<string, string>;
  let inst = 0;
  const cli = (args: string[]) => run(xos, args, { env: { ...process.env, ...env } });
  const fails = (args: string[]) =>
    cli(args).then(
      (r) => assert.fail(`expected failure, got ${r.stdout}`),
      (e: { code: number; stderr: string }) => e,
    );
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${url}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`admin@example.com:${PASSWORD}`).toString('base64')}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const parsed = await res.json();
    assert.ok(res.ok, JSON.stringify(parsed));
    return parsed;
  };
  const row = () => api('GET', `/api/core/instances/${inst}`);

  before(async () => {
    cloud = await FakeCloud.start();
    const nat = cloud.neutron.addNetwork({ name: 'nat-net', shared: true });
    cloud.neutron.addSubnet({ network_id: nat.id, cidr: '172.16.0.0/22', name: 'nat-subnet' });
    const dataDir = path.join(tmp, 'data');
    server = await serve({ XOS_DATA_DIR: dataDir, XOS_ADMIN_PASSWORD: PASSWORD });
    env = { XOS_API_PORT: String(server.port), XOS_CLI_HOME: path.join(tmp, 'cli'), XOS_USER: 'admin@example.com', XOS_PASSWORD: PASSWORD };
    const { image } = await connectFakeCloud(api, cloud, tmp);
    const slice = await api('POST', '/api/core/slices', { name: 'mysite_web', site: 1 });
    const flavor = (await api('GET', '/api/core/flavors?name=m1.small')).items[0];
    inst = (await api('POST', '/api/core/instances', { name: 'web1', slice: slice.id, deployment: 1, image, flavor: flavor.id })).id;
    await until(async () => `instance ${inst} in sync (${(await row()).backend_status})`, async () => {
      const r = await row();
      return r.backend_code === 1 && r.power_state === 'running' && r;
    }, { ms: 180_000 });
  });
  after(async () => {
    if (server && server.proc.exitCode === null) await server.stop();
    await cloud?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('xos console prints the noVNC URL; xos console-log the log, or its last lines', async () => {
    const url = (await cli(['console', String(inst)])).stdout.trim();
    assert.ok(url.startsWith(`${cloud.nova.consoleBase}?path=`), url);
    assert.equal((await cli(['console-log', String(inst)])).stdout, `${cloud.nova.consoleOutput}\n`);
    assert.equal((await cli(['console-log', String(inst), '--lines', '1'])).stdout, 'LAST LINE\n');
    const e = await fails(['console-log', String(inst), '--lines', 'many']);
    assert.match(e.stderr, /lines/);
  });

  test('xos power off stops the server and xos power on starts it; xos reboot reboots it once', async () => {
    assert.match((await cli(['power', String(inst), 'off'])).stdout, /^instance \d+ \(web1\): power off requested/);
    await until('the server stopped', async () => (await row()).power_state === 'shutdown', { ms: 30_000 });
    assert.equal([...cloud.nova.servers.values()][0].status, 'SHUTOFF');
    const refused = await fails(['reboot', String(inst)]);
    assert.match(refused.stderr, /instance web1 is powered off \(power=off\): set power=on to start it/);
    await cli(['power', String(inst), 'on']);
    await until('the server running', async () => (await row()).power_state === 'running', { ms: 30_000 });
    assert.match((await cli(['reboot', String(inst), '--hard'])).stdout, /hard reboot requested \(request 1, 0 done so far\)/);
    await until('the reboot done', async () => (await row()).reboots_done === 1, { ms: 30_000 });
    assert.deepEqual([...cloud.nova.servers.values()][0].reboots, [{ type: 'HARD' }]);
    assert.match((await fails(['power', String(inst), 'sideways'])).stderr, /power: "sideways" is neither on nor off/);
  });
});
