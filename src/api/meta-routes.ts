// Health, the audit trail, and the model definitions themselves (the UI and CLI build their
// forms and commands from them).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { models } from '../model/registry.js';
import { FIELD_TYPES, ON_DELETE, type ModelDef } from '../model/types.js';
import { ForbiddenError } from '../model/errors.js';
import { canReadModel } from '../auth/rules.js';
import type { Store } from '../store/repository.js';
import { always, errorResponses, jsonResponse, listSchema } from './contract.js';

const strings = { type: 'array', items: { type: 'string' } };
// A field definition as GET /api/models shows it (model/types.ts FieldDef, without index).
const fieldDefSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: [...FIELD_TYPES] },
    label: { type: 'string' },
    help: { type: 'string' },
    required: { type: 'boolean' },
    nullable: { type: 'boolean' },
    default: { description: 'Any JSON value' },
    maxLength: { type: 'integer' },
    minLength: { type: 'integer' },
    min: { type: 'number' },
    max: { type: 'number' },
    pattern: { type: 'string' },
    patternHelp: { type: 'string' },
    choices: strings,
    ref: { type: 'string' },
    onDelete: { type: 'string', enum: [...ON_DELETE] },
    unique: { type: 'boolean' },
    readOnly: { type: 'boolean' },
    createOnly: { type: 'boolean' },
    adminOnly: { type: 'boolean' },
    hidden: { type: 'boolean' },
    boundTo: strings,
    defaultFrom: { type: 'string', description: 'Where a create that leaves the field out takes its value from' },
  },
};
const modelInfoSchema = always({
  name: { type: 'string' },
  plural: { type: 'string' },
  label: { type: 'string' },
  title_field: { type: 'string' },
  nav: { type: ['string', 'null'] },
  synced: { type: 'boolean' },
  list_fields: strings,
  search_fields: strings,
  fields: { type: 'object', additionalProperties: fieldDefSchema },
});
const healthy = always({
  status: { type: 'string', enum: ['ok'] },
  version: { type: 'string' },
  database: { type: 'string' },
  time: { type: 'string', format: 'date-time' },
});
const unhealthy = always({ status: { type: 'string', enum: ['error'] }, database: { type: 'string' }, detail: { type: 'string' } });
const auditEntry = always({
  id: { type: 'integer' },
  at: { type: 'string', format: 'date-time' },
  user_id: { type: ['integer', 'null'] },
  user_email: { type: ['string', 'null'] },
  action: { type: 'string' },
  model: { type: 'string' },
  object_id: { type: ['integer', 'null'] },
  changes: { description: 'The fields changed, as [before, after], secrets redacted' },
});

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
    schema: {
      tags: ['Meta'],
      summary: 'Is the server up and its database reachable? (no authentication)',
      response: { 200: jsonResponse(healthy, 'Up'), 503: jsonResponse(unhealthy, 'The database cannot be reached') },
    },
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
    schema: {
      tags: ['Meta'],
      summary: 'The model definitions the caller may use',
      response: { 200: jsonResponse(always({ items: { type: 'array', items: modelInfoSchema } }), 'The models') },
    },
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
      response: { 200: jsonResponse(listSchema(auditEntry), 'A page of the audit log, newest first'), ...errorResponses(403) },
    },
    handler: async (req: FastifyRequest<{ Querystring: { model?: string; object_id?: number; limit: number; offset: number } }>) => {
      if (!req.principal!.isAdmin) throw new ForbiddenError('only administrators may read the audit log');
      const q = req.query;
      const { items, total } = await store.auditLog({ model: q.model, objectId: q.object_id, limit: q.limit, offset: q.offset });
      return { items, total, total_exact: true, next: null };
    },
  });

}
