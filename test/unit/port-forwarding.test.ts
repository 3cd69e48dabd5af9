// The pure parts of port forwarding: which forwardings a spec needs on a cluster, what to add
// and delete against what Neutron lists, the request bodies, and the address XOS's router takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortForwards } from '../../src/net/port-forward.js';
import {
  diffForwardings,
  forwardingBody,
  MAX_FORWARDINGS,
  routerGatewayAddress,
  ruleOf,
  rulesFor,
} from '../../src/openstack/reconcilers/port-forwarding.js';

const spec = (t: string) => parsePortForwards(t).forwards;
const target = { ip: '172.16.3.4', portId: 'p1' };

test('with port ranges, one forwarding per spec entry', () => {
  const r = rulesFor(spec('tcp 80, udp 53, tcp 8000:8010'), true);
  assert.deepEqual(r, {
    rules: [
      { protocol: 'tcp', from: 80, to: 80 },
      { protocol: 'udp', from: 53, to: 53 },
      { protocol: 'tcp', from: 8000, to: 8010 },
    ],
  });
});

test('without port ranges, one forwarding per port, and absurd sizes are refused', () => {
  const r = rulesFor(spec('tcp 80, tcp 8000:8002'), false);
  assert.ok('rules' in r);
  assert.deepEqual(r.rules.map((x) => `${x.protocol} ${x.from}-${x.to}`), ['tcp 80-80', 'tcp 8000-8000', 'tcp 8001-8001', 'tcp 8002-8002']);
  const ok = rulesFor(spec(`udp 1:${MAX_FORWARDINGS}`), false);
  assert.ok('rules' in ok && ok.rules.length === MAX_FORWARDINGS);
  const big = rulesFor(spec('tcp 22, tcp 1000:1999'), false, 'lab-2');
  assert.ok('error' in big);
  assert.match(big.error, /needs 1001 forwardings on lab-2, which cannot forward port ranges/);
  assert.match(big.error, /at most 100/);
  assert.match(big.error, /tcp 1000:1999/);
});

test('forwardings Neutron lists read back as rules; foreign ones do not', () => {
  const single = { protocol: 'tcp' as const, internal_ip_address: target.ip, internal_port_id: 'p1', internal_port: 80, external_port: 80, internal_port_range: '80:80', external_port_range: '80:80' };
  const range = { protocol: 'udp' as const, internal_ip_address: target.ip, internal_port_id: 'p1', internal_port_range: '6000:6010', external_port_range: '6000:6010' };
  const old = { protocol: 'tcp' as const, internal_ip_address: target.ip, internal_port_id: 'p1', internal_port: 22, external_port: 22 }; // no ranges extension
  assert.deepEqual(ruleOf(single, target), { protocol: 'tcp', from: 80, to: 80 });
  assert.deepEqual(ruleOf(range, target), { protocol: 'udp', from: 6000, to: 6010 });
  assert.deepEqual(ruleOf(old, target), { protocol: 'tcp', from: 22, to: 22 });
  assert.equal(ruleOf({ ...single, external_port: 8080, external_port_range: '8080:8080' }, target), null, 'other port outside');
  assert.equal(ruleOf({ ...single, internal_ip_address: '172.16.3.5' }, target), null, 'another address');
  assert.equal(ruleOf({ ...single, internal_port_id: 'p2' }, target), null, 'another port');
});

test('the diff adds what is missing and deletes what is extra or doubled', () => {
  const listed = [
    { id: 'a', protocol: 'tcp' as const, internal_ip_address: target.ip, internal_port_id: 'p1', internal_port_range: '80:80', external_port_range: '80:80' },
    { id: 'b', protocol: 'tcp' as const, internal_ip_address: target.ip, internal_port_id: 'p1', internal_port_range: '80:80', external_port_range: '80:80' },
    { id: 'c', protocol: 'udp' as const, internal_ip_address: target.ip, internal_port_id: 'p1', internal_port_range: '53:53', external_port_range: '53:53' },
    { id: 'd', protocol: 'tcp' as const, internal_ip_address: '172.16.9.9', internal_port_id: 'p1', internal_port_range: '443:443', external_port_range: '443:443' },
  ];
  const want = (rulesFor(spec('tcp 80, tcp 443, tcp 8000:8010'), true) as { rules: never[] }).rules;
  const { create, remove } = diffForwardings(listed, want, target);
  assert.deepEqual(remove.map((p) => p.id), ['b', 'c', 'd']);
  assert.deepEqual(create, [
    { protocol: 'tcp', from: 443, to: 443 },
    { protocol: 'tcp', from: 8000, to: 8010 },
  ]);
  assert.deepEqual(diffForwardings(listed.slice(0, 1), want.slice(0, 1), target), { create: [], remove: [] }, 'nothing to do');
});

test('request bodies: single ports as ports, ranges as ranges', () => {
  assert.deepEqual(forwardingBody({ protocol: 'udp', from: 53, to: 53 }, target, 't'), {
    protocol: 'udp', internal_ip_address: target.ip, internal_port_id: 'p1', description: 't', internal_port: 53, external_port: 53,
  });
  assert.deepEqual(forwardingBody({ protocol: 'tcp', from: 8000, to: 8010 }, target, 't'), {
    protocol: 'tcp', internal_ip_address: target.ip, internal_port_id: 'p1', description: 't', internal_port_range: '8000:8010', external_port_range: '8000:8010',
  });
});

test("XOS's router takes the highest free address outside the pool's ranges", () => {
  const pool = { cidr: '198.19.7.0/24', gateway: '198.19.7.1', ranges: '198.19.7.10-198.19.7.20, 198.19.7.30' };
  assert.equal(routerGatewayAddress(pool, []), '198.19.7.254');
  assert.equal(routerGatewayAddress(pool, ['198.19.7.254', '198.19.7.253']), '198.19.7.252');
  const full = { cidr: '198.19.7.0/29', gateway: '198.19.7.1', ranges: '198.19.7.2-198.19.7.5' };
  assert.equal(routerGatewayAddress(full, []), '198.19.7.6');
  assert.equal(routerGatewayAddress(full, ['198.19.7.6']), null, 'the pool and its users cover the network');
});
