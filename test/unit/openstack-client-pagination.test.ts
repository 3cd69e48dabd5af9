import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, OpenStackClient } from '../../src/openstack/client/index.js';
import { isTokenRequest, startFakeCloud, tokenReply, type Handler } from './openstack-client-fake-cloud.js';
import { novaServersPage, novaVersionDocument } from './openstack-client-recordings.js';

const credentials = { type: 'password' as const, username: 'admin', password: 'pw-for-tests', projectName: 'admin' };
const ids = ['0d3f00b6-0000-4000-8000-000000000001', '0d3f00b6-0000-4000-8000-000000000002', '0d3f00b6-0000-4000-8000-000000000003', '0d3f00b6-0000-4000-8000-000000000004', '0d3f00b6-0000-4000-8000-000000000005'];

async function clientFor(t: { after: (fn: () => Promise<void>) => void }, handler: Handler) {
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) return tokenReply(req, 'token-1');
    if (req.path === '/compute/v2.1/') return { status: 200, body: novaVersionDocument() };
    return handler(req);
  });
  t.after(() => cloud.close());
  return { cloud, client: new OpenStackClient({ authUrl: `${cloud.url}/identity`, credentials }) };
}

/** the page of `ids` after `marker`, at most `limit` long */
function pageAfter(marker: string | null, limit: number): string[] {
  const start = marker === null ? 0 : ids.indexOf(marker) + 1;
  return ids.slice(start, start + limit);
}

test('Nova lists are followed through servers_links, kept on the endpoint origin', async (t) => {
  const { cloud, client } = await clientFor(t, (req) => {
    assert.equal(req.path, '/compute/v2.1/servers/detail');
    const limit = Number(req.query.get('limit'));
    const page = pageAfter(req.query.get('marker'), limit);
    const last = page[page.length - 1];
    // Nova builds its links from its own idea of its address, which may be unreachable
    const next = page.length === limit ? `http://10.20.0.5:8774/compute/v2.1/servers/detail?limit=${limit}&marker=${last}` : undefined;
    return { status: 200, body: novaServersPage(page, next) };
  });

  const servers = await collect(client.compute.servers.list({}, { limit: 2 }));
  assert.deepEqual(servers.map((s) => s.id), ids);
  const pages = cloud.requests.filter((r) => r.path === '/compute/v2.1/servers/detail');
  assert.equal(pages.length, 3, 'pages of 2, 2 and 1');
  assert.deepEqual(pages.map((r) => r.query.get('marker')), [null, ids[1], ids[3]]);
  assert.ok(pages.every((r) => r.headers['x-auth-token'] === 'token-1'));
});

test('Glance lists follow the relative "next" link', async (t) => {
  const { cloud, client } = await clientFor(t, (req) => {
    const page = pageAfter(req.query.get('marker'), 2);
    const body: Record<string, unknown> = { images: page.map((id) => ({ id, name: id.slice(-1), status: 'active' })), first: '/v2/images?limit=2' };
    if (page.length === 2) body.next = `/v2/images?limit=2&marker=${page[1]}`;
    return { status: 200, body };
  });
  const images = await collect(client.image.list({}, { limit: 2 }));
  assert.deepEqual(images.map((i) => i.id), ids);
  assert.deepEqual(cloud.requests.filter((r) => r.path.startsWith('/image')).map((r) => r.path), [
    '/image/v2/images', '/image/v2/images', '/image/v2/images',
  ]);
});

test('Neutron offers a next link even on the last page: the empty page ends the list', async (t) => {
  const { cloud, client } = await clientFor(t, (req) => {
    const page = pageAfter(req.query.get('marker'), 3);
    const marker = page[page.length - 1] ?? req.query.get('marker');
    return {
      status: 200,
      body: {
        networks: page.map((id) => ({ id, name: `net-${id.slice(-1)}` })),
        networks_links: [
          { rel: 'next', href: `${req.baseUrl}/network/v2.0/networks?limit=3&marker=${marker}` },
          { rel: 'previous', href: `${req.baseUrl}/network/v2.0/networks?limit=3&marker=${marker}&page_reverse=True` },
        ],
      },
    };
  });
  const networks = await collect(client.network.networks.list({}, { limit: 3 }));
  assert.equal(networks.length, 5);
  assert.equal(cloud.count('GET', '/network/v2.0/networks'), 3);
});

test('without links, a full page leads to a marker request; a short page ends the list', async (t) => {
  const { cloud, client } = await clientFor(t, (req) => {
    const page = pageAfter(req.query.get('marker'), Number(req.query.get('limit')));
    return { status: 200, body: { projects: page.map((id) => ({ id, name: id })), links: { self: 'x', next: null, previous: null } } };
  });
  const projects = await collect(client.identity.projects.list({ domain_id: 'default' }, { limit: 2 }));
  assert.deepEqual(projects.map((p) => p.id), ids);
  const markers = cloud.requests.filter((r) => r.path === '/identity/v3/projects').map((r) => r.query.get('marker'));
  assert.deepEqual(markers, [null, ids[1], ids[3]]);
  assert.ok(cloud.requests.filter((r) => r.path === '/identity/v3/projects').every((r) => r.query.get('domain_id') === 'default'));
});

test('a server that repeats the same next link does not make the client loop', { timeout: 10_000 }, async (t) => {
  const { cloud, client } = await clientFor(t, (req) => ({
    status: 200,
    body: novaServersPage([ids[0]!], `${req.baseUrl}/compute/v2.1/servers/detail?limit=1&marker=same`),
  }));
  const servers = await collect(client.compute.servers.list({}, { limit: 1, maxPages: 50 }));
  assert.ok(servers.length <= 2, `stopped after ${servers.length} pages`);
  assert.ok(cloud.count('GET', '/compute/v2.1/servers/detail') <= 2);
});
