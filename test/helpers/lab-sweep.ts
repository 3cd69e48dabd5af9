// Cleaning a test cluster of what one test run left there.
import assert from 'node:assert/strict';
import { collect, type OpenStackClient } from '../../src/openstack/client/index.js';
import { until } from './wait.js';

// Whatever this run made on a cluster and did not take away: servers, floating IPs (after their
// forwardings), XOS's router, networks, projects and images, all found by the run's unique names.
export async function sweep(cloud: OpenStackClient, run: string) {
  const servers = await collect(cloud.compute.servers.list({ all_tenants: true, name: run }));
  for (const sv of servers) await cloud.compute.servers.delete(sv.id, { ignoreMissing: true });
  await Promise.all(servers.map((sv) => cloud.compute.servers.waitForDeleted(sv.id, { timeoutMs: 60_000 }).catch(() => {})));
  const nets = (await collect(cloud.network.networks.list())).filter((n) => n.name.includes(run));
  for (const n of nets)
    for (const f of await collect(cloud.network.floatingIps.list({ floating_network_id: n.id }))) {
      for (const pf of await collect(cloud.network.portForwardings(f.id).list()).catch(() => [])) await cloud.network.portForwardings(f.id).delete(pf.id, { ignoreMissing: true });
      await cloud.network.floatingIps.delete(f.id, { ignoreMissing: true });
    }
  for (const r of (await collect(cloud.network.routers.list())).filter((x) => x.name.includes(run))) {
    for (const p of await collect(cloud.network.ports.list({ device_id: r.id })))
      if (p.device_owner.startsWith('network:router_interface')) await cloud.network.removeRouterInterface(r.id, { port_id: p.id }).catch(() => {});
    await cloud.network.routers.delete(r.id, { ignoreMissing: true });
  }
  for (const n of nets) {
    for (const p of await collect(cloud.network.ports.list({ network_id: n.id }))) await cloud.network.ports.delete(p.id, { ignoreMissing: true }).catch(() => {});
    await cloud.network.networks.delete(n.id, { ignoreMissing: true }).catch(() => {});
  }
  for await (const p of cloud.identity.projects.list()) if (p.name.includes(run)) await cloud.identity.projects.delete(p.id, { ignoreMissing: true }).catch(() => {});
  for await (const i of cloud.image.list()) if (i.name?.includes(run)) await cloud.image.delete(i.id, { ignoreMissing: true }).catch(() => {});
}

// The end of a test's clean-up through XOS: whatever of this run is still on the cluster is swept
// away anyway; then the clean-up's own failure, or else any server XOS left behind, fails the test.
export async function sweepAfterCleanUp(cloud: OpenStackClient | undefined, run: string, failure: unknown) {
  const left = cloud ? await collect(cloud.compute.servers.list({ all_tenants: true, name: run })) : [];
  if (cloud) await sweep(cloud, run);
  if (failure) throw failure;
  assert.deepEqual(left.map((s) => s.name), [], 'servers of this run left in Nova after XOS deleted everything');
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;
type Query = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

// Deletes through XOS the slice, image and site a lab test made and waits until the synchronizer
// has removed them from the cluster and their rows are purged.
export async function deleteThroughXos(call: Call, query: Query, ids: { slice: number; image: number; site: number }) {
  const del = await call('DELETE', `/api/core/slices/${ids.slice}`);
  assert.equal(del.status, 204, JSON.stringify(del.body));
  const n = async (text: string, params: unknown[]) => Number((await query(text, params))[0].n);
  const state = async () => JSON.stringify(await query('SELECT deleted, backend_code, min(backend_status) AS status, count(*)::int AS n FROM instances GROUP BY 1, 2'));
  await until(async () => `the slice and its instances purged (${await state()})`, async () => (await n('SELECT count(*)::int AS n FROM slices WHERE id = $1', [ids.slice])) === 0, { ms: 240_000, everyMs: 1000 });
  for (const [plural, id] of [['images', ids.image], ['sites', ids.site]] as const) assert.equal((await call('DELETE', `/api/core/${plural}/${id}`)).status, 204, plural);
  await until('the image and the site purged', async () => (await n('SELECT ((SELECT count(*) FROM images WHERE id = $1) + (SELECT count(*) FROM sites WHERE id = $2))::int AS n', [ids.image, ids.site])) === 0, { ms: 120_000, everyMs: 1000 });
}
