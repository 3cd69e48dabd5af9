// Health, the audit trail, and the model definitions themselves (the UI and CLI build their
// forms and commands from them).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { models } from '../model/registry.js';
import type { ModelDef } from '../model/types.js';
import { ForbiddenError } from '../model/errors.js';
import { canReadModel } from '../auth/rules.js';
import type { Store } from '../store/repository.js';

export const modelInfo = (m: ModelDef) => ({
  name: m.name,
  plural: m.plural,
  label: m.label,
  title_field: m.titleField,
  nav: m.nav ?? null,
  synced: Boolean(m.synced),
  list_fields: m.listFields ?? ['id'],
  search_fields: m.searchFields ?? [],
  fields: Object.fromEntries(
    Object.entries(m.fields)
      .filter(([, d]) => !d.hidden)
      .map(([f, d]) => {
        const { index: _i, ...rest } = d;
        return [f, rest];
      }),
  ),
});

export async function metaRoutes(app: FastifyInstance, opts: { store: Store; version: string }) {
  const { store } = opts;

  app.get('/api/health', {
    config: { public: true },
    schema: { tags: ['Meta'], summary: 'Is the server up and its database reachable? (no authentication)' },
    handler: async (_req, reply) => {
      try {
        await store.ping();
        return { status: 'ok', version: opts.version, database: store.kind, time: new Date().toISOString() };
      } catch (e) {
        return reply.code(503).send({ status: 'error', database: store.kind, detail: (e as Error).message });
      }
    },
  });

  app.get('/api/models', {
    schema: { tags: ['Meta'], summary: 'The model definitions the caller may use' },
    handler: async (req) => ({ items: models.filter((m) => canReadModel(m, req.principal!)).map(modelInfo) }),
  });

  app.get('/api/audit', {
    schema: {
      tags: ['Meta'],
      summary: 'Who changed what and when (administrators only)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          model: { type: 'string', maxLength: 64 },
          object_id: { type: 'integer', minimum: 1, maximum: 2147483647 },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
          offset: { type: 'integer', minimum: 0, default: 0 },
        },
      },
    },
    handler: async (req: FastifyRequest<{ Querystring: { model?: string; object_id?: number; limit: number; offset: number } }>) => {
      if (!req.principal!.isAdmin) throw new ForbiddenError('only administrators may read the audit log');
      const q = req.query;
      const { items, total } = await store.auditLog({ model: q.model, objectId: q.object_id, limit: q.limit, offset: q.offset });
      return { items, total, next: null };
    },
  });

}
