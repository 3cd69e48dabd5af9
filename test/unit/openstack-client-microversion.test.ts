import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareMicroversions, negotiateMicroversion, OpenStackClient, OpenStackError, parseVersionDocument } from '../../src/openstack/client/index.js';
import { isTokenRequest, startFakeCloud, tokenReply, type ReceivedRequest } from './openstack-client-fake-cloud.js';
import { keystoneRootDocument, novaRootDocument, novaVersionDocument, placementRootDocument } from './openstack-client-recordings.js';

const credentials = { type: 'password' as const, username: 'admin', password: 'pw-for-tests', projectName: 'admin' };

test('version documents in all three envelopes', () => {
  assert.deepEqual(parseVersionDocument(novaVersionDocument()), { min: '2.1', max: '2.93' });
  assert.deepEqual(parseVersionDocument(novaRootDocument), { min: '2.1', max: '2.93' }, 'the v2.0 entry has no range');
  assert.deepEqual(parseVersionDocument(novaRootDocument, 'v2.1'), { min: '2.1', max: '2.93' });
  assert.deepEqual(parseVersionDocument(placementRootDocument), { min: '1.0', max: '1.39' });
  assert.equal(parseVersionDocument(keystoneRootDocument), undefined, 'Keystone has no microversions');
  assert.equal(parseVersionDocument({ versions: { values: [{ id: 'v9', status: 'CURRENT', min_version: '9.1', max_version: '9.7' }] } })?.max, '9.7');
  assert.equal(parseVersionDocument('not a document'), undefined);
});

test('microversions compare as numbers, and negotiation takes the lower maximum', () => {
  assert.ok(compareMicroversions('2.10', '2.9') > 0);
  assert.ok(compareMicroversions('2.9', '2.10') < 0);
  assert.equal(compareMicroversions('2.60', '2.60'), 0);
  const client = { min: '2.1', max: '2.90' };
  assert.deepEqual(negotiateMicroversion({ min: '2.1', max: '2.93' }, client), { ok: true, version: '2.90' });
  assert.deepEqual(negotiateMicroversion({ min: '2.1', max: '2.60' }, client), { ok: true, version: '2.60' });
  assert.deepEqual(negotiateMicroversion(undefined, client), { ok: true, version: undefined });
  assert.equal(negotiateMicroversion({ min: '2.1', max: '2.60' }, { min: '2.70', max: '2.90' }).ok, false);
  assert.equal(negotiateMicroversion({ min: '3.0', max: '3.5' }, client).ok, false);
});

async function computeCloud(t: { after: (fn: () => Promise<void>) => void }, serverMax: string) {
  const cloud = await startFakeCloud((req: ReceivedRequest) => {
    if (isTokenRequest(req)) return tokenReply(req, 'token-1');
    if (req.path === '/compute/v2.1/') return { status: 200, body: novaVersionDocument(serverMax), delayMs: 30 };
    if (req.path === '/compute/v2.1/os-services') return { status: 200, body: { services: [] } };
    if (req.path === '/compute/v2.1/os-hypervisors/detail') return { status: 200, body: { hypervisors: [] } };
    if (req.path === '/placement/') return { status: 200, body: placementRootDocument };
    if (req.path === '/placement/resource_providers') return { status: 200, body: { resource_providers: [] } };
    return { status: 404, body: { itemNotFound: { code: 404, message: `no ${req.path}` } } };
  });
  t.after(() => cloud.close());
  return { cloud, client: new OpenStackClient({ authUrl: `${cloud.url}/identity`, credentials }) };
}

test('compute calls carry min(client max, server max) in both headers; discovery happens once', async (t) => {
  const { cloud, client } = await computeCloud(t, '2.60');
  await Promise.all([client.compute.listServices(), client.compute.listServices(), client.compute.listServices({ binary: 'nova-compute' })]);
  assert.equal(cloud.count('GET', '/compute/v2.1/'), 4, 'one version document, three calls');
  assert.equal(cloud.requests.filter((r) => r.path === '/compute/v2.1/').length, 1);
  for (const r of cloud.requests.filter((x) => x.path === '/compute/v2.1/os-services')) {
    assert.equal(r.headers['openstack-api-version'], 'compute 2.60');
    assert.equal(r.headers['x-openstack-nova-api-version'], '2.60');
  }
  assert.equal(await client.compute.microversion(), '2.60');
});

test('a newer server is spoken to at the client maximum; hypervisor details stay at 2.87', async (t) => {
  const { cloud, client } = await computeCloud(t, '2.93');
  await client.compute.listServices();
  await client.compute.listHypervisors();
  const services = cloud.requests.find((r) => r.path === '/compute/v2.1/os-services')!;
  assert.equal(services.headers['openstack-api-version'], 'compute 2.90');
  const hypervisors = cloud.requests.find((r) => r.path === '/compute/v2.1/os-hypervisors/detail')!;
  assert.equal(hypervisors.headers['openstack-api-version'], 'compute 2.87', 'the capacity fields went away in 2.88');
});

test('placement negotiates its own microversion and sends only the standard header', async (t) => {
  const { cloud, client } = await computeCloud(t, '2.93');
  await client.placement.listResourceProviders();
  const call = cloud.requests.find((r) => r.path === '/placement/resource_providers')!;
  assert.equal(call.headers['openstack-api-version'], 'placement 1.39');
  assert.equal(call.headers['x-openstack-nova-api-version'], undefined);
});

test('an older server is used at its maximum; one outside the client range is an unsupported_version error', async (t) => {
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) return tokenReply(req, 'token-1');
    return { status: 200, body: novaVersionDocument('2.20') };
  });
  t.after(() => cloud.close());
  const client = new OpenStackClient({ authUrl: `${cloud.url}/identity`, credentials });
  // an older server within the client's range is simply spoken to at its maximum
  assert.equal(await client.compute.microversion(), '2.20');

  const broken = await startFakeCloud((req) => (isTokenRequest(req) ? tokenReply(req, 't') : { status: 200, body: { version: { id: 'v2.1', version: '3.5', min_version: '3.0' } } }));
  t.after(() => broken.close());
  const old = new OpenStackClient({ authUrl: `${broken.url}/identity`, credentials });
  await assert.rejects(old.compute.listServices(), (err: unknown) => err instanceof OpenStackError && err.code === 'unsupported_version' && /needs at least 3.0/.test(err.message));
});
