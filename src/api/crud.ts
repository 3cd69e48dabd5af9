// The REST collections /api/core/<plural>, generated from the model definitions: list with
// filters, sort, search, paging and a total; create; get; PATCH with If-Match; soft DELETE.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { models } from '../model/registry.js';
import type { ModelDef, Row } from '../model/types.js';
import { ForbiddenError } from '../model/errors.js';
import { authorizeWrite, canReadModel, readScope } from '../auth/rules.js';
import { checkDeploymentAcl } from '../auth/deployment-acl.js';
import type { Principal } from '../auth/principal.js';
import type { Authorize, Store, WriteOptions } from '../store/repository.js';
import { afterWrites } from '../auth/after-write.js';
import { etagOf, ifMatchCondition } from './etag.js';
import { listQuery } from './list-envelope.js';
import { errorResponses, headers, jsonResponse, noContent, operationId } from './contract.js';
import { modelSchema } from './model-schemas.js';

const ifMatch = {
  type: 'object',
  properties: {
    'if-match': { type: 'string', description: 'Apply only to this version: the ETag of the row as read ("3"); else 412' },
  },
};

// Where route families have long found it.
export { problemSchema } from './contract.js';

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } }, required: ['id'] };

function baseUrl(req: FastifyRequest, publicUrl: string) {
  return publicUrl ? publicUrl.replace(/\/$/, '') : `${req.protocol}://${req.host}`;
}

export async function crudRoutes(app: FastifyInstance, opts: { store: Store; publicUrl: string }) {
  const { store } = opts;

  for (const m of models) {
    const tags = [m.nav ?? 'Other'];
    const row = modelSchema.row(m);
    const Name = m.name;
    const base = `/api/core/${m.plural}`;
    const config = { model: m };
    const who = (req: FastifyRequest): Principal => {
      const p = req.principal!;
      if (!canReadModel(m, p)) throw new ForbiddenError(`only administrators may see ${m.plural}`);
      return p;
    };
    // What every write of this caller is checked against: the caller's rights, what they can see
    // (a reference to a row they cannot read is a reference to nothing), and what must follow.
    const writeOptions = (p: Principal, op: 'create' | 'update' | 'delete', req: FastifyRequest): WriteOptions => ({
      authorize: writeCheck(p, op),
      visible: (target) => readScope(target, p),
      afterWrite: afterWrites[m.name] ? (inTx, after, before) => afterWrites[m.name]!(inTx, after, before, { principal: p, sessionToken: req.sessionToken }) : undefined,
    });
    const writeCheck = (p: Principal, op: 'create' | 'update' | 'delete'): Authorize => {
      const rules = authorizeWrite(m, p, op);
      if (!(m.deploymentAcl && op === 'create')) return rules;
      return async (after, before, ctx) => {
        await rules(after, before, ctx);
        await checkDeploymentAcl(ctx, p.id, after!, m.deploymentAcl!);
      };
    };

    app.get(base, {
      config,
      schema: {
        tags,
        summary: `List ${m.plural}`,
        operationId: operationId('list', m.plural),
        querystring: listQuery,
        response: { 200: jsonResponse(modelSchema.list(m), `A page of ${m.plural}`), ...errorResponses(403) },
      },
      handler: async (req: FastifyRequest<{ Querystring: Record<string, string> }>) => {
        const p = who(req);
        const { limit, offset, cursor, sort, search, ...filters } = req.query as Record<string, unknown>;
        const lim = Number(limit ?? 50);
        const page = await store.list(m, {
          filters: filters as Record<string, string>,
          sort: sort as string | undefined,
          search: search as string | undefined,
          limit: lim,
          offset: Number(offset ?? 0),
          cursor: cursor as string | undefined,
          scope: readScope(m, p),
          liveOnly: !p.isAdmin,
        });
        let next: string | null = null;
        if (page.next) {
          const u = new URL(req.url, baseUrl(req, opts.publicUrl));
          if ('cursor' in page.next) {
            u.searchParams.delete('offset');
            u.searchParams.set('cursor', page.next.cursor);
          } else u.searchParams.set('offset', String(page.next.offset));
          u.searchParams.set('limit', String(lim));
          next = `${baseUrl(req, opts.publicUrl)}${u.pathname}${u.search}`;
        }
        return { items: page.items, total: page.total, total_exact: page.totalExact, next };
      },
    });

    app.post(base, {
      config,
      schema: {
        tags,
        summary: `Create a ${m.label.toLowerCase()}`,
        operationId: operationId('create', Name),
        body: modelSchema.create(m),
        response: { 201: jsonResponse(row, 'Created', { ...headers.location, ...headers.etag }), ...errorResponses(403, 409) },
      },
      handler: async (req: FastifyRequest<{ Body: Row }>, reply: FastifyReply) => {
        const p = who(req);
        const created = await store.create(m, req.body, p, writeOptions(p, 'create', req));
        return reply.code(201).header('location', `${base}/${created.id}`).header('etag', etagOf(created)).send(created);
      },
    });

    app.get(`${base}/:id`, {
      config,
      schema: {
        tags,
        summary: `Get a ${m.label.toLowerCase()}`,
        operationId: operationId('get', Name),
        params: idParams,
        response: { 200: jsonResponse(row, `The ${m.label.toLowerCase()}`, headers.etag), ...errorResponses(403, 404) },
      },
      handler: async (req: FastifyRequest<{ Params: { id: number } }>, reply: FastifyReply) => {
        const found = await store.get(m, req.params.id, readScope(m, who(req)));
        return reply.header('etag', etagOf(found)).send(found);
      },
    });

    app.patch(`${base}/:id`, {
      config,
      schema: {
        tags,
        summary: `Change a ${m.label.toLowerCase()}`,
        operationId: operationId('update', Name),
        description: 'Send only the fields to change. With If-Match, the change applies only to that version (else 412).',
        params: idParams,
        headers: ifMatch,
        body: modelSchema.update(m),
        response: { 200: jsonResponse(row, 'Changed', headers.etag), ...errorResponses(403, 404, 409, 412) },
      },
      handler: async (req: FastifyRequest<{ Params: { id: number }; Body: Row }>, reply: FastifyReply) => {
        const p = who(req);
        const updated = await store.update(m, req.params.id, req.body, p, {
          ...writeOptions(p, 'update', req),
          scope: readScope(m, p),
          ifMatch: ifMatchCondition(req.headers['if-match']),
        });
        return reply.header('etag', etagOf(updated)).send(updated);
      },
    });

    app.delete(`${base}/:id`, {
      config,
      schema: {
        tags,
        summary: `Delete a ${m.label.toLowerCase()}`,
        operationId: operationId('delete', Name),
        params: idParams,
        headers: ifMatch,
        response: { 204: noContent('Deleted'), ...errorResponses(403, 404, 409, 412) },
      },
      handler: async (req: FastifyRequest<{ Params: { id: number } }>, reply: FastifyReply) => {
        const p = who(req);
        await store.delete(m, req.params.id, p, { ...writeOptions(p, 'delete', req), scope: readScope(m, p), ifMatch: ifMatchCondition(req.headers['if-match']) });
        return reply.code(204).send();
      },
    });
  }
}

