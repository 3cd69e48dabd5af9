// The doctor against fake clouds: each fault of the troubleshooting list is found, with its cause
// and remedy, once (not once per object), and the exit code follows the worst finding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';

type F = { code: string; severity: string; cluster: string | null; object: string; symptom: string; cause: string; remedy: string; evidence: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('xos doctor (API) on fake clouds', () => {
  let w: OpsWorld;
  before(async () => {
    w = await opsWorld();
    await w.addCluster('good');
    await w.addCluster('bad', { nova: { hosts: ['b1', 'b2'] } });
  });
  after(() => w.close());

  const doctor = async (q = '') => {
    const r = await w.s.call(ADMIN, 'GET', `/api/ops/doctor${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { findings: F[]; exit_code: number; summary: Record<string, number>; clusters: string[] };
  };
  const of = (r: { findings: F[] }, cluster: string) => r.findings.filter((f) => f.cluster === cluster && f.severity !== 'ok');

  test('healthy clusters: exit 0, every finding ok', async () => {
    const r = await doctor();
    assert.deepEqual(r.findings.filter((f) => f.severity !== 'ok'), []);
    assert.equal(r.exit_code, 0);
    assert.deepEqual(r.clusters.sort(), ['bad', 'good']);
    assert.ok(r.findings.some((f) => f.code === 'CLUSTER_OK' && f.cluster === 'good'));
  });

  test('a stopped nova-compute: critical, with its host and heartbeat age, exit 2', async () => {
    w.clouds.get('bad')!.nova.stopService('b2', 180);
    try {
      const r = await doctor();
      assert.equal(r.exit_code, 2);
      const [f, ...rest] = of(r, 'bad');
      assert.deepEqual(rest, []);
      assert.equal(f.code, 'NOVA_COMPUTE_DOWN');
      assert.equal(f.object, 'nova-compute@b2');
      assert.equal(f.evidence.host, 'b2');
      assert.ok(f.evidence.heartbeat_age_s >= 180);
      assert.match(f.symptom, /last heartbeat was \d+ s ago/);
      assert.match(f.cause, /No valid host/);
      assert.match(f.remedy, /message-bus/);
      assert.deepEqual(of(r, 'good'), [], 'the other cluster is fine');
    } finally {
      w.clouds.get('bad')!.nova.startService('b2');
    }
  });

  test('the message bus down: one finding, not one per service and agent', async () => {
    const bad = w.clouds.get('bad')!;
    bad.nova.stopService('b1', 100);
    bad.nova.stopService('b2', 100);
    for (const a of bad.neutron.agents) bad.neutron.killAgent(a.binary, a.host, 100);
    try {
      const r = await doctor();
      const found = of(r, 'bad');
      assert.deepEqual(found.map((f) => f.code), ['MESSAGE_BUS_DOWN']);
      assert.match(found[0].cause, /RabbitMQ/);
      assert.equal(found[0].evidence.compute_services_down.length, 2);
      assert.equal(found[0].evidence.agents_dead.length, 5);
    } finally {
      bad.nova.startService('b1');
      bad.nova.startService('b2');
      for (const a of bad.neutron.agents) a.alive = true;
    }
  });

  test('a dead metadata agent: instances get no keys or user data', async () => {
    w.clouds.get('bad')!.neutron.killAgent('neutron-metadata-agent');
    try {
      const r = await doctor('?controller=bad');
      const [f, ...rest] = of(r, 'bad');
      assert.deepEqual(rest, []);
      assert.equal(f.code, 'NEUTRON_AGENT_DEAD');
      assert.match(f.cause, /user data/);
      assert.match(f.remedy, /restart neutron-metadata-agent/);
      assert.deepEqual(r.clusters, ['bad'], '--controller checks that one only');
    } finally {
      w.clouds.get('bad')!.neutron.agents.find((a) => a.binary === 'neutron-metadata-agent')!.alive = true;
    }
  });

  test('Keystone unreachable: one finding for the cluster, not one per collector', async () => {
    const c = await w.addCluster('gone');
    c.cloud.fail('* /identity/**', { drop: true });
    const r = await doctor('?controller=gone');
    const found = of(r, 'gone');
    assert.deepEqual(found.map((f) => f.code), ['KEYSTONE_UNREACHABLE']);
    assert.ok(found[0].evidence.collectors_failing >= 5);
    assert.equal(r.exit_code, 2);
  });

  test('credentials refused', async () => {
    const c = await w.addCluster('badpw');
    const p = await w.s.call(ADMIN, 'PATCH', `/api/core/controllers/${c.ctl}`, { admin_password: 'not-the-password' });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const r = await doctor('?controller=badpw');
    assert.deepEqual(of(r, 'badpw').map((f) => f.code), ['CREDENTIALS_REFUSED']);
    assert.ok(!JSON.stringify(r).includes('not-the-password'));
  });

  test('a catalog endpoint XOS cannot reach', async () => {
    const c = await w.addCluster('natted');
    c.cloud.catalogUrls.network = 'http://127.0.0.1:9/network'; // discard port: nothing listens
    const r = await doctor('?controller=natted');
    const found = of(r, 'natted');
    assert.ok(found.some((f) => f.code === 'ENDPOINT_UNREACHABLE' && f.evidence.service === 'network'), JSON.stringify(found, null, 1));
    assert.ok(!found.some((f) => f.code === 'KEYSTONE_UNREACHABLE'));
  });

  test('a shared network missing where networks use its template: critical', async () => {
    await w.addCluster('nonat', { natNet: false });
    const tpl = (await w.s.call(ADMIN, 'GET', '/api/core/networktemplates?name=Public shared IPv4')).body.items[0];
    const site = (await w.s.call(ADMIN, 'GET', '/api/core/sites')).body.items[0];
    const slice = await w.make('slices', { name: `${site.login_base}_ops`, site: site.id, no_sync: true });
    await w.make('networks', { name: 'opsnet', template: tpl.id, owner: slice, no_sync: true });
    const r = await doctor('?controller=nonat');
    const f = of(r, 'nonat').find((x) => x.code === 'SHARED_NETWORK_MISSING');
    assert.ok(f, JSON.stringify(r.findings, null, 1));
    assert.equal(f.severity, 'critical');
    assert.match(f.symptom, /nat-net/);
    assert.match(f.remedy, /openstack network create --share nat-net/);
    // The dedicated template's ext-net is missing too, but nothing uses it: information only.
    assert.ok(r.findings.some((x) => x.code === 'SHARED_NETWORK_MISSING' && x.severity === 'ok' && /ext-net/.test(x.symptom)));
  });

  test("a server in ERROR with Nova's fault", async () => {
    const good = w.clouds.get('good')!;
    const s = good.nova.addServer({ name: 'broken', project: good.keystone.admin.project.id, status: 'ERROR', metadata: { 'xos-id': 'instance/77' } });
    s.fault = { code: 500, message: 'No valid host was found. There are not enough hosts available.', created: new Date().toISOString() };
    const r = await doctor('?controller=good');
    const f = of(r, 'good').find((x) => x.code === 'INSTANCE_ERROR');
    assert.ok(f, JSON.stringify(r.findings, null, 1));
    assert.equal(f.object, 'Instance 77');
    assert.deepEqual((f as F & { instances: number[] }).instances, [77], 'the web UI links the instance from it');
    assert.match(f.symptom, /No valid host was found/);
    assert.match(f.cause, /no compute host/);
    assert.equal(r.exit_code, 1);
  });
});
