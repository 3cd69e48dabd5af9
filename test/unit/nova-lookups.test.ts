// The Instance reconciler's cheaper look-ups (src/openstack/nova-lookups.ts), against a fake Nova:
// a flavor id is listed once per controller and looked up again when Nova rejects it; a recorded
// server is read by its id, and counts only while it exists and carries the instance's xos-id;
// a building server is polled less often as it ages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenStackClient, OpenStackError } from '../../src/openstack/client/index.js';
import { recordedServer, withFlavorId } from '../../src/openstack/nova-lookups.js';
import { isTokenRequest, startFakeCloud, tokenReply } from './openstack-client-fake-cloud.js';
import { novaVersionDocument } from './openstack-client-recordings.js';
import { boundedCache } from '../../src/sync/cache.js';

const server = (id: string, status: string, xosId: string) => ({ id, name: `s-${id}`, status, metadata: { 'xos-id': xosId }, addresses: {} });

async function fakeNova(state: { flavorId: string; servers: Record<string, unknown> }) {
  return startFakeCloud((req) => {
    if (isTokenRequest(req)) return tokenReply(req, 'token-1');
    if (req.path === '/compute/v2.1/') return { status: 200, body: novaVersionDocument() };
    if (req.path === '/compute/v2.1/flavors/detail')
      return { status: 200, body: { flavors: [{ id: 'other', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 }, { id: state.flavorId, name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 }] } };
    if (req.method === 'POST' && req.path === '/compute/v2.1/servers') {
      const ref = (req.json as { server: { flavorRef: string } }).server.flavorRef;
      if (ref !== state.flavorId) return { status: 400, body: { badRequest: { code: 400, message: 'Invalid flavorRef provided.' } } };
      return { status: 202, body: { server: { id: `srv-${ref}` } } };
    }
    const m = /^\/compute\/v2\.1\/servers\/([^/]+)$/.exec(req.path);
    if (m && state.servers[m[1]]) return { status: 200, body: { server: state.servers[m[1]] } };
    return { status: 404, body: { itemNotFound: { code: 404, message: 'Instance could not be found.' } } };
  });
}

test('a flavor id is listed once per controller, and looked up again when Nova rejects it', async (t) => {
  const state = { flavorId: 'f1', servers: {} };
  const cloud = await fakeNova(state);
  t.after(() => cloud.close());
  const client = new OpenStackClient({ authUrl: `${cloud.url}/identity`, credentials: { type: 'password', username: 'admin', password: 'pw-for-tests', projectName: 'admin' } });
  const controller = { id: 1, auth_url: `${cloud.url}/identity/v3` };
  const flavor = { name: 'm1.small', vcpus: 1, ram_mb: 2048, disk_gb: 20 };
  const cache = boundedCache(100);
  const create = (flavorRef: string) => client.compute.servers.create({ name: 'x', flavorRef, imageRef: 'img', networks: 'none' });

  assert.equal((await withFlavorId(cache, client, controller, flavor, create)).id, 'srv-f1');
  assert.equal((await withFlavorId(cache, client, controller, flavor, create)).id, 'srv-f1');
  assert.equal(cloud.count('GET', '/compute/v2.1/flavors/detail'), 1, 'listed once');
  // another controller (or the same row pointed at another cluster) looks up its own
  await withFlavorId(cache, client, { ...controller, id: 2 }, flavor, create);
  await withFlavorId(cache, client, { ...controller, auth_url: 'http://elsewhere/v3' }, flavor, create);
  assert.equal(cloud.count('GET', '/compute/v2.1/flavors/detail'), 3);

  // the flavor is replaced on the cluster: the remembered id gets a 400, the new one is used
  state.flavorId = 'f2';
  assert.equal((await withFlavorId(cache, client, controller, flavor, create)).id, 'srv-f2');
  assert.equal(cloud.count('GET', '/compute/v2.1/flavors/detail'), 4);
  assert.equal(cloud.count('POST', '/compute/v2.1/servers'), 6, 'the rejected create was sent again once, with the new id');
  assert.equal((await withFlavorId(cache, client, controller, flavor, create)).id, 'srv-f2');
  assert.equal(cloud.count('GET', '/compute/v2.1/flavors/detail'), 4);

  // other failures are not the flavor's: they pass through, the id stays
  await assert.rejects(withFlavorId(cache, client, controller, flavor, async () => { throw new Error('network down'); }), /network down/);
  // and a 400 that a fresh id does not cure is the caller's to report
  state.flavorId = 'f3';
  await assert.rejects(withFlavorId(cache, client, controller, flavor, () => create('bogus')), (e: unknown) => e instanceof OpenStackError && e.status === 400);
});

test('a recorded server counts while it exists and carries the xos-id', async (t) => {
  const state = {
    flavorId: 'f1',
    servers: { a: server('a', 'ACTIVE', 'instance/7'), gone: server('gone', 'DELETED', 'instance/7'), other: server('other', 'ACTIVE', 'instance/8') },
  };
  const cloud = await fakeNova(state);
  t.after(() => cloud.close());
  const client = new OpenStackClient({ authUrl: `${cloud.url}/identity`, credentials: { type: 'password', username: 'admin', password: 'pw-for-tests', projectName: 'admin' } });
  assert.equal((await recordedServer(client, 'a', 'instance/7'))?.id, 'a');
  assert.equal(await recordedServer(client, 'gone', 'instance/7'), null, 'deleted');
  assert.equal(await recordedServer(client, 'other', 'instance/7'), null, "another instance's server");
  assert.equal(await recordedServer(client, 'missing', 'instance/7'), null, '404');
  assert.equal(await recordedServer(client, null, 'instance/7'), null, 'nothing recorded: no request');
  assert.equal(cloud.count('GET', '/compute/v2.1/servers/'), 4);
});
