// GET /api/stats: what the dashboard shows, under the caller's privileges (see store/stats.ts):
// counts, objects in error (the most recent, and all of them grouped by root cause), sync state
// per controller, and the mini-dashboard (instances per site and per slice, and cluster capacity
// from the operator tools' collectors; null when [gui] disable_minidashboard is set).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canReadModel, readScope } from '../auth/rules.js';
import type { Principal } from '../auth/principal.js';
import type { XosConfig } from '../config/schema.js';
import type { Store } from '../store/repository.js';
import type { View } from '../store/stats.js';
import { always, jsonResponse } from './contract.js';
import { collectedCapacity, type CapacityProvider } from '../ops/capacity.js';
import { groupErrors } from '../ops/error-groups.js';
import { model as modelNamed } from '../model/registry.js';

export type { CapacityProvider, CapacityRow } from '../ops/capacity.js';

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
  error_groups: arrayOf(
    always({
      cause: { type: 'string', description: "The message they share (ids and numbers taken out), or their controller's error" },
      controller: { anyOf: [always({ id: int, name: str }), { type: 'null' }], description: 'Set when their controller is in error itself: the root cause' },
      count: int,
      models: { type: 'object', additionalProperties: int, description: 'How many of each model' },
      samples: arrayOf(always({ model: str, plural: str, label: str, id: int, title: str, backend_status: orNull('string') })),
    }),
  ),
  error_groups_partial: { type: 'boolean', description: 'True when more objects are in error than were grouped (counts are then lower bounds)' },
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
        items: always({
          controller: int,
          name: str,
          vcpus: int,
          vcpus_used: int,
          ram_mb: int,
          ram_mb_used: int,
          disk_gb: int,
          disk_gb_used: int,
          as_of: { ...orNull('string'), description: "The capacity collector's reading (null: never read)" },
          error: { ...orNull('string'), description: 'Why its last attempt failed' },
        }),
        description: "Each cluster's usable and used resources as the collectors last read them; null for callers who are neither administrators nor deployment admins",
      },
    },
    { type: ['object', 'null'], description: 'null when [gui] disable_minidashboard is set' },
  ),
  time: { type: 'string', format: 'date-time' },
});

export interface StatsOptions {
  store: Store;
  config: XosConfig;
  capacity?: CapacityProvider;
}

export async function statsRoutes(app: FastifyInstance, opts: StatsOptions) {
  const { store } = opts;
  const view = (p: Principal): View => ({ readable: (m) => canReadModel(m, p), scope: (m) => readScope(m, p) });
  const capacity = opts.capacity ?? collectedCapacity(store);
  const minidashboard = async (p: Principal) => ({
    ...(await store.stats.minidashboard(view(p))),
    capacity: await capacity(p),
  });
  type Controllers = Awaited<ReturnType<Store['stats']['controllers']>>;
  // Every object in error the caller may see, one entry per root cause; a controller the caller
  // sees in error is the cause of its dependents' errors.
  const errorGroups = async (p: Principal, controllersP: Promise<Controllers>) => {
    const [{ rows, partial }, controllers] = await Promise.all([store.stats.errorCauses(view(p)), controllersP]);
    const groups = groupErrors(rows, controllers.map((c) => ({ ...c, name: String(c.name), backend_status: (c.backend_status as string | null) ?? null })), 10);
    return {
      error_groups: groups.map((g) => ({
        ...g,
        samples: g.samples.map((x) => {
          const m = modelNamed(x.model);
          return { model: m.name, plural: m.plural, label: m.label, id: x.id, title: x.title ?? `${m.label} ${x.id}`, backend_status: x.status };
        }),
      })),
      error_groups_partial: partial,
    };
  };

  app.get('/api/stats', {
    schema: {
      tags: ['Meta'],
      summary: 'Dashboard statistics under your privileges: counts per model, objects in error (grouped by root cause too), sync state per controller, instances per site and slice, cluster capacity',
      response: { 200: jsonResponse(statsSchema, 'The statistics') },
    },
    handler: async (req: FastifyRequest) => {
      const p = req.principal!;
      const controllers = store.stats.controllers(view(p));
      const [c, e, groups, ctl, mini] = await Promise.all([
        store.stats.counts(view(p)),
        store.stats.errors(view(p)),
        errorGroups(p, controllers),
        controllers,
        opts.config.gui.disable_minidashboard ? Promise.resolve(null) : minidashboard(p),
      ]);
      return { counts: c, errors: e, ...groups, controllers: ctl, minidashboard: mini, time: new Date().toISOString() };
    },
  });
}
