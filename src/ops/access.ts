// Who may see which clusters in the operator tools: root administrators all of them, deployment
// admins those of their deployments, nobody else any.
import type { Principal } from '../auth/principal.js';
import { ForbiddenError } from '../model/errors.js';

// The deployments whose clusters the caller may see (undefined: all).
export function clusterScope(p: Principal): { deployments?: number[] } {
  if (p.isAdmin) return {};
  if (!p.deploymentAdmin.size) throw new ForbiddenError('only administrators and deployment admins may use the operator tools');
  return { deployments: [...p.deploymentAdmin] };
}
