// The pure parts of a per-network SDN controller: the server Nova is asked for, its address
// once it runs, whether it came up within the template's timeout, and the controller URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootMs, controllerUrl, sdnAddress, sdnServerBody, sdnVerdict, wantsSdnController } from '../../src/openstack/reconcilers/sdn-controller.js';
import type { Server } from '../../src/openstack/client/index.js';

test('the SDN controller: its server, its address once ACTIVE, whether it came up in time, its URL', () => {
  assert.equal(wantsSdnController({ controller_kind: 'none' }), false);
  assert.equal(wantsSdnController({ controller_kind: 'onos' }), true);
  const body = sdnServerBody({
    link: { id: 7 },
    net: { name: 'web-ovx' },
    template: { controller_key_name: 'ops-key' },
    netId: 'n1',
    imageId: 'i1',
    flavorId: 'f1',
    now: 1_000,
  });
  assert.deepEqual(body, {
    name: 'web-ovx-sdn',
    flavorRef: 'f1',
    imageRef: 'i1',
    networks: [{ uuid: 'n1' }],
    metadata: { 'xos-id': 'controllernetwork/7', 'xos-network': 'web-ovx', 'xos-booted': '1000' },
    key_name: 'ops-key',
  });
  assert.equal('key_name' in sdnServerBody({ link: { id: 7 }, net: { name: 'x' }, template: { controller_key_name: null }, netId: 'n', imageId: 'i', flavorId: 'f', now: 0 }), false);
  const server = (status: string, addresses: Server['addresses'] = {}) => ({ status, addresses, metadata: body.metadata, created: '2026-01-01T00:00:00Z' }) as unknown as Server;
  assert.equal(sdnAddress(server('BUILD', { 'web-ovx': [{ addr: '10.0.7.3', version: 4 }] }), { name: 'web-ovx' }), null, 'not before it runs');
  assert.equal(sdnAddress(server('ACTIVE', { 'web-ovx': [{ addr: 'fd00::3', version: 6 }, { addr: '10.0.7.3', version: 4 }] }), { name: 'web-ovx' }), '10.0.7.3');
  assert.equal(sdnAddress(server('ACTIVE'), { name: 'web-ovx' }), null);
  const net = { name: 'web-ovx' };
  const fresh = { controller_instance_id: null, controller_url: null }; // a link without a controller yet
  const on = { 'web-ovx': [{ addr: '10.0.7.3', version: 4 as const }] };
  const at = (status: string, created: string, updated: string, metadata: Record<string, string> = body.metadata) =>
    ({ id: 's1', status, addresses: status === 'ACTIVE' ? on : {}, metadata, created, updated }) as unknown as Server;
  // running with an address: in time when Nova made it ACTIVE within the timeout
  assert.deepEqual(sdnVerdict(at('ACTIVE', '2026-01-01T00:00:00Z', '2026-01-01T00:00:04Z'), net, fresh, 30, 999_999), { ready: '10.0.7.3' });
  assert.deepEqual(sdnVerdict(at('ACTIVE', '2026-01-01T00:00:00Z', '2026-01-01T00:00:04Z'), net, fresh, 1, 0), { late: true });
  // Nova's whole-second created/updated make a 1.8 s boot look like 1 s; launched_at does not
  const launched = (when: string) => ({ ...at('ACTIVE', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'), 'OS-SRV-USG:launched_at': when }) as Server;
  assert.deepEqual(sdnVerdict(at('ACTIVE', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'), net, fresh, 1, 0), { ready: '10.0.7.3' }, 'updated alone: 1 s');
  assert.deepEqual(sdnVerdict(launched('2026-01-01T00:00:01.800000'), net, fresh, 1, 0), { late: true });
  assert.deepEqual(sdnVerdict(launched('2026-01-01T00:00:00.900000'), net, fresh, 1, 0), { ready: '10.0.7.3' });
  assert.equal(bootMs(launched('2026-01-01T00:00:01.250000')), 1_250, 'read as UTC');
  assert.equal(bootMs(launched('2026-01-01T00:00:01.250000+00:00')), 1_250);
  // once taken as the controller, it stays it (a later `updated` is no reason to drop it)
  assert.deepEqual(sdnVerdict(at('ACTIVE', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'), net, { controller_instance_id: 's1', controller_url: 'tcp:10.0.7.3:6633' }, 30, 0), {
    ready: '10.0.7.3',
  });
  // not running yet: the time left since XOS asked for it, else since Nova made it
  assert.deepEqual(sdnVerdict(at('BUILD', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), net, fresh, 30, 21_000), { waitMs: 10_000 });
  assert.deepEqual(sdnVerdict(at('BUILD', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), net, fresh, 30, 31_001), { late: true });
  const created = Date.parse('2026-01-01T00:00:00Z');
  assert.deepEqual(sdnVerdict(at('BUILD', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', {}), net, fresh, 30, created + 5_000), { waitMs: 25_000 });
  assert.equal(controllerUrl('10.0.7.3', 6633), 'tcp:10.0.7.3:6633');
});
