// POST /api/core/<plural>/:id/retry: "retry now" for a synced object. It clears the retry
// bookkeeping (next_retry, retry_count) so the synchronizer takes the object on its next pass,
// and tells it so with a change notice. Desired state, `updated` and `version` do not move: a
// retry is not a change to the object. Whoever may change the object may ask for a retry.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { models } from '../model/registry.js';
import { ForbiddenError, NotFoundError } from '../model/errors.js';
import { authorizeWrite, canReadModel, readScope } from '../auth/rules.js';
import type { Store } from '../store/repository.js';
import { compile, ident, raw, sql } from '../store/sql.js';

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
      },
      handler: async (req: FastifyRequest<{ Params: { id: number } }>) => {
        const p = req.principal!;
        if (!canReadModel(m, p)) throw new ForbiddenError(`only administrators may see ${m.plural}`);
        const id = req.params.id;
        const row = await store.db.transaction(async (tx) => {
          const scope = readScope(m, p) ?? raw('true');
          const sel = compile(sql`SELECT t.* FROM ${ident(m.table)} t WHERE t.id = ${id} AND t.deleted = false AND ${scope} FOR UPDATE`);
          const [before] = await tx.query(sel.text, sel.values);
          if (!before) throw new NotFoundError(`${m.name} ${id}`);
          await authorizeWrite(m, p, 'update')(before, before, store.context(tx), tx);
          // Clearing last_sync also lifts a terminal error, which otherwise waits for a change.
          const upd = compile(sql`UPDATE ${ident(m.table)} SET next_retry = NULL, retry_count = 0, last_sync = NULL WHERE id = ${id} RETURNING *`);
          const [after] = await tx.query(upd.text, upd.values);
          await store.audit(tx, p, 'retry', m, id, { next_retry: [before.next_retry ?? null, null], retry_count: [before.retry_count ?? 0, 0] });
          await store.notify(tx, { model: m.name, id, op: 'sync', version: Number(after.version) });
          return after;
        });
        return store.present(m, row);
      },
    });
  }
}
