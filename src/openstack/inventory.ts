// The OpenStack side of a cluster import: Nova's compute services, its public flavors and
// Glance's public images, read with the controller's admin credentials.
import { ClusterError, type ClusterFlavor, type ClusterImage, type ClusterInventory, type ComputeHost } from '../ops/inventory.js';
import { collect } from './client/index.js';
import { clientFor, type ConnectOptions, type ControllerAccess } from './connect.js';
import { toSyncError } from './sync-errors.js';

// `secret` decrypts the controller's stored password (Store.secret).
export function openstackInventory(secret: (stored: unknown) => string | null, opts: ConnectOptions = {}): ClusterInventory {
  const ctx = { secret };
  const call = async <T>(controller: ControllerAccess, what: string, f: (c: ReturnType<typeof clientFor>) => Promise<T>): Promise<T> => {
    try {
      return await f(clientFor(controller, ctx, opts));
    } catch (e) {
      // The client's messages never carry a token or a password (see client/errors.ts).
      throw new ClusterError(toSyncError(e, what).message);
    }
  };
  // ClusterInventory's callers hold the stored Controller row but type it as any row.
  return {
    computeHosts: (controller: ControllerAccess) =>
      call(controller, 'cannot list the compute hosts', async (c) =>
        (await c.compute.listServices({ binary: 'nova-compute' })).map((s): ComputeHost => ({ name: s.host, state: s.state, status: s.status })),
      ),
    flavors: (controller: ControllerAccess) =>
      call(controller, 'cannot list the flavors', async (c) =>
        (await collect(c.compute.flavors.list())).map(
          (f): ClusterFlavor => ({ name: f.name, vcpus: f.vcpus, ram_mb: f.ram, disk_gb: f.disk, description: f.description ?? null }),
        ),
      ),
    publicImages: (controller: ControllerAccess) =>
      call(controller, 'cannot list the public images', async (c) =>
        (await collect(c.image.list({ visibility: 'public' }))).map(
          (i): ClusterImage => ({ name: i.name, disk_format: i.disk_format, container_format: i.container_format, status: i.status }),
        ),
      ),
  };
}
