// GET /api/core/slices/:id/usage: what a slice uses against max_instances and against each
// cluster's quota for its project. Whoever may read the slice may read it (others get 404, as
// for the slice itself). A cluster that cannot be read in time shows as failing with the reason.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { model } from '../model/registry.js';
import { readScope } from '../auth/rules.js';
import type { Store } from '../store/repository.js';
import { sliceUsage, type ProjectQuotas } from '../ops/slice-usage.js';
import { always, errorResponses, jsonResponse } from './contract.js';

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } }, required: ['id'] };
const count = { type: 'integer', minimum: 0 };
const quotaUse = always({ used: count, limit: { type: ['integer', 'null'], minimum: 0, description: 'null: unlimited' } });
const usageSchema = always({
  slice: { type: 'integer' },
  xos: always(
    { instances: count, vcpus: count, ram_mb: count, max_instances: count },
    { description: "The slice's instances as XOS has them, with their flavors' vCPUs and RAM, and its max_instances" },
  ),
  clusters: {
    type: 'array',
    description: 'One entry per cluster where the slice has (or is getting) a project',
    items: always({
      controller: { type: 'integer' },
      name: { type: 'string' },
      deployment: { type: 'integer' },
      project_id: { type: ['string', 'null'] },
      status: { type: 'string', enum: ['ok', 'pending', 'error'], description: 'ok: read; pending: no project yet; error: the cluster could not be read' },
      message: { type: ['string', 'null'], description: 'Why the cluster could not be read, or what it waits for' },
      quota: { oneOf: [{ type: 'null' }, always({ instances: quotaUse, cores: quotaUse, ram_mb: quotaUse })] },
    }),
  },
});

export async function sliceUsageRoutes(app: FastifyInstance, opts: { store: Store; quotas?: ProjectQuotas; timeoutMs?: number }) {
  const { store, quotas, timeoutMs = 5000 } = opts;
  const Slice = model('Slice');
  app.get('/api/core/slices/:id/usage', {
    config: { model: Slice },
    schema: {
      tags: [Slice.nav ?? 'Tenancy'],
      summary: "A slice's usage against its limits and its clusters' quotas",
      description:
        "Instances, vCPUs and RAM of the slice as XOS has them, against max_instances; and for every cluster where the slice has a project, the project's use against the cluster's compute quota " +
        `(read live, at most ${timeoutMs / 1000} s per cluster; a cluster that cannot be read is listed with status error and the reason).`,
      params: idParams,
      response: { 200: jsonResponse(usageSchema, "The slice's usage"), ...errorResponses(404) },
    },
    handler: async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const slice = await store.get(Slice, req.params.id, readScope(Slice, req.principal!));
      return sliceUsage(store, slice, quotas, timeoutMs);
    },
  });
}
