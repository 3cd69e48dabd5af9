// Nova's side of a slice's usage: its project's compute quota with what is in use
// (os-quota-sets/{project}/detail), read with the controller's admin credentials.
import type { ProjectQuota, ProjectQuotas, QuotaUse } from '../ops/slice-usage.js';
import { boundedCache } from '../sync/cache.js';
import { clientFor, type ConnectOptions, type ControllerAccess } from './connect.js';
import { toSyncError } from './sync-errors.js';

const use = (q: { limit: number; in_use: number } | undefined): QuotaUse => ({
  used: q?.in_use ?? 0,
  limit: q == null || q.limit < 0 ? null : q.limit,
});

// `secret` decrypts the controller's stored password (Store.secret).
// Clients (and their tokens) are kept per controller, so that a page refreshing a slice's usage
// does not ask Keystone for a token each time; each call carries its own deadline.
export function openstackQuotas(secret: (stored: unknown) => string | null, opts: ConnectOptions = {}): ProjectQuotas {
  const ctx = { secret, cache: boundedCache(256) };
  return {
    projectQuota: async (controller: ControllerAccess, projectId: string, signal: AbortSignal): Promise<ProjectQuota> => {
      try {
        const d = await clientFor(controller, ctx, opts).compute.getQuotaSetDetail(projectId, { signal });
        return { instances: use(d.instances), cores: use(d.cores), ram_mb: use(d.ram) };
      } catch (e) {
        throw new Error(toSyncError(e, `cannot read the quota of project ${projectId}`).message);
      }
    },
  };
}
