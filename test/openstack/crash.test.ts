// Killing the synchronizer right after a server create, 20 times, leaves no duplicate and no
// orphaned server: the next worker finds the server by its xos-id and adopts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { connectLab, lab, labClient, labSkip, tinyImageFile } from '../helpers/lab.js';
import { Budget, scaled, until } from '../helpers/wait.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { OpenStackClient, type Server } from '../../src/openstack/client/index.js';
import { dbOf } from '../../src/store/inspect.js';
import { synchronizerFor } from '../../src/sync/backends.js';

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
    const image = await post('images', { name: `crash-${run}`, disk_format: 'raw', container_format: 'bare', path: tinyImageFile() });
    const { dep } = await connectLab(post, l, `crash-${run}`, site.id, image.id);
    const slice = await post('slices', { name: `crash${run}_x`, site: site.id, max_instances: ROUNDS + 5 });
    Object.assign(ids, { dep, image: image.id, slice: slice.id });
  });
  after(async () => {
    // leave the cluster as it was: delete the slice and let a worker remove its servers
    if (s && ids.slice) {
      await s.call(ADMIN, 'DELETE', `/api/core/slices/${ids.slice}`);
      const engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: scaled(20_000) })), { tickMs: 200, backoff: { baseSeconds: 1, capSeconds: 3 } });
      await engine.start();
      try {
        await until('the slice purged', async () => {
          const [{ n }] = await dbOf(s.store).query<{ n: number }>('SELECT count(*)::int AS n FROM slices WHERE id = $1', [ids.slice]);
          return n === 0;
        }, { ms: 180_000 });
      } catch (e) {
        console.log(`cleanup incomplete: ${(e as Error).message}`); // the next run's names differ
      }
      await engine.stop();
    }
    await s?.close();
  });

  test(`${ROUNDS} deaths right after "create server": each instance ends with exactly one server`, async () => {
    const url = s.config.db.url;
    const rounds: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      instances.push((await post('instances', { slice: ids.slice, deployment: ids.dep, image: ids.image, flavor: 1 })).id);
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/openstack/crash-worker.ts')], {
        env: { ...process.env, XOS_DB_URL: url, XOS_SECURITY_SECRET_KEY: 'd'.repeat(64), XOS_DATA_DIR: '/nonexistent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      // The worker kills itself once Nova has accepted the create; a watchdog ends it if it never
      // gets there (its budget stretches while the machine is loaded: starting a worker under
      // load takes long).
      const watchdog = new Budget(120_000);
      let timedOut = false;
      const signal = await new Promise<string | null>((resolve) => {
        const t = setInterval(() => {
          if (!watchdog.expired()) return;
          timedOut = true;
          child.kill('SIGKILL');
        }, 1000);
        child.on('exit', (_code, sig) => {
          clearInterval(t);
          resolve(sig);
        });
      });
      const why = timedOut ? `no create within ${watchdog.describe()}` : `it exited (${signal})`;
      assert.ok(!timedOut && signal === 'SIGKILL', `round ${i}: the worker should have died after a create, but ${why}:\n${out}`);
      assert.match(out, /server created; dying/, `round ${i}`);
      rounds.push(watchdog.elapsedMs);
    }
    // A healthy worker takes over: everything converges, nothing is made twice.
    const sorted = [...rounds].sort((a, b) => a - b);
    console.log(`rounds: median ${sorted[sorted.length >> 1]} ms, slowest ${sorted[sorted.length - 1]} ms`);
    const engine = new Engine(s.store, synchronizerFor(openstackBackend({ timeoutMs: scaled(20_000) })), { tickMs: 200 });
    await engine.start();
    try {
      let rows: { id: number; backend_status: string; backend_code: number }[] = [];
      await until(
        () => `every instance in sync; not yet: ${JSON.stringify(rows.filter((r) => r.backend_code !== 1))}`,
        async () => {
          rows = await dbOf(s.store).query('SELECT id, backend_code, backend_status FROM instances WHERE id = ANY($1)', [instances]);
          return rows.every((r) => r.backend_code === 1);
        },
        { ms: 180_000 },
      );
    } finally {
      await engine.stop();
    }
    const [cs] = await dbOf(s.store).query<{ tenant_id: string }>('SELECT tenant_id FROM controller_slices WHERE slice = $1', [ids.slice]);
    const inProject: Server[] = [];
    for await (const sv of cloud.compute.servers.list({ all_tenants: true, project_id: cs.tenant_id })) inProject.push(sv);
    assert.equal(inProject.length, ROUNDS, 'no orphaned server in the slice project');
    for (const id of instances) {
      const mine = inProject.filter((sv) => sv.metadata['xos-id'] === `instance/${id}`);
      assert.equal(mine.length, 1, `instance ${id} has exactly one server`);
      const [row] = await dbOf(s.store).query<{ instance_uuid: string }>('SELECT instance_uuid FROM instances WHERE id = $1', [id]);
      assert.equal(row.instance_uuid, mine[0].id, 'the row records the adopted server');
    }
  });
});
