// The shape of a slice's usage (GET /api/core/slices/:id/usage) and of the backend that reads a
// project's quota; types only, so that the web UI can share them.
import type { Row } from '../model/types.js';

// One quota of a project: what is in use and the limit (null: unlimited).
export interface QuotaUse {
  used: number;
  limit: number | null;
}

export interface ProjectQuota {
  instances: QuotaUse;
  cores: QuotaUse;
  ram_mb: QuotaUse;
}

// A backend (src/openstack/quotas.ts) reads a project's quota and usage on a cluster with the
// controller's credentials; `controller` is the stored row (secrets encrypted). Failures to reach
// or read the cluster are thrown with a message for a person; `signal` ends the call.
export interface ProjectQuotas {
  projectQuota(controller: Row, projectId: string, signal: AbortSignal): Promise<ProjectQuota>;
}

export interface ClusterUsage {
  controller: number;
  name: string;
  deployment: number;
  project_id: string | null;
  status: 'ok' | 'pending' | 'error';
  message: string | null;
  quota: ProjectQuota | null;
}

export interface SliceUsage {
  slice: number;
  xos: { instances: number; vcpus: number; ram_mb: number; max_instances: number };
  clusters: ClusterUsage[];
}
