// The Instance reconciler's look-ups, made cheaper. A flavor's Nova id is
// remembered per controller (every server create used to list all flavors first), and a server
// whose id XOS has recorded is read by that id instead of searched for by its metadata across
// every project. Crash safety stays with the metadata search: it runs whenever a create may have
// been sent (the server's name is recorded first) and there is no recorded id or the recorded
// server is gone, which is the case after a crash between the create and the database write.
import type { Rows } from '../model/rows.js';
import type { SyncCache } from '../sync/types.js';
import { collect, OpenStackError, type OpenStackClient, type Server } from './client/index.js';

type ControllerKey = Pick<Rows['Controller'], 'id' | 'auth_url'>;
type FlavorSpec = Pick<Rows['Flavor'], 'name' | 'vcpus' | 'ram_mb' | 'disk_gb'>;
// A controller row may be pointed at another cluster later: its auth URL is part of the key.
const flavorKey = (controller: ControllerKey, flavor: FlavorSpec) => `openstack:flavor:${JSON.stringify([controller.id, controller.auth_url, flavor.name])}`;

async function lookUpFlavor(cloud: OpenStackClient, f: FlavorSpec): Promise<string> {
  const find = async () => (await collect(cloud.compute.flavors.list())).find((x) => x.name === f.name)?.id;
  const hit = await find();
  if (hit) return hit;
  try {
    return (await cloud.compute.flavors.create({ name: f.name, vcpus: f.vcpus, ram: f.ram_mb, disk: f.disk_gb })).id;
  } catch (e) {
    // Another worker, of this process or another, made it between the look and the create.
    const raced = e instanceof OpenStackError && e.status === 409 ? await find() : undefined;
    if (raced) return raced;
    throw e;
  }
}

// Calls `use` with the Nova id of `flavor` on this controller. A remembered id that Nova rejects
// (404 or 400: the flavor was deleted or replaced there) is forgotten and looked up again, and
// `use` runs once more: a rejected request made nothing, so repeating it is safe.
export async function withFlavorId<T>(
  cache: SyncCache,
  cloud: OpenStackClient,
  controller: ControllerKey,
  flavor: FlavorSpec,
  use: (id: string) => Promise<T>,
): Promise<T> {
  const key = flavorKey(controller, flavor);
  const known = cache.get<string>(key);
  if (known) {
    try {
      return await use(known);
    } catch (e) {
      if (!(e instanceof OpenStackError) || (e.status !== 404 && e.status !== 400)) throw e;
      cache.delete(key);
    }
  }
  const id = await lookUpFlavor(cloud, flavor);
  cache.set(key, id);
  return use(id);
}

// The server XOS recorded (`id`), while it exists and still carries the instance's xos-id;
// null otherwise, and the caller searches by metadata.
export async function recordedServer(admin: OpenStackClient, id: string | null, xosId: string): Promise<Server | null> {
  if (!id) return null;
  try {
    const s = await admin.compute.servers.get(id);
    return s.status !== 'DELETED' && s.metadata?.['xos-id'] === xosId ? s : null;
  } catch (e) {
    if (e instanceof OpenStackError && e.status === 404) return null;
    throw e;
  }
}
