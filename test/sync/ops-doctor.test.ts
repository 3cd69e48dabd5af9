// The doctor against fake clouds: each fault of the troubleshooting list is found, with its cause
// and remedy, once (not once per object), and the exit code follows the worst finding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';
import { dbOf } from '../../src/store/inspect.js';

type F = { code: string; severity: string; cluster: string | null; object: string; symptom: string; cause: string; remedy: string; evidence: Record<string, any>; instances: number[] }; // eslint-disable-line @typescript-eslint/no-explicit-any

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
  const sql = (text: string, params: unknown[] = []) => dbOf(w.s.store).query<Record<string, unknown>>(text, params);
  // An XOS instance on a cluster (its site deployed there, pinned to a node of that name when
  // given), kept from the synchronizer; in error with the synchronizer's message when given.
  const instanceOn = async (cluster: string, name: string, o: { node?: string; error?: string } = {}) => {
    const site = (await w.s.call(ADMIN, 'GET', '/api/core/sites')).body.items[0];
    const dep = w.ids[`dep-${cluster}`];
    const sds = (await w.s.call(ADMIN, 'GET', `/api/core/sitedeployments?site=${site.id}&deployment=${dep}`)).body.items;
    const sd = sds[0]?.id ?? (await w.make('sitedeployments', { site: site.id, deployment: dep, controller: w.ids[cluster] }));
    w.ids[`slice-${cluster}`] ??= await w.make('slices', { name: `${site.login_base}_${cluster}`, site: site.id, no_sync: true });
    w.ids.image ??= await w.make('images', { name: 'cirros', no_sync: true });
    const flavor = (await w.s.call(ADMIN, 'GET', '/api/core/flavors?name=m1.small')).body.items[0].id;
    const node = o.node ? ((await w.s.call(ADMIN, 'GET', `/api/core/nodes?name=${o.node}`)).body.items[0]?.id ?? (await w.make('nodes', { name: o.node, site_deployment: sd }))) : undefined;
    const id = await w.make('instances', { name, slice: w.ids[`slice-${cluster}`], deployment: dep, image: w.ids.image, flavor, ...(node ? { node } : {}), no_sync: true });
    if (o.error) await sql('UPDATE instances SET backend_code = 2, backend_status = $2 WHERE id = $1', [id, `2 - ${o.error}`]);
    return id;
  };

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
  test('a dead DHCP agent and a dead L3 agent: a critical finding each, with its host and what it breaks', async () => {
    const bad = w.clouds.get('bad')!;
    bad.neutron.killAgent('neutron-dhcp-agent', 'controller', 300);
    bad.neutron.killAgent('neutron-l3-agent', 'controller', 400);
    try {
      const r = await doctor('?controller=bad');
      const found = of(r, 'bad');
      assert.deepEqual(found.map((f) => f.object).sort(), ['neutron-dhcp-agent@controller', 'neutron-l3-agent@controller'], JSON.stringify(found, null, 1));
      const dhcp = found.find((f) => f.object === 'neutron-dhcp-agent@controller')!;
      const l3 = found.find((f) => f.object === 'neutron-l3-agent@controller')!;
      for (const f of [dhcp, l3]) {
        assert.equal(f.code, 'NEUTRON_AGENT_DEAD');
        assert.equal(f.severity, 'critical');
        assert.equal(f.evidence.host, 'controller');
        assert.match(f.symptom, /on controller is dead: last heartbeat \d+ s ago/);
      }
      assert.equal(dhcp.evidence.type, 'DHCP agent');
      assert.ok(dhcp.evidence.heartbeat_age_s >= 300);
      assert.match(dhcp.cause, /no address by DHCP/);
      assert.match(dhcp.remedy, /restart neutron-dhcp-agent/);
      assert.equal(l3.evidence.type, 'L3 agent');
      assert.ok(l3.evidence.heartbeat_age_s >= 400);
      assert.match(l3.cause, /Routers, NAT and floating addresses/);
      assert.match(l3.remedy, /restart neutron-l3-agent/);
      assert.equal(r.exit_code, 2);
    } finally {
      for (const a of bad.neutron.agents) a.alive = true;
    }
  });

  test('a stopped nova-compute lists the XOS instances failing for it, and not the others', async () => {
    const c = await w.addCluster('nohost', { nova: { hosts: ['n1', 'n2'] } });
    const noValid = await instanceOn('nohost', 'novalid', { error: 'No valid host was found. There are not enough hosts available.' });
    const pinned = await instanceOn('nohost', 'pinned', { node: 'n2', error: 'Build of instance aborted' });
    const other = await instanceOn('nohost', 'quota', { error: 'Quota exceeded for instances' });
    const fine = await instanceOn('nohost', 'fine');
    c.cloud.nova.stopService('n2', 200);
    const r = await doctor('?controller=nohost');
    const f = of(r, 'nohost').find((x) => x.code === 'NOVA_COMPUTE_DOWN');
    assert.ok(f, JSON.stringify(r.findings, null, 1));
    assert.equal(f.object, 'nova-compute@n2');
    assert.deepEqual([...f.instances].sort((a, b) => a - b), [noValid, pinned]);
    assert.deepEqual(
      f.evidence.xos_instances_failing.map((x: { id: number; name: string }) => [x.id, x.name]).sort(),
      [[noValid, 'novalid'], [pinned, 'pinned']].sort(),
    );
    assert.match(f.evidence.xos_instances_failing.find((x: { id: number }) => x.id === noValid).status, /No valid host/);
    assert.match(f.symptom, /; 2 XOS instance\(s\) failing/);
    assert.ok(![other, fine].some((id) => f.instances.includes(id)));
  });

  test('instances reachable through NAT only: said once, with port forwarding or a public address as the way in', async () => {
    await w.addCluster('natonly');
    const a = await instanceOn('natonly', 'behind-nat-1');
    const b = await instanceOn('natonly', 'behind-nat-2');
    const pub = await instanceOn('natonly', 'public-one');
    const broken = await instanceOn('natonly', 'in-error', { error: 'Build of instance aborted' });
    const tpl = (await w.s.call(ADMIN, 'GET', '/api/core/networktemplates?name=Public dedicated IPv4')).body.items[0];
    const net = await w.make('networks', { name: 'natonly-public', template: tpl.id, owner: w.ids['slice-natonly'], no_sync: true });
    const port = await w.make('ports', { network: net, instance: pub, ip: '198.51.100.7', no_sync: true });
    let r;
    try {
      r = await doctor('?controller=natonly');
    } finally {
      // The network of a template whose shared network ext-net no cluster here has: gone again.
      for (const [plural, id] of [['ports', port], ['networks', net]] as const) assert.equal((await w.s.call(ADMIN, 'DELETE', `/api/core/${plural}/${id}`)).status, 204);
    }
    const found = r.findings.filter((f) => f.cluster === 'natonly' && f.code === 'INSTANCE_NAT_ONLY');
    assert.equal(found.length, 1, JSON.stringify(r.findings, null, 1));
    const [f] = found;
    assert.equal(f.severity, 'ok', 'information, not a fault');
    assert.deepEqual([...f.instances].sort((x, y) => x - y), [a, b]);
    assert.deepEqual(f.evidence.instances.map((x: { name: string }) => x.name).sort(), ['behind-nat-1', 'behind-nat-2']);
    assert.ok(!f.instances.includes(pub) && !f.instances.includes(broken));
    assert.match(f.symptom, /^2 instance\(s\) have no public address/);
    assert.match(f.remedy, /port forwarding/);
    assert.match(f.remedy, /public address/);
  });

  test("the synchronizer's backlog: pending count and the oldest's age, a warning after 10 minutes, critical after an hour", async () => {
    const site = (await w.s.call(ADMIN, 'GET', '/api/core/sites')).body.items[0];
    const slice = await w.make('slices', { name: `${site.login_base}_backlog`, site: site.id });
    const backlog = async () => {
      const r = await doctor('?cached=true'); // XOS itself is checked; the clusters need not be read again
      const found = r.findings.filter((f) => f.code === 'SYNC_BACKLOG');
      assert.equal(found.length, 1, JSON.stringify(r.findings, null, 1));
      assert.equal(found[0].cluster, null);
      return found[0];
    };
    try {
      await sql("UPDATE slices SET updated = now() - interval '20 minutes' WHERE id = $1", [slice]);
      const warn = await backlog();
      assert.equal(warn.severity, 'warning');
      assert.ok(warn.evidence.pending >= 1);
      assert.ok(warn.evidence.per_model.Slice >= 1);
      assert.ok(warn.evidence.oldest_age_s >= 1200 && warn.evidence.oldest_age_s < 1300, JSON.stringify(warn.evidence));
      assert.match(warn.symptom, new RegExp(`^${warn.evidence.pending} object\\(s\\) wait to be synchronized; the oldest has waited \\d+ s$`));
      assert.match(warn.remedy, /synchronizer/);

      await sql("UPDATE slices SET updated = now() - interval '2 hours' WHERE id = $1", [slice]);
      const crit = await backlog();
      assert.equal(crit.severity, 'critical');
      assert.ok(crit.evidence.oldest_age_s >= 7200, JSON.stringify(crit.evidence));
    } finally {
      await sql('UPDATE slices SET no_sync = true WHERE id = $1', [slice]);
    }
    assert.equal((await backlog()).severity, 'ok', 'the old row out of the backlog, it is fine again');
  });

  test('collectors that last read the cluster long ago: COLLECTORS_STALE (with the cached reading)', async () => {
    const c = await w.addCluster('stale');
    const never = await doctor('?controller=stale&cached=true');
    const f0 = of(never, 'stale').find((x) => x.code === 'COLLECTORS_STALE');
    assert.ok(f0, JSON.stringify(never.findings, null, 1));
    assert.match(f0.symptom, /never been read/);
    await doctor('?controller=stale'); // read afresh: the collectors' reports are recorded
    assert.ok(!of(await doctor('?controller=stale&cached=true'), 'stale').some((x) => x.code === 'COLLECTORS_STALE'), 'just read: not stale');
    await sql("UPDATE cluster_reports SET attempted = now() - interval '1 hour', last_success = now() - interval '1 hour' WHERE controller = $1", [c.ctl]);
    const r = await doctor('?controller=stale&cached=true');
    const f = of(r, 'stale').find((x) => x.code === 'COLLECTORS_STALE');
    assert.ok(f, JSON.stringify(r.findings, null, 1));
    assert.equal(f.severity, 'warning');
    assert.equal(f.object, 'operator collectors');
    const age = Number(/last read (\d+) s ago/.exec(f.symptom)?.[1]);
    assert.ok(age >= 3600 && age < 3700, f.symptom);
    assert.ok(Date.now() - Date.parse(f.evidence.last_attempt) >= 3600_000);
    assert.match(f.remedy, /\[ops\] enabled/);
  });

  test('a collector the cluster answers with an error: COLLECTOR_FAILING, with the message', async () => {
    const c = await w.addCluster('apierr');
    c.cloud.fail('GET /compute/v2.1/os-services', { status: 500, message: 'os-services exploded' });
    const r = await doctor('?controller=apierr');
    const found = of(r, 'apierr');
    const f = found.find((x) => x.code === 'COLLECTOR_FAILING');
    assert.ok(f, JSON.stringify(r.findings, null, 1));
    assert.equal(f.severity, 'warning');
    assert.match(f.symptom, /^reading the cluster fails: .*os-services exploded/);
    assert.match(f.remedy, /request id/);
    assert.equal(f.evidence.collectors_failing, 1, 'the services collector only');
    assert.ok(!found.some((x) => ['KEYSTONE_UNREACHABLE', 'ENDPOINT_UNREACHABLE'].includes(x.code)));
    assert.equal(r.exit_code, 1);
  });
});
