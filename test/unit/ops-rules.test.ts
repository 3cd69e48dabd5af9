// The doctor's pure rules: the endpoint rewrite suggested for a private catalog address (and not
// for a public one), objects in error grouped by root cause, and the exit code of a report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPrivateHost, reachabilityFindings } from '../../src/ops/doctor/cluster-checks.js';
import { causeKey, groupErrors } from '../../src/ops/error-groups.js';
import { report } from '../../src/ops/doctor/finding.js';
import { clusterView } from '../../src/ops/cluster-view.js';
import type { ErrorRow } from '../../src/store/cluster-reports.js';

const cluster = { id: 1, name: 'east', deployment: 1, deployment_name: 'd', backend_type: 'OpenStack', auth_url: 'https://203.0.113.5:5000/v3', backend_code: 1, backend_status: '1 - OK' };

test('private addresses', () => {
  for (const h of ['10.0.0.5', '172.16.3.4', '172.31.255.1', '192.168.1.1', 'controller.internal']) assert.ok(isPrivateHost(h), h);
  for (const h of ['203.0.113.5', '172.32.0.1', '8.8.8.8', 'cloud.example.org']) assert.ok(!isPrivateHost(h), h);
});

test('a catalog endpoint on a private address: the finding suggests an endpoint rewrite', () => {
  const view = clusterView(cluster, []);
  const fail = (url: string) => [{ kind: 'endpoint_unreachable' as const, message: 'no answer', service: 'compute', url }];
  const [priv] = reachabilityFindings({ view, failures: fail('http://10.1.2.3:8774/v2.1/os-services'), instances: [], templates: [], intervalS: 60 });
  assert.equal(priv.code, 'ENDPOINT_UNREACHABLE');
  assert.match(priv.cause, /private address \(10\.1\.2\.3\)/);
  assert.match(priv.remedy, /endpoint_rewrite = \[\{"from": "10\.1\.2\.3", "to": "203\.0\.113\.5"\}\]/);
  const [pub] = reachabilityFindings({ view, failures: fail('https://203.0.113.5:8774/v2.1/os-services'), instances: [], templates: [], intervalS: 60 });
  assert.doesNotMatch(pub.remedy, /endpoint_rewrite/);
});

test('a TLS failure suggests the CA bundle', () => {
  const view = clusterView(cluster, []);
  const [f] = reachabilityFindings({ view, failures: [{ kind: 'tls', message: 'self signed certificate', service: 'identity', url: cluster.auth_url }], instances: [], templates: [], intervalS: 60 });
  assert.equal(f.code, 'TLS_UNTRUSTED');
  assert.match(f.remedy, /ca_bundle/);
});

test('objects in error: one dead controller is one group with its dependents', () => {
  const row = (model: string, id: number, status: string, controller: number | null = null): ErrorRow => ({ model, id, title: `${model}${id}`, backend_status: status, backend_reason: 'transient', controller, last_sync: null });
  const errors = [
    ...Array.from({ length: 11 }, (_, i) => row(i % 2 ? 'ControllerSlice' : 'ControllerUser', i + 1, '2 - cannot reach compute (ECONNREFUSED 127.0.0.1:8774)', 7)),
    row('Instance', 40, '2 - server 0c4f4c2e-2f7a-4a43-9a52-0a3b7c9d1e11 went to ERROR: No valid host was found. (request req-11111111-2222-3333-4444-555555555555)'),
    row('Instance', 41, '2 - server 9d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6 went to ERROR: No valid host was found. (request req-66666666-7777-8888-9999-000000000000)'),
  ];
  const groups = groupErrors(errors, [{ id: 7, name: 'west', backend_code: 2, backend_status: '2 - cannot reach Keystone (ECONNREFUSED)' }]);
  assert.equal(groups.length, 2);
  assert.equal(groups[0].count, 11);
  assert.deepEqual(groups[0].controller, { id: 7, name: 'west' });
  assert.match(groups[0].cause, /^controller west: cannot reach Keystone/);
  assert.deepEqual(groups[0].models, { ControllerUser: 6, ControllerSlice: 5 });
  assert.equal(groups[1].count, 2);
  assert.equal(groups[1].cause, causeKey(errors[11].backend_status));
  assert.doesNotMatch(groups[1].cause, /req-|0c4f4c2e/);
});

test('the exit code follows the worst finding', () => {
  const f = (severity: 'ok' | 'warning' | 'critical') => ({ code: 'X', severity, cluster: null, object: '', symptom: '', cause: '', remedy: '', evidence: {} });
  assert.equal(report([f('ok')], [], 0).exit_code, 0);
  assert.equal(report([f('ok'), f('warning')], [], 0).exit_code, 1);
  const r = report([f('warning'), f('critical'), f('ok')], [], 0);
  assert.equal(r.exit_code, 2);
  assert.deepEqual(r.findings.map((x) => x.severity), ['critical', 'warning', 'ok']);
});
