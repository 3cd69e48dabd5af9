// What a slice uses against what it may use: its instances, vCPUs and RAM as XOS has them (the
// instance rows and their flavors) against max_instances, and on every cluster where the slice
// has a project, that project's usage against the cluster's quota. A cluster that cannot be read
// within the time limit is reported as failing with the reason, never left out.
import type { Row } from '../model/types.js';
import { model } from '../model/registry.js';
import type { Store } from '../store/repository.js';
import type { ClusterUsage, ProjectQuotas, SliceUsage } from './slice-usage-types.js';

export type * from './slice-usage-types.js';

export async function sliceUsage(store: Store, slice: Row, quotas: ProjectQuotas | undefined, timeoutMs: number): Promise<SliceUsage> {
  const sliceId = Number(slice.id);
  const instances = await store.find(model('Instance'), { slice: sliceId });
  const flavors = new Map((await store.findIn(model('Flavor'), 'id', [...new Set(instances.map((i) => i.flavor))])).map((f) => [f.id, f]));
  let vcpus = 0;
  let ram = 0;
  for (const i of instances) {
    vcpus += Number(flavors.get(i.flavor)?.vcpus ?? 0);
    ram += Number(flavors.get(i.flavor)?.ram_mb ?? 0);
  }
  const links = await store.find(model('ControllerSlice'), { slice: sliceId });
  const controllers = new Map((await store.findIn(model('Controller'), 'id', links.map((l) => l.controller))).map((c) => [c.id, c]));
  const clusters = await Promise.all(
    links
      .filter((l) => controllers.has(l.controller))
      .map(async (l): Promise<ClusterUsage> => {
        const c = controllers.get(l.controller)!;
        const base = { controller: Number(c.id), name: String(c.name), deployment: Number(c.deployment), project_id: (l.tenant_id as string | null) ?? null };
        if (!base.project_id) return { ...base, status: 'pending', message: 'the slice has no project on this cluster yet', quota: null };
        if (!quotas) return { ...base, status: 'error', message: 'this XOS server has no cluster backend wired in, so it cannot read quotas', quota: null };
        try {
          return { ...base, status: 'ok', message: null, quota: await withDeadline(timeoutMs, (signal) => quotas.projectQuota(c, base.project_id!, signal)) };
        } catch (e) {
          return { ...base, status: 'error', message: (e as Error).message, quota: null };
        }
      }),
  );
  return { slice: sliceId, xos: { instances: instances.length, vcpus, ram_mb: ram, max_instances: Number(slice.max_instances) }, clusters };
}

// The call, or an error saying the cluster did not answer in time (the call is aborted).
async function withDeadline<T>(ms: number, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort();
      reject(new Error(`the cluster did not answer within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([f(ctl.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}
