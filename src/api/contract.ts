// The building blocks of what the OpenAPI document says about responses, so that every route
// family says it the same way: JSON and problem responses with their headers, the list envelope,
// and the error statuses that every route can return by construction (added to each route as it
// is registered, see documentCommonErrors). A response header named here is always sent; the
// document marks each as required.
import type { FastifyInstance, RouteOptions } from 'fastify';

type Schema = Record<string, unknown>;

export const PROBLEM_TYPE = 'application/problem+json';

// RFC 9457. `errors` names each field that is wrong and why (input validation).
export const problemSchema = {
  $id: 'problem',
  title: 'Problem',
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

// Inline, named for the document (a shared schema costs @fastify/swagger a resolution per use).
const { $id: _id, title: _title, ...problemBody } = problemSchema;
const problemInline = { 'x-component': 'Problem', ...problemBody };

export const headers = {
  etag: { ETag: { type: 'string', description: 'The version of the row, "<version>"; send it back in If-Match' } },
  location: { Location: { type: 'string', description: 'The URL of the new row' } },
  retryAfter: { 'Retry-After': { type: 'string', description: 'Seconds to wait before trying again' } },
};

const reasons: Record<number, string> = {
  400: 'Bad request: a field, parameter or header is invalid (`errors` names each)',
  401: 'No credentials, or wrong ones',
  403: 'The caller may not do this (or a cookie session sent no X-CSRF-Token)',
  404: 'No such row, or the caller cannot see it',
  409: 'A conflict: a duplicate, a row still in use, or a rule of the model',
  412: 'If-Match names another version: the row changed since it was read',
  413: 'The body is larger than [api] body_limit',
  415: 'The body is not JSON',
  429: 'Too many password attempts, or logins: wait Retry-After seconds',
  500: 'An unexpected fault; the server log has the details',
  501: 'Not implemented on this server',
  502: 'A cluster could not be reached or read',
  503: 'The database cannot be reached',
};

export function problemResponse(status: number, description = reasons[status] ?? 'An error'): Schema {
  return {
    description,
    ...(status === 429 ? { headers: headers.retryAfter } : {}),
    content: { [PROBLEM_TYPE]: { schema: problemInline } },
  };
}

export const errorResponses = (...statuses: number[]): Record<number, Schema> =>
  Object.fromEntries(statuses.map((s) => [s, problemResponse(s)]));

export function jsonResponse(schema: Schema, description: string, responseHeaders?: Record<string, Schema>): Schema {
  return { description, ...(responseHeaders ? { headers: responseHeaders } : {}), content: { 'application/json': { schema } } };
}

export const noContent = (description: string): Schema => ({ description, type: 'null' });

// The list envelope, in one place: every list answers a page of items with these fields (all
// always sent). A new paging field is added here and to the handlers that fill it.
export const pageProperties = {
  total: { type: 'integer', minimum: 0, description: "Rows matching the filters: exact when total_exact, else the database's estimate" },
  total_exact: { type: 'boolean', description: 'false when more than 10,000 rows match and total is an estimate' },
  next: {
    type: ['string', 'null'],
    description: 'The URL of the next page (a keyset cursor on the default order, else an offset); null on the last one',
  },
} as const;

// The TypeScript of a scalar schema above, so that the type of a page follows its schema.
type Scalar<T> = T extends 'integer' | 'number' ? number : T extends 'string' ? string : T extends 'boolean' ? boolean : T extends 'null' ? null : never;
type ScalarOf<S> = S extends { type: readonly (infer T)[] } ? Scalar<T> : S extends { type: infer T } ? Scalar<T> : never;

// A page of rows as the API sends it (the CLI and the web UI read lists as this).
export type ListPage<R> = { items: R[] } & { -readonly [K in keyof typeof pageProperties]: ScalarOf<(typeof pageProperties)[K]> };

export function listSchema(item: Schema, $id?: string): Schema {
  return {
    ...($id ? { $id } : {}),
    type: 'object',
    required: ['items', ...Object.keys(pageProperties)],
    properties: { items: { type: 'array', items: item }, ...pageProperties },
  };
}

// An object whose every property is always sent.
export function always(properties: Record<string, Schema>, extra: Schema = {}): Schema {
  return { type: 'object', required: Object.keys(properties), properties, ...extra };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Statuses a route returns whatever its handler does: 400 (a NUL anywhere in the query or body,
// a bad Authorization header, the route's own schemas), 429 and 401 (authentication, see
// authn.ts; 401 only where credentials are required), 403 (a cookie-authenticated write without
// its CSRF token), 413 and 415 (the body parser), 500 (an unexpected fault), 503 (the database
// is unreachable for a moment: a prompt answer the client may retry). The route names
// the statuses of its handler itself.
export function commonErrors(method: string, isPublic: boolean): number[] {
  const s = [400, 429, 500, 503]; // 503: the database cannot be reached at the moment
  if (!isPublic) s.push(401);
  if (!isPublic && !SAFE_METHODS.has(method)) s.push(403);
  if (BODY_METHODS.has(method)) s.push(413, 415);
  return s.sort();
}

export function documentCommonErrors(app: FastifyInstance) {
  app.addHook('onRoute', (route: RouteOptions) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    if (methods.every((m) => m === 'HEAD')) return;
    const isPublic = (route.config as { public?: boolean } | undefined)?.public === true;
    const response = { ...((route.schema?.response as Record<string, unknown> | undefined) ?? {}) };
    for (const s of commonErrors(methods[0], isPublic)) response[s] ??= problemResponse(s);
    route.schema = { ...route.schema, response };
  });
}

// The key that names a schema in the document: every schema carrying it becomes
// components/schemas/<name>, referred to wherever it is used.
export const COMPONENT = 'x-component';

export function nameComponents<D extends { components?: object; paths?: object }>(doc: D): D {
  const schemas: Record<string, unknown> = ((doc.components ??= {} as D['components']) as { schemas?: Record<string, unknown> }).schemas ??= {};
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) if (k !== COMPONENT) out[k] = walk(x);
    const name = o[COMPONENT];
    if (typeof name !== 'string') return out;
    schemas[name] ??= out;
    return { $ref: `#/components/schemas/${name}` };
  };
  doc.paths = walk(doc.paths) as D['paths'];
  return doc;
}

// Operation ids for generated clients: listSlices, getSlice, createSlice, updateSlice, deleteSlice.
export const operationId = (verb: string, noun: string) => `${verb}${noun[0].toUpperCase()}${noun.slice(1)}`;

// The document as a client reads it: the shared schemas named by their title (Problem) or id
// (Slice, SliceList), and every response header marked as always sent.
export const refResolver = {
  buildLocalReference: (json: Record<string, unknown>, _base: unknown, _fragment: unknown, i: number) =>
    String(json.title ?? json.$id ?? `def-${i}`),
};

export function markHeadersRequired<D extends { paths?: object; components?: object }>(doc: D): D {
  for (const ops of Object.values((doc.paths ?? {}) as Record<string, Record<string, unknown>>))
    for (const op of Object.values(ops)) {
      const responses = (op as { responses?: Record<string, { headers?: Record<string, Record<string, unknown>> }> }).responses ?? {};
      for (const r of Object.values(responses)) for (const h of Object.values(r.headers ?? {})) h.required = true;
    }
  return doc;
}
