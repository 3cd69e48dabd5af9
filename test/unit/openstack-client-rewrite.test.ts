import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRewriteRules, OpenStackClient } from '../../src/openstack/client/index.js';
import { isTokenRequest, startFakeCloud } from './openstack-client-fake-cloud.js';
import { tokenBody } from './openstack-client-recordings.js';

test('rewrite rules match CIDRs, single addresses and host names, and keep port and path', () => {
  const rewrite = compileRewriteRules([
    { from: '10.20.0.0/16', to: 'cloud.example.org' },
    { from: '192.168.1.7', to: '203.0.113.7' },
    { from: 'controller.internal', to: '127.0.0.1' },
    { from: 'fd00::/8', to: '2001:db8::1' },
  ]);
  assert.equal(rewrite('http://10.20.3.4:8774/v2.1'), 'http://cloud.example.org:8774/v2.1');
  assert.equal(rewrite('https://10.20.255.255/identity/v3/'), 'https://cloud.example.org/identity/v3/');
  assert.equal(rewrite('http://10.21.0.1:9696'), 'http://10.21.0.1:9696', 'outside the /16');
  assert.equal(rewrite('http://192.168.1.7:9292'), 'http://203.0.113.7:9292');
  assert.equal(rewrite('http://192.168.1.8:9292'), 'http://192.168.1.8:9292');
  assert.equal(rewrite('http://Controller.Internal:8778/placement'), 'http://127.0.0.1:8778/placement');
  assert.equal(rewrite('http://[fd12::5]:5000/v3'), 'http://[2001:db8::1]:5000/v3');
  assert.equal(rewrite('http://public.example.org:5000/v3'), 'http://public.example.org:5000/v3');
  assert.throws(() => compileRewriteRules([{ from: '10.0.0.0/33', to: 'x' }]), /prefix/);
  assert.throws(() => compileRewriteRules([{ from: '10.0.0.0/8', to: '' }]), /"to"/);
});

test('a catalog that advertises private addresses is reached through the rewrite rule', async (t) => {
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) {
      // the cluster believes its services live on its management network
      const body = tokenBody(`http://10.20.0.5:${req.baseUrl.split(':').pop()}`);
      return { status: 201, headers: { 'X-Subject-Token': 'token-1' }, body };
    }
    return { status: 200, body: { networks: [{ id: 'n1', name: 'net1' }] } };
  });
  t.after(() => cloud.close());
  const client = new OpenStackClient({
    authUrl: `${cloud.url}/identity`,
    credentials: { type: 'password', username: 'admin', password: 'pw-for-tests', projectName: 'admin' },
    endpointRewrites: [{ from: '10.20.0.0/16', to: '127.0.0.1' }],
  });
  assert.equal(await client.session.endpoint('network'), `${cloud.url}/network`);
  const networks = [];
  for await (const n of client.network.networks.list()) networks.push(n);
  assert.deepEqual(networks.map((n) => n.id), ['n1']);
  assert.equal(cloud.count('GET', '/network/v2.0/networks'), 1);
});
