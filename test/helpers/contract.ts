// The API's answers, checked against its OpenAPI document: every response that a test receives
// from a server built by the test helpers goes through checkResponses (a Fastify onSend hook), so
// the whole API and security tiers check the document while they test the behaviour. A response
// is wrong when its route or status is not in the document, a header the document promises is
// missing, its content type is not the documented one, or its body does not match the schema:
// a missing required field, a null where none may be, or a property the document does not name
// (objects with `properties` are closed for the check, unless they say otherwise).
//
// The scope is the API: every path under /api/ except the documentation browser (/api/docs, web
// pages for people). A request that matches no route must get a problem document.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addXosFormats } from '../../src/model/jsonschema.js';

type Json = Record<string, unknown>;
type OpenApi = { paths: Record<string, Record<string, Json>>; components?: { schemas?: Record<string, Json> } };

export interface Exchange {
  method: string;
  url: string; // as requested, with the query
  route?: string; // Fastify's route (/api/core/slices/:id); none when nothing matched
  status: number;
  headers: Record<string, unknown>; // the response's, names in lower case
  body: unknown; // the parsed body; undefined when empty
}

// Every object schema that lists properties, and says nothing of others, admits no others.
function closeObjects(s: unknown): void {
  if (!s || typeof s !== 'object') return;
  if (Array.isArray(s)) return s.forEach(closeObjects);
  const o = s as Json;
  if (o.properties && typeof o.properties === 'object') {
    if (o.additionalProperties === undefined) o.additionalProperties = false;
    Object.values(o.properties as Json).forEach(closeObjects);
  }
  for (const k of ['items', 'additionalProperties', 'not', 'if', 'then', 'else']) if (o[k] && typeof o[k] === 'object') closeObjects(o[k]);
  for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) if (Array.isArray(o[k])) closeObjects(o[k]);
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const mediaType = (v: unknown) => String(v ?? '').split(';')[0].trim().toLowerCase();
const isJson = (t: string) => t === 'application/json' || t.endsWith('+json');
export const inScope = (url: string) => {
  const path = url.split('?')[0];
  return (path === '/api' || path.startsWith('/api/')) && !(path === '/api/docs' || path.startsWith('/api/docs/'));
};
export const openapiPath = (route: string) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export class ContractChecker {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  readonly doc: OpenApi;

  constructor(document: unknown) {
    this.doc = structuredClone(document) as OpenApi;
    for (const s of Object.values(this.doc.components?.schemas ?? {})) closeObjects(s);
    for (const ops of Object.values(this.doc.paths))
      for (const op of Object.values(ops))
        for (const r of Object.values((op.responses ?? {}) as Record<string, Json>))
          for (const c of Object.values((r.content ?? {}) as Record<string, Json>)) closeObjects(c.schema);
    this.ajv = addXosFormats(new Ajv({ allErrors: true, strict: false, validateFormats: true }), true);
    this.ajv.addSchema(this.doc as unknown as Json, 'xos-openapi');
    // The named schemas now, so that the first response of each kind is checked at once.
    for (const name of Object.keys(this.doc.components?.schemas ?? {})) this.validator(pointer('components', 'schemas', name));
  }

  private validator(ref: string): ValidateFunction {
    let v = this.validators.get(ref);
    if (!v) this.validators.set(ref, (v = this.ajv.compile({ $ref: `xos-openapi#/${ref}` })));
    return v;
  }

  private body(ref: string, body: unknown, what: string): string[] {
    const v = this.validator(ref);
    if (v(body)) return [];
    return (v.errors ?? []).slice(0, 8).map((e) => `${what}: body${e.instancePath} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }

  // What is wrong with this response, by the document; [] when nothing is.
  check(x: Exchange): string[] {
    const method = x.method.toUpperCase();
    const what = `${method} ${x.url.split('?')[0]} -> ${x.status}`;
    const type = mediaType(x.headers['content-type']);
    if (!x.route) {
      // No route: the not-found handler, or authentication before it.
      if (x.status < 400 || x.status >= 500) return [`${what}: a request that matches no route got ${x.status}`];
      if (type !== 'application/problem+json') return [`${what}: content type ${type || '(none)'}, not application/problem+json`];
      return this.body(pointer('components', 'schemas', 'Problem'), x.body, what);
    }
    const path = openapiPath(x.route);
    const op = this.doc.paths[path]?.[method === 'HEAD' ? 'get' : method.toLowerCase()];
    if (!op) return [`${what}: ${method} ${path} is not in the OpenAPI document`];
    const responses = (op.responses ?? {}) as Record<string, Json>;
    const key = [String(x.status), `${String(x.status)[0]}XX`, 'default'].find((k) => responses[k]);
    if (!key) return [`${what}: status ${x.status} is not documented for ${method} ${path} (documented: ${Object.keys(responses).join(', ')})`];
    const r = responses[key];
    const problems: string[] = [];
    for (const [name, h] of Object.entries((r.headers ?? {}) as Record<string, Json>))
      if (h.required && x.headers[name.toLowerCase()] === undefined) problems.push(`${what}: header ${name} is documented but missing`);
    const content = (r.content ?? {}) as Record<string, Json>;
    const empty = x.body === undefined || x.body === '';
    if (!Object.keys(content).length) {
      if (!empty) problems.push(`${what}: the document gives no body for this response, but one came`);
      return problems;
    }
    if (method === 'HEAD') return problems;
    if (!content[type]) return [...problems, `${what}: content type ${type || '(none)'} is not documented (${Object.keys(content).join(', ')})`];
    if (isJson(type)) {
      // A response that is a named schema is checked by that schema's validator.
      const ref = (content[type].schema as Json | undefined)?.$ref;
      const at = typeof ref === 'string' && ref.startsWith('#/') ? ref.slice(2) : pointer('paths', path, method.toLowerCase(), 'responses', key, 'content', type, 'schema');
      problems.push(...this.body(at, x.body, what));
    }
    return problems;
  }
}

const checkers = new Map<string, ContractChecker>();
// One checker per distinct document in this process (every test server serves the same one).
export function checkerFor(doc: unknown): ContractChecker {
  const key = crypto.createHash('sha256').update(JSON.stringify(doc)).digest('hex');
  let c = checkers.get(key);
  if (!c) checkers.set(key, (c = new ContractChecker(doc)));
  return c;
}

export interface ContractLog {
  checked: number;
  violations: string[];
}

// Responses checked in this process, over every server; written for scripts/test.sh to add up.
export const processLog: ContractLog = { checked: 0, violations: [] };
const logFile = process.env.XOS_TEST_CONTRACT_LOG;
if (logFile) process.on('exit', () => fs.appendFileSync(logFile, `${processLog.checked}\n`));

// Installs the check on a server (before it is ready). Returns its own log of what it checked.
export function checkResponses(app: FastifyInstance): ContractLog {
  const log: ContractLog = { checked: 0, violations: [] };
  const sent = new WeakMap<FastifyRequest, unknown>();
  let checker: ContractChecker | undefined;
  // Built once the document is complete, before any request, so that no request a test times
  // pays for it.
  app.addHook('onReady', async () => {
    checker = checkerFor(app.swagger());
  });
  // The handler's value, before the serializer: a field the serializer would drop, or a null it
  // would turn into 0, is still seen.
  app.addHook('preSerialization', async (req: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    sent.set(req, payload);
    return payload;
  });
  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!inScope(req.url)) return payload;
    const headers = Object.fromEntries(Object.entries(reply.getHeaders()).map(([k, v]) => [k.toLowerCase(), v]));
    let body: unknown = sent.has(req) ? sent.get(req) : undefined;
    if (!sent.has(req) && payload !== undefined && payload !== null && payload !== '') {
      const text = Buffer.isBuffer(payload) ? payload.toString('utf8') : typeof payload === 'string' ? payload : undefined;
      if (text === undefined) body = '(a stream)';
      else if (isJson(mediaType(headers['content-type']))) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      } else body = text;
    }
    checker ??= checkerFor(app.swagger());
    const problems = checker.check({
      method: req.method,
      url: req.url,
      route: req.routeOptions.url,
      status: reply.statusCode,
      headers,
      body,
    });
    log.checked++;
    processLog.checked++;
    log.violations.push(...problems);
    processLog.violations.push(...problems);
    return payload;
  });
  return log;
}
