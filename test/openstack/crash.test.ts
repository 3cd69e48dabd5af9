// Killing the synchronizer right after a server create, 20 times, leaves no duplicate and no
// orphaned server: the next worker finds the server by its xos-id and adopts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { controllerBody, lab, labClient, labSkip } from '../helpers/lab.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackReconcilers } from '../../src/openstack/index.js';
import { OpenStackClient, type Server } from '../../src/openstack/client/index.js';

const ROUNDS = Number(process.env.XOS_CRASH_ROUNDS ?? 20);

describe('synchronizer killed after a server create', { skip: labSkip }, () => {
  let s: TestServer;
  let cloud: OpenStackClient;
  const run = crypto.randomBytes(3).toString('hex');
  const ids: Record<string, number> = {};
  const instances: number[] = [];
  const post = async (plural: string, body: unknown) => {
    const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, `${plural}: ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    const l = lab();
    // PostgreSQL: the dying worker and this test share the database from two processes.
    s = await startTestServer('postgres', { XOS_SECURITY_SECRET_KEY: 'd'.repeat(64) });
    cloud = labClient(l);
    const site = await post('sites', { name: `Crash ${run}`, login_base: `crash${run}` });
    const dep = await post('deployments', { name: `crash-${run}` });
    const ctl = await post('controllers', controllerBody(l, `crash-${run}`, dep.id));
    await post('sitedeployments', { site: site.id, deployment: dep.id, controller: ctl.id });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xos-img-')), 'tiny.img');
    fs.writeFileSync(file, crypto.randomBytes(16 * 1024));
    const image = await post('images', { name: `crash-${run}`, disk_format: 'raw', container_format: 'bare', path: file });
    await post('imagedeployments', { image: image.id, deployment: dep.id });
    const slice = await post('slices', { name: `crash${run}_x`, site: site.id, max_instances: ROUNDS + 5 });
    Object.assign(ids, { dep: dep.id, image: image.id, slice: slice.id });
  });
  after(async () => {
    // leave the cluster as it was: delete the slice and let a worker remove its servers
    if (s && ids.slice) {
      await s.call(ADMIN, 'DELETE', `/api/core/slices/${ids.slice}`);
      const engine = new Engine(s.store, openstackReconcilers({ timeoutMs: 20_000 }), { tickMs: 200, backoff: { baseSeconds: 1, capSeconds: 3 } });
      await engine.start();
      const end = Date.now() + 120_000;
      while (Date.now() < end) {
        const [{ n }] = await s.store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM slices WHERE id = $1', [ids.slice]);
        if (n === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      await engine.stop();
    }
    await s?.close();
  });

  test(`${ROUNDS} deaths right after "create server": each instance ends with exactly one server`, async () => {
    const url = s.config.db.url;
    for (let i = 0; i < ROUNDS; i++) {
      instances.push((await post('instances', { slice: ids.slice, deployment: ids.dep, image: ids.image, flavor: 1 })).id);
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/openstack/crash-worker.ts')], {
        env: { ...process.env, XOS_DB_URL: url, XOS_SECURITY_SECRET_KEY: 'd'.repeat(64), XOS_DATA_DIR: '/nonexistent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const signal = await new Promise<string | null>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('exit', (_code, sig) => {
          clearTimeout(t);
          resolve(sig);
        });
      });
      assert.equal(signal, 'SIGKILL', `round ${i}: the worker should have died after a create:\n${out}`);
      assert.match(out, /server created; dying/, `round ${i}`);
    }
    // A healthy worker takes over: everything converges, nothing is made twice.
    const engine = new Engine(s.store, openstackReconcilers({ timeoutMs: 20_000 }), { tickMs: 200 });
    await engine.start();
    try {
      const end = Date.now() + 180_000;
      for (;;) {
        const rows = await s.store.db.query<{ backend_code: number }>('SELECT backend_code FROM instances WHERE id = ANY($1)', [instances]);
        if (rows.every((r) => r.backend_code === 1)) break;
        if (Date.now() > end) throw new Error(`not converged: ${JSON.stringify(rows)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await engine.stop();
    }
    const [cs] = await s.store.db.query<{ tenant_id: string }>('SELECT tenant_id FROM controller_slices WHERE slice = $1', [ids.slice]);
    const inProject: Server[] = [];
    for await (const sv of cloud.compute.servers.list({ all_tenants: true, project_id: cs.tenant_id })) inProject.push(sv);
    assert.equal(inProject.length, ROUNDS, 'no orphaned server in the slice project');
    for (const id of instances) {
      const mine = inProject.filter((sv) => sv.metadata['xos-id'] === `instance/${id}`);
      assert.equal(mine.length, 1, `instance ${id} has exactly one server`);
      const [row] = await s.store.db.query<{ instance_uuid: string }>('SELECT instance_uuid FROM instances WHERE id = $1', [id]);
      assert.equal(row.instance_uuid, mine[0].id, 'the row records the adopted server');
    }
  });
});
