// The cluster collectors against fake clouds: what they store for a healthy cluster, a compute
// service and an agent that stopped, a cluster that cannot be reached (kept, shown failing, with
// its last data), a cluster that does not answer (cut off at [ops] timeout while the others are
// read), the cost of one poll in requests, and the [ops] interval they poll at.
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';
import { COLLECTORS, type ClusterProbe } from '../../src/ops/cluster-probe.js';
import { pollClusters, startCollectors } from '../../src/ops/collectors.js';
import { loadConfig } from '../../src/config/load.js';
import { model } from '../../src/model/registry.js';

// Resolves when cond() holds, checking on real timers (the tests below mock only setInterval).
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cluster collectors', () => {
  let w: OpsWorld;
  before(async () => {
    w = await opsWorld();
    await w.addCluster('east');
    await w.addCluster('west', { nova: { hosts: ['w1', 'w2', 'w3'] } });
  });
  after(() => w.close());

  test('a healthy cluster: services, agents, capacity, servers, networks and latencies', async () => {
    const east = w.clouds.get('east')!;
    east.nova.addServer({ name: 'vm1', project: east.keystone.admin.project.id, host: 'compute1', flavor: '2', status: 'ACTIVE' });
    const runs = await w.poll();
    assert.equal(runs.length, 2 * COLLECTORS.length);
    assert.deepEqual(runs.filter((r) => !r.ok), []);
    const r = await w.s.call(ADMIN, 'GET', `/api/ops/clusters/${w.ids.east}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const v = r.body;
    assert.equal(v.health, 'ok', JSON.stringify(v.problems));
    assert.deepEqual(v.services.map((s: { binary: string; host: string }) => `${s.binary}@${s.host}`).sort(), ['nova-compute@compute1', 'nova-compute@compute2', 'nova-conductor@controller', 'nova-scheduler@controller']);
    for (const s of v.services) assert.ok(s.heartbeat_age_s >= 0 && s.heartbeat_age_s < 30, `heartbeat age ${s.heartbeat_age_s}`);
    assert.equal(v.agents.length, 5);
    assert.ok(v.agents.every((a: { alive: boolean }) => a.alive));
    assert.equal(v.hypervisors.length, 2);
    // Placement: 2 hosts × 8 VCPU at 16:1; the server's m1.small takes 1 VCPU, 2048 MB, 20 GB.
    assert.deepEqual(
      { total: v.capacity.VCPU.total, usable: v.capacity.VCPU.usable, used: v.capacity.VCPU.used },
      { total: 16, usable: 256, used: 1 },
    );
    assert.equal(v.capacity.MEMORY_MB.used, 2048);
    assert.equal(v.capacity.MEMORY_MB.usable, Math.floor((16384 - 512) * 1.5) * 2);
    assert.deepEqual(v.servers, { total: 1, by_status: { ACTIVE: 1 } });
    assert.deepEqual(v.networks.shared, ['nat-net']);
    assert.deepEqual(v.latency.map((l: { service: string; ok: boolean }) => `${l.service}:${l.ok}`).sort(), ['compute:true', 'identity:true', 'image:true', 'network:true', 'placement:true']);
    for (const k of COLLECTORS) {
      assert.equal(v.collectors[k].ok, true, k);
      assert.ok(v.collectors[k].requests >= 1, `${k} made requests`);
      assert.ok(v.collectors[k].last_success);
    }
  });

  test('a stopped nova-compute and a dead agent are shown with their heartbeat age, problems first', async () => {
    const west = w.clouds.get('west')!;
    west.nova.stopService('w2', 200);
    west.neutron.killAgent('neutron-dhcp-agent', 'controller', 90);
    await w.poll();
    const r = await w.s.call(ADMIN, 'GET', '/api/ops/clusters');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((c: { name: string }) => c.name), ['west', 'east'], 'the cluster with problems comes first');
    const v = r.body.items[0];
    assert.equal(v.health, 'critical');
    const w2 = v.services.find((s: { host: string }) => s.host === 'w2');
    assert.equal(w2.state, 'down');
    assert.ok(w2.heartbeat_age_s >= 200 && w2.heartbeat_age_s < 260, `age ${w2.heartbeat_age_s}`);
    assert.match(v.problems[0].text, /nova-compute on w2 is down \(last heartbeat \d+ s ago\)/);
    assert.ok(v.problems.some((p: { text: string }) => /DHCP agent on controller is dead/.test(p.text)));
    west.nova.startService('w2');
    west.neutron.agents.find((a) => a.binary === 'neutron-dhcp-agent')!.alive = true;
  });

  test('an unreachable cluster is shown failing with its error and its last data, not dropped', async () => {
    const east = w.clouds.get('east')!;
    east.fail('* /**', { drop: true }); // every service: the host is gone
    try {
      const runs = await w.poll();
      const eastRuns = runs.filter((x) => x.controller === w.ids.east);
      assert.ok(eastRuns.length && eastRuns.every((x) => !x.ok), JSON.stringify(eastRuns));
      const r = await w.s.call(ADMIN, 'GET', '/api/ops/clusters');
      const v = r.body.items.find((c: { name: string }) => c.name === 'east');
      assert.ok(v, 'still listed');
      assert.equal(v.health, 'critical');
      assert.equal(v.collectors.services.ok, false);
      assert.ok(v.collectors.services.last_success, 'the last success is kept');
      assert.match(v.collectors.services.last_error, /Nova|Keystone/);
      assert.equal(v.services.length, 4, 'the last data read is kept');
      assert.match(v.problems[0].text, /unreachable|failing/);
      const west = r.body.items.find((c: { name: string }) => c.name === 'west');
      assert.equal(west.health, 'ok', 'the other cluster is read as before');
    } finally {
      east.heal();
    }
  });

  test('a token is kept across polls: a poll costs its reads, not a login', async () => {
    await w.poll();
    const east = w.clouds.get('east')!;
    const mark = east.mark();
    const runs = await w.poll();
    const logins = east.since(mark, 'POST /identity/v3/auth/tokens').length;
    assert.equal(logins, 0);
    const perPoll = runs.filter((x) => x.controller === w.ids.east).reduce((n, x) => n + x.requests, 0);
    const seen = east.since(mark);
    assert.equal(perPoll, seen.length, `the requests counted are those the cloud saw: ${seen.map((x) => `${x.method} ${x.path}`).join(', ')}`);
  });

  test('a collection that fails stops what it started: no retry of a list beside it reaches the cluster later', async () => {
    const east = w.clouds.get('east')!;
    const ctl = (await w.s.store.raw(model('Controller'), w.ids.east))!;
    await w.probe.collect(ctl, 'networks', { signal: new AbortController().signal, timeoutMs: 15_000 }); // a token first
    // The networks collector reads two lists side by side: one is refused at once, the other is
    // told to come back later (a retry after half a second or less).
    east.fail('GET /network/v2.0/networks', { status: 400, times: 1 });
    east.fail('GET /network/v2.0/networks', { status: 503, times: 1 });
    try {
      const mark = east.mark();
      await assert.rejects(w.probe.collect(ctl, 'networks', { signal: new AbortController().signal, timeoutMs: 15_000 }));
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(east.since(mark).map((x) => `${x.method} ${x.path}`), ['GET /network/v2.0/networks', 'GET /network/v2.0/networks'], 'the two lists, and nothing after');
    } finally {
      east.heal();
    }
  });

  test('startCollectors polls at once and stops cleanly', async () => {
    const before = (await w.s.store.clusters.reports([w.ids.east])).find((x) => x.collector === 'services')!.attempted;
    await new Promise((r) => setTimeout(r, 10));
    const c = startCollectors(w.s.store, { ops: { interval: 3600, timeout: 2, enabled: true, metrics_token: '' } }, w.probe);
    await c.pollNow();
    await c.stop();
    const after = (await w.s.store.clusters.reports([w.ids.east])).find((x) => x.collector === 'services')!.attempted;
    assert.ok(Date.parse(after) > Date.parse(before));
  });

  test('a cluster that does not answer: its collectors fail at the timeout, and the other clusters are read in the same poll', async () => {
    const { cloud: deaf, ctl } = await w.addCluster('deaf'); // listed, so polled, before east and west
    const timeoutMs = 1000; // [ops] timeout = 1, the least allowed
    // It answered once (it has a token and a client), then stops answering: every call hangs.
    const first = await pollClusters(w.s.store, w.probe, { timeoutMs, controllers: [ctl] });
    assert.deepEqual(first.filter((r) => !r.ok), []);
    const delayMs = 30_000;
    deaf.fail('* /**', { delayMs });
    try {
      const t0 = performance.now();
      const runs = await pollClusters(w.s.store, w.probe, { timeoutMs });
      const elapsed = performance.now() - t0;
      // A collector gets three call timeouts in all (collectors.ts): the poll ends long before the
      // cluster would answer.
      assert.ok(elapsed < 3 * timeoutMs * 3 && elapsed < delayMs / 3, `the poll took ${Math.round(elapsed)} ms`);
      assert.equal(runs.length, 3 * COLLECTORS.length);

      const deafRuns = runs.filter((r) => r.controller === ctl);
      assert.deepEqual(deafRuns.map((r) => r.collector).sort(), [...COLLECTORS].sort());
      for (const r of deafRuns) {
        assert.equal(r.ok, false, r.collector);
        assert.match(r.error ?? '', /(Keystone|Nova|Neutron|Glance|Placement) did not answer in time \(http:\/\/127\.0\.0\.1:\d+\//, r.collector);
        assert.ok(r.durationMs >= timeoutMs * 0.9 && r.durationMs <= elapsed + 1, `${r.collector} took ${r.durationMs} ms`);
      }
      // The collectors of the cluster wait at once, not one after the other.
      const waited = deafRuns.reduce((n, r) => n + r.durationMs, 0);
      assert.ok(elapsed < waited / 2, `the poll took ${Math.round(elapsed)} ms, its collectors ${waited} ms in all`);

      const reports = await w.s.store.clusters.reports([ctl]);
      assert.equal(reports.length, COLLECTORS.length);
      for (const x of reports) {
        const run = deafRuns.find((r) => r.collector === x.collector)!;
        assert.equal(x.ok, false, x.collector);
        assert.equal(x.last_error, run.error, x.collector);
        assert.equal(x.duration_ms, run.durationMs, x.collector);
        assert.ok(x.last_success, 'the last success is kept');
        // The latency collector fails with whichever service gave up first, Keystone included.
        if (x.collector !== 'latency') assert.equal(x.last_error_kind, 'timeout', x.collector);
      }

      // The healthy clusters were read in that poll, without waiting for the one that hangs.
      const healthy = runs.filter((r) => r.controller !== ctl);
      assert.deepEqual(healthy.filter((r) => !r.ok), []);
      const theirs = await w.s.store.clusters.reports([w.ids.east, w.ids.west]);
      assert.equal(theirs.length, 2 * COLLECTORS.length);
      const firstFailure = Math.min(...reports.map((x) => Date.parse(x.attempted)));
      for (const x of theirs) {
        assert.equal(x.ok, true);
        assert.ok(Date.parse(x.attempted) < firstFailure, `${x.collector} of ${x.controller} recorded at ${x.attempted}, not before the hanging cluster's first failure (${new Date(firstFailure).toISOString()})`);
      }
      const r = await w.s.call(ADMIN, 'GET', `/api/ops/clusters/${ctl}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.health, 'critical');
      assert.match(r.body.collectors.services.last_error, /Nova did not answer in time/);
    } finally {
      deaf.heal();
    }
  });

  test('the collectors poll every [ops] interval: 60 s when nothing is configured, else what is', async () => {
    const polls = async (config: ReturnType<typeof loadConfig>) => {
      const calls: string[] = [];
      const probe: ClusterProbe = {
        collect: (row, which, o) => {
          calls.push(`${row.id}:${which}`);
          return w.probe.collect(row, which, o);
        },
      };
      mock.timers.enable({ apis: ['setInterval'] });
      const c = startCollectors(w.s.store, config, probe);
      try {
        await c.pollNow(); // the poll made at once, and one more: none is running after it
        const n = calls.length;
        assert.ok(n > 0);
        mock.timers.tick(config.ops.interval * 1000 - 1);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(calls.length, n, `no poll before ${config.ops.interval} s`);
        mock.timers.tick(1);
        await until(() => calls.length > n, `a poll after ${config.ops.interval} s`);
      } finally {
        mock.timers.reset();
        await c.stop();
      }
    };
    const defaults = loadConfig({ file: null, env: {} });
    assert.equal(defaults.ops.interval, 60, 'the [ops] interval when nothing is configured');
    await polls(defaults);
    const configured = loadConfig({ file: null, env: { XOS_OPS_INTERVAL: '5' } });
    assert.equal(configured.ops.interval, 5);
    await polls(configured);
  });
});
