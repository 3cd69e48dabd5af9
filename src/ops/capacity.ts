// Cluster capacity for the dashboard, from what the capacity collector last read of each cluster
// the caller may see: Placement's inventories summed over the cluster's providers (Nova's
// hypervisor figures when Placement gave none). A cluster whose collector fails keeps its last
// reading, marked with its error; one never read shows no figures.
import type { Principal } from '../auth/principal.js';
import type { Store } from '../store/repository.js';
import type { CollectorData } from './cluster-probe.js';
import { sumCapacity } from './cluster-view.js';

export interface CapacityRow {
  controller: number;
  name: string;
  vcpus: number; // usable: (total - reserved) * allocation ratio
  vcpus_used: number;
  ram_mb: number;
  ram_mb_used: number;
  disk_gb: number;
  disk_gb_used: number;
  as_of: string | null; // the reading's time (null: never read)
  error: string | null; // the last attempt's error, when it failed
}

export type CapacityProvider = (p: Principal) => Promise<CapacityRow[] | null>;

// null for callers who may not use the operator tools (the dashboard then shows no capacity).
export function collectedCapacity(store: Store): CapacityProvider {
  return async (p) => {
    if (!p.isAdmin && !p.deploymentAdmin.size) return null;
    const clusters = await store.clusters.clusters(p.isAdmin ? {} : { deployments: [...p.deploymentAdmin] });
    const reports = new Map((await store.clusters.reports(clusters.map((c) => c.id), ['capacity'])).map((r) => [r.controller, r]));
    return clusters.map((c) => {
      const r = reports.get(c.id);
      const data = (r?.last_success ? r.data : null) as CollectorData['capacity'] | null;
      const sum = sumCapacity(data?.providers ?? []);
      const hv = (k: 'vcpus' | 'vcpus_used' | 'memory_mb' | 'memory_mb_used' | 'local_gb' | 'local_gb_used') => (data?.hypervisors ?? []).reduce((n, h) => n + (h[k] ?? 0), 0);
      const pick = (rc: string, total: number, used: number) => (sum[rc] ? [sum[rc].usable, sum[rc].used] : [total, used]);
      const [vcpus, vcpus_used] = pick('VCPU', hv('vcpus'), hv('vcpus_used'));
      const [ram_mb, ram_mb_used] = pick('MEMORY_MB', hv('memory_mb'), hv('memory_mb_used'));
      const [disk_gb, disk_gb_used] = pick('DISK_GB', hv('local_gb'), hv('local_gb_used'));
      return {
        controller: c.id,
        name: c.name,
        vcpus,
        vcpus_used,
        ram_mb,
        ram_mb_used,
        disk_gb,
        disk_gb_used,
        as_of: data ? r!.last_success : null,
        error: r && !r.ok ? r.last_error : null,
      };
    });
  };
}
