// Every error leaves as application/problem+json (RFC 9457) with one message per field. Nothing a
// client sends turns into a 500; an unexpected fault is logged and reported without its details.
import { isDatabaseUnavailable } from '../store/unavailable.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrors } from '../model/jsonschema.js';
import { XosError } from '../model/errors.js';
import { loggableError } from './loggable-error.js';
import type { FieldError, ModelDef } from '../model/types.js';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function sendProblem(reply: FastifyReply, status: number, detail: string, errors: FieldError[] = []) {
  if (status === 401 && !reply.getHeader('www-authenticate') && !reply.request.headers['x-requested-with'])
    reply.header('www-authenticate', 'Basic realm="XOS", charset="UTF-8"');
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: titles[status] ?? 'Error', status, detail, ...(errors.length ? { errors } : {}), instance: reply.request.url });
}

// The fields a request's body gave as null, noted before validation coerces them (fieldErrors).
const givenNull = new WeakMap<FastifyRequest, Set<string>>();

// A schema error on a route that is not a model's, named by its field: a property the route does
// not take is named too, not left as "must NOT have additional properties".
const routeFieldError = (where: string | undefined) => (v: { instancePath: string; keyword: string; params: object; message?: string }) => {
  const p = v.params as { missingProperty?: string; additionalProperty?: string };
  const path = v.instancePath.replace(/^\//, '');
  if (v.keyword === 'additionalProperties' && p.additionalProperty)
    return { field: path ? `${path}/${p.additionalProperty}` : p.additionalProperty, message: `is not accepted in the ${where ?? 'request'}` };
  return { field: (path || p.missingProperty || where) ?? 'request', message: v.message ?? 'is invalid' };
};

export function registerProblemHandlers(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const b = request.body;
    if (!b || typeof b !== 'object' || Array.isArray(b)) return;
    const nulls = Object.entries(b).filter(([, v]) => v === null).map(([k]) => k);
    if (nulls.length) givenNull.set(request, new Set(nulls));
  });
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof XosError) return sendProblem(reply, err.status, err.message, err.errors);
    if (err.validation) {
      const m = (request.routeOptions.config as { model?: ModelDef }).model;
      const where = err.validationContext;
      const errors = m && where === 'body' ? fieldErrors(m, err.validation as never, givenNull.get(request)) : err.validation.map(routeFieldError(where));
      return sendProblem(reply, 400, `invalid ${where}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
    }
    const status = err.statusCode ?? 500;
    if (status === 413) return sendProblem(reply, 413, `the request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes`);
    if (status === 415) return sendProblem(reply, 415, 'send JSON (Content-Type: application/json)');
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (status === 400 && err.code?.startsWith('FST_ERR_CTP'))) {
      // Fastify's parser answers the same for a syntax error and for a "__proto__" key (or
      // "constructor" with "prototype"), which it refuses to keep prototypes unpolluted.
      const message = 'is not valid JSON, or has a "__proto__" key or a "constructor" key holding "prototype" (refused)';
      return sendProblem(reply, 400, `the body is not valid JSON: ${err.message}`, [{ field: '(body)', message }]);
    }
    if (status === 429) return sendProblem(reply, 429, err.message);
    if (status >= 400 && status < 500) return sendProblem(reply, status, err.message);
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err: loggableError(err) }, 'database unavailable');
      reply.header('retry-after', '2');
      return sendProblem(reply, 503, 'the database is unavailable at the moment; try again in a few seconds');
    }
    request.log.error({ err: loggableError(err) }, 'unexpected error');
    return sendProblem(reply, 500, 'an unexpected error occurred; the server log has the details');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`));
}
