import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenStackClient, OpenStackError } from '../../src/openstack/client/index.js';
import { extractServerMessage } from '../../src/openstack/client/error-body.js';
import { isTokenRequest, startFakeCloud, tokenReply } from './openstack-client-fake-cloud.js';
import { errors, novaVersionDocument, placementRootDocument } from './openstack-client-recordings.js';

test('the server message is found in every service error format', () => {
  const message = (r: { body: string; headers: Record<string, string> }) => extractServerMessage(r.body, r.headers['Content-Type']);
  assert.equal(message(errors.novaNotFound), 'Instance nope could not be found.');
  assert.equal(message(errors.neutronNotFound), 'Network nope could not be found.');
  assert.equal(message(errors.keystoneNotFound), 'Could not find project: nope.');
  assert.equal(message(errors.placementNotFound), 'The resource could not be found. No resource provider with uuid nope found');
  assert.equal(message(errors.glanceNotFoundJson), 'No image found with ID nope');
  assert.equal(message(errors.glanceNotFoundHtml), 'No image found with ID nope');
  assert.equal(extractServerMessage('{"badRequest": {"code": 400, "message": "Invalid flavorRef provided."}}'), 'Invalid flavorRef provided.');
  assert.equal(extractServerMessage('{"conflictingRequest": {"code": 409, "message": "Cannot delete"}}', 'application/json'), 'Cannot delete');
  assert.equal(extractServerMessage('{"error": "plain string error"}'), 'plain string error');
  assert.equal(extractServerMessage('Service Unavailable', 'text/plain'), 'Service Unavailable');
  assert.equal(extractServerMessage(''), undefined);
  assert.ok(extractServerMessage('x'.repeat(5000))!.length <= 501, 'long bodies are clipped');
});

test('errors carry status, service, method, URL, request id and the server message', async (t) => {
  const cloud = await startFakeCloud((req) => {
    if (isTokenRequest(req)) return tokenReply(req, 'token-1');
    if (req.path === '/compute/v2.1/') return { status: 200, body: novaVersionDocument() };
    if (req.path === '/placement/') return { status: 200, body: placementRootDocument };
    if (req.path.startsWith('/compute/')) return errors.novaNotFound;
    if (req.path.startsWith('/network/')) return errors.neutronNotFound;
    if (req.path.startsWith('/image/')) return errors.glanceNotFoundJson;
    if (req.path.startsWith('/placement/')) return errors.placementNotFound;
    return errors.keystoneNotFound;
  });
  t.after(() => cloud.close());
  const client = new OpenStackClient({ authUrl: `${cloud.url}/identity`, credentials: { type: 'password', username: 'admin', password: 'pw-for-tests', projectName: 'admin' } });

  const caught = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof OpenStackError, `expected an OpenStackError, got ${String(err)}`);
    return err;
  };

  const nova = await caught(client.compute.servers.get('nope'));
  assert.equal(nova.status, 404);
  assert.equal(nova.code, 'http');
  assert.equal(nova.service, 'compute');
  assert.equal(nova.method, 'GET');
  assert.equal(nova.url, `${cloud.url}/compute/v2.1/servers/nope`);
  assert.equal(nova.requestId, 'req-3b5fe9f8-e624-47b3-a5b2-019e8d9a70cb');
  assert.equal(nova.serverMessage, 'Instance nope could not be found.');
  assert.ok(nova.isNotFound);
  assert.equal(nova.message, `compute GET ${cloud.url}/compute/v2.1/servers/nope: 404 Not Found: Instance nope could not be found. (request req-3b5fe9f8-e624-47b3-a5b2-019e8d9a70cb)`);

  const neutron = await caught(client.network.networks.get('nope'));
  assert.equal(neutron.service, 'network');
  assert.equal(neutron.requestId, 'req-243ccf51-ba71-49f4-bee8-a0b32c9700e0');
  assert.equal(neutron.serverMessage, 'Network nope could not be found.');

  const glance = await caught(client.image.get('nope'));
  assert.equal(glance.serverMessage, 'No image found with ID nope');

  const placement = await caught(client.placement.getResourceProvider('nope'));
  assert.equal(placement.service, 'placement');
  assert.match(placement.message, /No resource provider with uuid nope found/);

  const keystone = await caught(client.identity.projects.get('nope'));
  assert.equal(keystone.service, 'identity');
  assert.equal(keystone.url, `${cloud.url}/identity/v3/projects/nope`);

  // delete with ignoreMissing treats "already gone" as done
  assert.equal(await client.network.networks.delete('nope', { ignoreMissing: true }), false);
  await caught(client.network.networks.delete('nope'));
});
