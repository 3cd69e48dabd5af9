// GET /metrics: who may read it (administrators, the [ops] metrics token), the series of every
// cluster with a `cluster` label (a failing collector says so and keeps its last values), and the
// text passes Debian's `promtool check metrics`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { ADMIN, basic } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/load.js';
import { XosMetrics } from '../../src/ops/metrics.js';

const TOKEN = 'metrics-token-for-tests-1';
const havePromtool = spawnSync('promtool', ['--version']).status === 0;

describe('GET /metrics', () => {
  let w: OpsWorld;
  let app: FastifyInstance; // with [ops] metrics_token set
  const scrape = async (headers: Record<string, string>) => {
    const r = await app.inject({ method: 'GET', url: '/metrics', headers });
    return { status: r.statusCode, text: r.body, type: String(r.headers['content-type']) };
  };
  before(async () => {
    w = await opsWorld();
    await w.addCluster('east');
    await w.addCluster('west', { nova: { hosts: ['w1'] } });
    w.clouds.get('east')!.nova.stopService('compute2', 300);
    await w.poll();
    w.clouds.get('west')!.fail('* /**', { drop: true });
    await w.poll(); // west fails now; its last data stays
    const config = loadConfig({ env: { XOS_SECURITY_SECRET_KEY: '0'.repeat(64), XOS_OPS_METRICS_TOKEN: TOKEN } });
    app = await buildServer({ store: w.s.store, config, logger: false, metrics: new XosMetrics() });
    const dadmin = await w.make('users', { email: 'dadmin@example.com', password: 'user-password-1', firstname: 'D', lastname: 'A', site: 1 });
    const role = (await w.s.call(ADMIN, 'GET', '/api/core/deploymentroles?role=admin')).body.items[0].id;
    await w.make('deploymentprivileges', { user: dadmin, deployment: w.ids['dep-east'], role });
  });
  after(async () => {
    await app.close();
    await w.close();
  });

  test('administrators and the metrics token only', async () => {
    assert.equal((await scrape({})).status, 401);
    assert.equal((await scrape({ authorization: 'Bearer wrong-token' })).status, 401);
    assert.equal((await scrape({ authorization: basic({ email: 'dadmin@example.com', password: 'user-password-1' }) })).status, 403);
    assert.equal((await scrape({ authorization: `Bearer ${TOKEN}` })).status, 200);
    const r = await scrape({ authorization: basic(ADMIN) });
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  });

  test('cluster series: services with heartbeat age, capacity, collectors, and a failing cluster kept', async () => {
    await app.inject({ method: 'GET', url: '/api/ops/clusters', headers: { authorization: basic(ADMIN) } }); // a request to time
    const { text } = await scrape({ authorization: `Bearer ${TOKEN}` });
    assert.match(text, /^xos_nova_service_up\{cluster="east",binary="nova-compute",host="compute2",zone="nova",status="enabled"\} 0$/m);
    assert.match(text, /^xos_nova_service_up\{cluster="east",binary="nova-compute",host="compute1",zone="nova",status="enabled"\} 1$/m);
    const age = Number(/^xos_nova_service_heartbeat_age_seconds\{cluster="east",binary="nova-compute",host="compute2"\} (\d+)$/m.exec(text)?.[1]);
    assert.ok(age >= 300, `age ${age}`);
    assert.match(text, /^xos_cluster_resource_capacity\{cluster="east",resource="VCPU"\} 16$/m);
    assert.match(text, /^xos_neutron_agent_alive\{cluster="east",agent_type="DHCP agent",binary="neutron-dhcp-agent",host="controller",admin_state="up"\} 1$/m);
    assert.match(text, /^xos_collector_up\{cluster="west",collector="services"\} 0$/m);
    assert.match(text, /^xos_collector_up\{cluster="east",collector="services"\} 1$/m);
    assert.match(text, /^xos_cluster_up\{cluster="west"\} 0$/m);
    assert.match(text, /^xos_nova_service_up\{cluster="west",binary="nova-compute",host="w1",zone="nova",status="enabled"\} 1$/m, 'the last values of a failing cluster stay');
    assert.match(text, /^xos_collector_last_success_timestamp_seconds\{cluster="west",collector="services"\} \d+/m);
    assert.match(text, /^xos_sync_pending\{model="Controller"\} \d+$/m);
    assert.match(text, /^xos_api_request_duration_seconds_count\{method="GET",route="\/api\/ops\/clusters",status_code="200"\} \d+$/m);
    for (const line of text.split('\n').filter((l) => /^xos_(nova|neutron|cluster|collector|host)_/.test(l))) assert.match(line, /\{cluster="/, line);
  });

  test('promtool check metrics accepts the text', { skip: !havePromtool && 'needs Debian prometheus (promtool)' }, async () => {
    const { text } = await scrape({ authorization: `Bearer ${TOKEN}` });
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});
