// Connecting the real test cluster the way an operator would: `xos controller add` against a
// running `xos serve`, then `xos controller import`. Needs XOS_TEST_OPENSTACK=1 and the lab
// (scripts/openstack-lab/up.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { lab, labSkip, type Lab } from '../helpers/lab.js';
import { scaled, until } from '../helpers/wait.js';
import { collect, OpenStackClient } from '../../src/openstack/client/index.js';

const run = promisify(execFile);
const xos = path.resolve('bin/xos');
const ADMIN_PW = 'onboarding-admin-pw-1';
const USER_PW = 'onboarding-user-pw-1';
// Cluster objects of this run: unique names, removed afterwards.
const tag = `xos-onb-${Date.now().toString(36)}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('connecting the lab cluster with the xos command', { skip: labSkip }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-onboarding-'));
  let l: Lab;
  let proc: ChildProcess;
  let port: number;
  let out = '';
  let cloud: OpenStackClient;
  const cleanup: (() => Promise<unknown>)[] = [];
  let controllerId: number;

  const env = (extra: Record<string, string> = {}) => ({
    ...process.env,
    XOS_API_PORT: String(port),
    XOS_CLI_HOME: path.join(tmp, 'cli'),
    XOS_USER: 'admin@example.com',
    XOS_PASSWORD: ADMIN_PW,
    XOS_CONTROLLER_PASSWORD: '',
    ...extra,
  });
  // How long `controller add` waits for the connection check, and the command itself may take.
  const waitSeconds = () => String(Math.round(scaled(90_000) / 1000));
  const cli = (args: string[], extra: Record<string, string> = {}) => run(xos, args, { env: env(extra), timeout: scaled(180_000) });
  const fails = (args: string[], extra: Record<string, string> = {}) =>
    cli(args, extra).then(
      (r) => assert.fail(`expected failure, got ${r.stdout}`),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const get = async (p: string) => {
    const r = await fetch(`http://127.0.0.1:${port}${p}`, {
      headers: { authorization: `Basic ${Buffer.from(`admin@example.com:${ADMIN_PW}`).toString('base64')}` },
    });
    assert.equal(r.status, 200, p);
    return r.json() as Promise<any>;
  };
  const addArgs = (name: string) => ['controller', 'add', name, '--auth-url', l.auth_url, '--user', l.admin.username, '--project', l.admin.project, '--domain', l.domain, '--region', l.region, '--release', 'Zed'];

  before(async () => {
    l = lab();
    cloud = new OpenStackClient({
      authUrl: l.auth_url,
      region: l.region,
      credentials: { type: 'password', username: l.admin.username, password: l.admin.password, projectName: l.admin.project, userDomainName: l.domain, projectDomainName: l.domain },
    });
    // What the cluster offers beyond what other tests leave there: a flavor and an active public image.
    const flavor = await cloud.compute.flavors.create({ name: tag, vcpus: 1, ram: 128, disk: 1 });
    cleanup.push(() => cloud.compute.flavors.delete(flavor.id, { ignoreMissing: true }));
    const image = await cloud.image.create({ name: `${tag}-img`, disk_format: 'raw', container_format: 'bare', visibility: 'public' });
    cleanup.push(() => cloud.image.delete(image.id, { ignoreMissing: true }));
    await cloud.image.upload(image.id, new Uint8Array(4096));
    await cloud.image.waitForActive(image.id, { timeoutMs: scaled(60_000) });

    port = await freePort();
    proc = spawn(xos, ['serve'], {
      env: { ...process.env, XOS_DATA_DIR: path.join(tmp, 'data'), XOS_API_PORT: String(port), XOS_API_LOG_LEVEL: 'warn', XOS_ADMIN_PASSWORD: ADMIN_PW },
    });
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    await until(() => `xos serve to listen:\n${out}`, () => {
      if (proc.exitCode !== null) throw new Error(`xos serve exited (${proc.exitCode}):\n${out}`);
      return /is listening on/.test(out);
    }, { ms: 60_000, everyMs: 100 });
  });
  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    for (const f of cleanup.reverse()) await f().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('controller add checks the connection and prints the status', async () => {
    const pwFile = path.join(tmp, 'lab-password');
    fs.writeFileSync(pwFile, l.admin.password + '\n', { mode: 0o600 });
    const r = await cli([...addArgs('lab'), '--password-file', pwFile, '--wait', waitSeconds()]);
    assert.match(r.stdout, /^created controller (\d+) \(lab\)$/m);
    assert.match(r.stdout, /checking the connection to http:\/\/127\.0\.0\.1:\d+\/v3/);
    assert.match(r.stdout, /controller lab: 1 - OK \(Nova 2\.\d+; \d+ of \d+ compute hosts up/);
    assert.match(r.stdout, /next: xos controller import lab/);
    controllerId = Number(/created controller (\d+)/.exec(r.stdout)![1]);
    const c = await get(`/api/core/controllers/${controllerId}`);
    assert.equal(c.backend_code, 1);
    assert.equal(c.deployment, 1, 'the only deployment');
    assert.equal(c.backend_version, 'Zed');
    assert.equal(c.has_admin_password, true);
  });

  test('a wrong password fails with the reason and a non-zero exit, without the password', async () => {
    const e = await fails([...addArgs('lab-wrong'), '--wait', waitSeconds()], { XOS_CONTROLLER_PASSWORD: 'not-the-lab-password' });
    assert.equal(e.code, 1);
    assert.match(e.stderr, /controller lab-wrong: the connection check failed: 2 - cannot log in to http:\S+ as admin: Keystone refused the controller's admin credentials/);
    assert.match(e.stderr, /xos delete controller \d+/);
    assert.ok(!(e.stdout + e.stderr).includes('not-the-lab-password'));
    const id = /created controller (\d+)/.exec(e.stdout)![1];
    await cli(['delete', 'controller', id]); // stop the synchronizer from retrying it
    // no password at all is refused before anything is created
    assert.match((await fails(addArgs('lab-nopw'))).stderr, /give --password-file FILE, set XOS_CONTROLLER_PASSWORD, or --password/);
  });

  test('controller import creates nodes, flavors and images; a second import creates nothing', async () => {
    const r = await cli(['controller', 'import', 'lab']);
    assert.match(r.stdout, /SiteDeployment.*MySite.*created/);
    assert.match(r.stdout, /Node\s*│\s*compute1\s*│\s*created/);
    assert.match(r.stdout, /Node\s*│\s*compute2\s*│\s*created/);
    assert.match(r.stdout, new RegExp(`Flavor\\s*│\\s*${tag}\\s*│\\s*created`));
    assert.match(r.stdout, new RegExp(`ImageDeployment\\s*│\\s*${tag}-img\\s*│\\s*created`));
    assert.match(r.stdout, /controller lab: \d+ created, \d+ already there, \d+ in conflict, \d+ skipped \(nodes in site deployment \d+\)/);

    const sds = await get(`/api/core/sitedeployments?controller=${controllerId}`);
    assert.equal(sds.total, 1);
    const sd = sds.items[0];
    assert.deepEqual([sd.site, sd.deployment], [1, 1]);
    for (const host of l.compute_hosts) {
      const n = await get(`/api/core/nodes?name=${host}`);
      assert.equal(n.total, 1, host);
      assert.equal(n.items[0].site_deployment, sd.id);
      assert.equal(n.items[0].site, 1);
    }
    const flavors = await get(`/api/core/flavors?name=${tag}`);
    assert.deepEqual([flavors.items[0].vcpus, flavors.items[0].ram_mb, flavors.items[0].disk_gb], [1, 128, 1]);
    // every public flavor of the cluster is now a flavor in XOS, or reported
    const first = JSON.parse((await cli(['controller', 'import', String(controllerId), '--json'])).stdout);
    const clusterFlavors = (await collect(cloud.compute.flavors.list())).map((f) => f.name);
    for (const name of clusterFlavors) assert.ok(first.items.some((i: any) => i.kind === 'Flavor' && i.name === name), name);
    const img = await get(`/api/core/images?name=${tag}-img`);
    assert.equal(img.total, 1);
    assert.deepEqual([img.items[0].disk_format, img.items[0].container_format, img.items[0].path], ['raw', 'bare', null]);
    const on = await get(`/api/core/imagedeployments?image=${img.items[0].id}&deployment=1`);
    assert.equal(on.total, 1, 'enabled in the deployment');

    // That was already the second import: it found everything the first one made.
    const seen = new Set(first.items.map((i: any) => `${i.kind} ${i.name}`));
    const again = JSON.parse((await cli(['controller', 'import', 'lab', '--json'])).stdout);
    for (const s of [first, again]) {
      const created = s.items.filter((i: any) => i.result === 'created');
      // other tests may add flavors or images to the shared cluster meanwhile; nothing seen before is created again
      assert.deepEqual(created.filter((i: any) => seen.has(`${i.kind} ${i.name}`) || ['Node', 'SiteDeployment'].includes(i.kind)), []);
      assert.equal(s.items.find((i: any) => i.kind === 'Node' && i.name === 'compute1').result, 'existing');
      assert.equal(s.items.find((i: any) => i.kind === 'ImageDeployment' && i.name === `${tag}-img`).result, 'existing');
    }
    assert.equal((await get('/api/core/nodes')).total, l.compute_hosts.length);
  });

  test('a user who is not an administrator gets 403', async () => {
    await cli(['create', 'user', 'email=plain@example.com', `password=${USER_PW}`, 'firstname=Plain', 'lastname=User', 'site=1']);
    const e = await fails(['controller', 'import', String(controllerId)], { XOS_USER: 'plain@example.com', XOS_PASSWORD: USER_PW });
    assert.match(e.stderr, /error \(HTTP 403\): only administrators and admins of the controller's deployment may import a controller/);
  });

  test('a cluster that cannot be reached is a 502 naming the controller and the reason', async () => {
    const r = await cli(['controller', 'add', 'gone', '--auth-url', 'http://127.0.0.1:9/v3', '--user', 'admin', '--no-wait'], { XOS_CONTROLLER_PASSWORD: 'gone-secret-pw' });
    assert.match(r.stdout, /created controller \d+ \(gone\)\nits connection is checked in the background/);
    const e = await fails(['controller', 'import', 'gone']);
    assert.match(e.stderr, /error \(HTTP 502\): controller gone \(http:\/\/127\.0\.0\.1:9\/v3\): cannot list the compute hosts: cannot reach identity/);
    assert.ok(!e.stderr.includes('gone-secret-pw'));
    assert.ok(!out.includes('gone-secret-pw') && !out.includes(l.admin.password), 'nor in the server log');
  });
});
