// An instance's power, reboot, console and log on the real test cluster (Nova's fake driver, with
// nova-novncproxy): power=off stops the server and power=on starts it, a reboot request reboots
// it once, and the API hands out Nova's noVNC URL (which the lab's proxy answers) and the console
// output the driver reports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ADMIN, basic, startTestServer, type TestServer } from '../helpers/xos.js';
import { connectLab, lab, labClient, labSkip, tinyImageFile } from '../helpers/lab.js';
import { scaled, until as waitFor } from '../helpers/wait.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { openstackConsoles } from '../../src/openstack/consoles.js';
import { buildServer } from '../../src/api/server.js';
import { OpenStackClient } from '../../src/openstack/client/index.js';
import { synchronizerFor } from '../../src/sync/backends.js';
import type { FastifyInstance } from 'fastify';

describe('instance power and console on the real cluster', { skip: labSkip }, () => {
  let s: TestServer;
  let app: FastifyInstance; // with the OpenStack consoles wired in
  let engine: Engine;
  let cloud: OpenStackClient;
  const run = crypto.randomBytes(3).toString('hex'); // names unique per run: the lab outlives tests
  const ids: Record<string, number> = {};
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), authorization: basic(ADMIN) },
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };
  const post = async (plural: string, body: unknown) => {
    const r = await call('POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, `${plural}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const instance = async () => (await call('GET', `/api/core/instances/${ids.inst}`)).body;
  const until = <T>(what: string, probe: () => Promise<T | null | undefined | false>) =>
    waitFor(async () => `${what}; the instance is ${JSON.stringify(await instance().then((r) => ({ s: r.backend_status, p: r.power_state, t: r.task_state })))}`, probe, { ms: 180_000 });

  before(async () => {
    const l = lab();
    s = await startTestServer('pglite');
    app = await buildServer({ store: s.store, config: s.config, logger: false, consoles: openstackConsoles((x) => s.store.secret(x)) });
    engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: scaled(20_000) })), {
      tickMs: 250,
      resyncSeconds: 24 * 3600,
      backoff: { baseSeconds: 2, capSeconds: 10 },
    });
    await engine.start();
    cloud = labClient(l);
    const site = await post('sites', { name: `Power ${run}`, login_base: `pw${run}` });
    const image = await post('images', { name: `tiny-pw-${run}`, disk_format: 'raw', container_format: 'bare', path: tinyImageFile(64 * 1024) });
    const { dep } = await connectLab(post, l, `pw-${run}`, site.id, image.id);
    const slice = await post('slices', { name: `pw${run}_web`, site: site.id });
    const inst = await post('instances', { slice: slice.id, deployment: dep, image: image.id, flavor: 1 });
    Object.assign(ids, { inst: inst.id, slice: slice.id });
  });
  after(async () => {
    await engine?.stop();
    if (ids.slice) await call('DELETE', `/api/core/slices/${ids.slice}`).catch(() => undefined);
    await app?.close();
    await s?.close();
  });

  test('the server boots running; power off stops it, power on starts it again', async () => {
    const up = await until('the instance to be in sync and running', async () => {
      const r = await instance();
      assert.notEqual(r.backend_code, 2, r.backend_status);
      return r.backend_code === 1 && r.power_state === 'running' && r;
    });
    assert.equal((await cloud.compute.servers.get(up.instance_uuid)).status, 'ACTIVE');

    assert.equal((await call('PATCH', `/api/core/instances/${ids.inst}`, { power: 'off' })).status, 200);
    const off = await until('the server stopped', async () => {
      const r = await instance();
      return r.backend_code === 1 && r.power_state === 'shutdown' && r;
    });
    assert.equal(off.backend_status, '1 - OK (powered off)');
    const stopped = await cloud.compute.servers.get(up.instance_uuid);
    assert.equal(stopped.status, 'SHUTOFF');
    assert.equal(stopped['OS-EXT-STS:power_state'], 4);

    assert.equal((await call('PATCH', `/api/core/instances/${ids.inst}`, { power: 'on' })).status, 200);
    await until('the server running again', async () => {
      const r = await instance();
      return r.backend_code === 1 && r.power_state === 'running' && r.task_state === null && r;
    });
    assert.equal((await cloud.compute.servers.get(up.instance_uuid)).status, 'ACTIVE');
  });

  test('a reboot request reboots the server once and is recorded', async () => {
    const r = await call('POST', `/api/core/instances/${ids.inst}/reboot`, { type: 'soft' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const done = await until('the reboot done', async () => {
      const x = await instance();
      return x.reboots_done === x.reboot_requests && x.backend_code === 1 && x.task_state === null && x;
    });
    assert.ok(done.last_reboot);
    // Nova's instance actions list the reboot: exactly one.
    const list = await cloud.session.request<{ instanceActions: { action: string }[] }>({ type: 'compute' }, { path: `servers/${done.instance_uuid}/os-instance-actions` });
    assert.equal(list.body.instanceActions.filter((a) => a.action === 'reboot').length, 1);
  });

  test("the console URL is Nova's noVNC URL, answered by the lab's proxy; the log is the driver's output", async () => {
    const c = await call('GET', `/api/core/instances/${ids.inst}/console`);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.type, 'novnc');
    const url = new URL(c.body.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.match(url.pathname, /vnc_auto\.html$/);
    assert.match(c.body.url, /token/);
    const page = await fetch(url);
    assert.equal(page.status, 200, 'nova-novncproxy serves the noVNC page');

    const log = await call('GET', `/api/core/instances/${ids.inst}/console-log?lines=2`);
    assert.equal(log.status, 200, JSON.stringify(log.body));
    assert.deepEqual(log.body, { output: 'ANOTHER\nLAST LINE', lines: 2 });
    const all = await call('GET', `/api/core/instances/${ids.inst}/console-log`);
    assert.equal(all.body.output, 'FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE');
  });
});
