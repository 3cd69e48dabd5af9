// POST /api/core/<plural>/:id/retry: "retry now" for a synced object. It clears the retry
// bookkeeping (next_retry, retry_count) so the synchronizer takes the object on its next pass,
// and tells it so with a change notice. Desired state, `updated` and `version` do not move: a
// retry is not a change to the object. Whoever may change the object may ask for a retry.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { models } from '../model/registry.js';
import { ForbiddenError } from '../model/errors.js';
import { authorizeWrite, canReadModel, readScope } from '../auth/rules.js';
import type { Store } from '../store/repository.js';
import { errorResponses, jsonResponse } from './contract.js';
import { modelSchema } from './model-schemas.js';

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } }, required: ['id'] };

export async function retryRoutes(app: FastifyInstance, opts: { store: Store }) {
  const { store } = opts;
  for (const m of models.filter((x) => x.synced)) {
    app.post(`/api/core/${m.plural}/:id/retry`, {
      config: { model: m },
      schema: {
        tags: [m.nav ?? 'Other'],
        summary: `Retry the synchronization of a ${m.label.toLowerCase()} now`,
        description: 'Clears next_retry and retry_count; the synchronizer picks the object up on its next pass.',
        params: idParams,
        response: { 200: jsonResponse(modelSchema.row(m), 'The row, to be synchronized on the next pass'), ...errorResponses(403, 404) },
      },
      handler: async (req: FastifyRequest<{ Params: { id: number } }>) => {
        const p = req.principal!;
        if (!canReadModel(m, p)) throw new ForbiddenError(`only administrators may see ${m.plural}`);
        const id = req.params.id;
        const row = await store.sync.retry(m, id, p, { scope: readScope(m, p), authorize: authorizeWrite(m, p, 'update') });
        return store.present(m, row);
      },
    });
  }
}
