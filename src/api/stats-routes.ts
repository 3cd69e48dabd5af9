// GET /api/stats: what the dashboard shows, under the caller's privileges (see store/stats.ts):
// counts, objects in error, sync state per controller, and the mini-dashboard (instances per site
// and per slice, and cluster capacity when a provider gives it; null when [gui]
// disable_minidashboard is set).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canReadModel, readScope } from '../auth/rules.js';
import type { Principal } from '../auth/principal.js';
import type { XosConfig } from '../config/schema.js';
import type { Store } from '../store/repository.js';
import type { View } from '../store/stats.js';
import { always, jsonResponse } from './contract.js';

const int = { type: 'integer' };
const str = { type: 'string' };
const orNull = (t: string) => ({ type: [t, 'null'] });
const tally = always({ pending: int, ok: int, error: int });
const instanceCounts = { total: int, ok: int, pending: int, error: int };
const arrayOf = (item: Record<string, unknown>) => ({ type: 'array', items: item });
const statsSchema = always({
  counts: arrayOf(always({ model: str, plural: str, label: str, nav: orNull('string'), count: int, errors: orNull('integer') })),
  errors: arrayOf(
    always({
      model: str,
      plural: str,
      label: str,
      id: int,
      title: str,
      backend_status: str,
      backend_reason: orNull('string'),
      last_sync: orNull('string'),
      next_retry: orNull('string'),
    }),
  ),
  controllers: arrayOf(
    always({
      id: int,
      name: str,
      deployment: int,
      deployment_name: orNull('string'),
      backend_code: int,
      backend_status: str,
      last_sync: orNull('string'),
      next_retry: orNull('string'),
      links: { ...tally, type: ['object', 'null'], description: 'null when the caller may not read link rows' },
      instances: tally,
    }),
  ),
  minidashboard: always(
    {
      instances_per_site: arrayOf(always({ site: int, name: str, ...instanceCounts })),
      instances_per_slice: arrayOf(always({ slice: int, name: str, site: int, ...instanceCounts })),
      capacity: {
        type: ['array', 'null'],
        items: always({ controller: int, name: str, vcpus: int, vcpus_used: int, ram_mb: int, ram_mb_used: int, disk_gb: int, disk_gb_used: int }),
        description: 'null until the operator tools report it',
      },
    },
    { type: ['object', 'null'], description: 'null when [gui] disable_minidashboard is set' },
  ),
  time: { type: 'string', format: 'date-time' },
});

// Cluster capacity comes from the operator tools (hypervisor statistics); until one is plugged in
// the dashboard says so.
export interface CapacityRow {
  controller: number;
  name: string;
  vcpus: number;
  vcpus_used: number;
  ram_mb: number;
  ram_mb_used: number;
  disk_gb: number;
  disk_gb_used: number;
}
export type CapacityProvider = (p: Principal) => Promise<CapacityRow[] | null>;

export interface StatsOptions {
  store: Store;
  config: XosConfig;
  capacity?: CapacityProvider;
}

export async function statsRoutes(app: FastifyInstance, opts: StatsOptions) {
  const { store } = opts;
  const view = (p: Principal): View => ({ readable: (m) => canReadModel(m, p), scope: (m) => readScope(m, p) });
  const minidashboard = async (p: Principal) => ({
    ...(await store.stats.minidashboard(view(p))),
    capacity: opts.capacity ? await opts.capacity(p) : null,
  });

  app.get('/api/stats', {
    schema: {
      tags: ['Meta'],
      summary: 'Dashboard statistics under your privileges: counts per model, objects in error, sync state per controller, instances per site and slice',
      response: { 200: jsonResponse(statsSchema, 'The statistics') },
    },
    handler: async (req: FastifyRequest) => {
      const p = req.principal!;
      const [c, e, ctl, mini] = await Promise.all([
        store.stats.counts(view(p)),
        store.stats.errors(view(p)),
        store.stats.controllers(view(p)),
        opts.config.gui.disable_minidashboard ? Promise.resolve(null) : minidashboard(p),
      ]);
      return { counts: c, errors: e, controllers: ctl, minidashboard: mini, time: new Date().toISOString() };
    },
  });
}
