// The OpenAPI document as a contract: it says what every response always carries, which fields
// may be null (exactly the columns that may hold null), the headers and the error statuses; and
// the check that every API test runs on every response (helpers/contract.ts) catches a route, a
// status, a header or a field that the document does not follow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyReply } from 'fastify';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { ADMIN, basic, buildTestServer, startTestServer, type TestServer } from '../helpers/xos.js';
import { ContractChecker, type Exchange } from '../helpers/contract.js';
import { models } from '../../src/model/registry.js';
import { schema as tables } from '../../src/store/schema.js';
import { always, jsonResponse, headers } from '../../src/api/contract.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let s: TestServer;
let doc: Json;
before(async () => {
  s = await startTestServer('pglite');
  doc = (await s.call(null, 'GET', '/api/openapi.json')).body;
});
after(() => s.close());

const nullable = (p: Json) => Array.isArray(p.type) && p.type.includes('null');
const resolve = (ref: Json): Json => (ref.$ref ? doc.components.schemas[ref.$ref.split('/').pop()] : ref);

describe('the document says what is always there', () => {
  test('a row: every field it shows is required, null only where its column may hold null', () => {
    for (const m of models) {
      const row = doc.components.schemas[m.name];
      assert.ok(row, `components/schemas/${m.name}`);
      assert.deepEqual([...row.required].sort(), Object.keys(row.properties).sort(), `${m.name}: every property is required`);
      const columns = new Map(getTableConfig((tables as unknown as Record<string, PgTable>)[m.name]).columns.map((c) => [c.name, c]));
      for (const [f, p] of Object.entries(row.properties as Record<string, Json>)) {
        if (f === 'has_admin_password') continue;
        const c = columns.get(f);
        assert.ok(c, `${m.name}.${f} has a column`);
        if (m.fields[f].type === 'json') continue; // any JSON value, null included
        assert.equal(nullable(p), !c.notNull, `${m.name}.${f}: nullable in the document exactly when the column is`);
      }
      for (const f of ['id', 'created', 'updated', 'version']) assert.equal(nullable(row.properties[f]), false, `${m.name}.${f} is never null`);
    }
    assert.equal(nullable(doc.components.schemas.Slice.properties.description), true);
    assert.equal(nullable(doc.components.schemas.Slice.properties.name), false);
  });

  test('the list envelope, the problem document and the auth responses are complete', () => {
    const list = doc.components.schemas.SliceList;
    assert.deepEqual(list.required, ['items', 'total', 'total_exact', 'next']);
    assert.equal(list.properties.items.items.$ref, '#/components/schemas/Slice');
    const problem = doc.components.schemas.Problem;
    assert.deepEqual(problem.required, ['type', 'title', 'status', 'detail']);
    assert.deepEqual(problem.properties.errors.items.required, ['field', 'message']);
    const body = (path: string, method: string, status: string) => resolve(doc.paths[path][method].responses[status].content['application/json'].schema);
    assert.deepEqual(body('/api/auth/login', 'post', '200').required, ['token', 'csrf_token', 'expires', 'user']);
    assert.deepEqual(body('/api/auth/me', 'get', '200').required, ['user', 'is_admin', 'is_readonly', 'site_roles', 'slice_roles', 'deployment_admin']);
    assert.ok(body('/api/auth/tokens', 'post', '201').required.includes('token'));
    // Request bodies keep their required inputs.
    assert.deepEqual(doc.components.schemas.SliceCreate.required, ['name', 'site']);
    assert.deepEqual(doc.paths['/api/auth/login'].post.requestBody.content['application/json'].schema.required, ['email', 'password']);
  });

  test('headers and errors: ETag, If-Match with 412, Location on 201, Retry-After on 429, a problem for every error', () => {
    for (const m of models) {
      const one = doc.paths[`/api/core/${m.plural}/{id}`];
      const all = doc.paths[`/api/core/${m.plural}`];
      for (const r of [one.get.responses['200'], one.patch.responses['200'], all.post.responses['201']]) assert.equal(r.headers?.ETag?.required, true, m.plural);
      assert.equal(all.post.responses['201'].headers.Location.required, true);
      for (const op of [one.patch, one.delete]) {
        assert.ok(op.parameters.some((p: Json) => p.in === 'header' && p.name === 'if-match'), `${m.plural}: If-Match`);
        assert.ok(op.responses['412'], `${m.plural}: 412`);
      }
      assert.deepEqual(Object.keys(all.post.responses).sort(), ['201', '400', '401', '403', '409', '413', '415', '429', '500', '503']);
      assert.deepEqual(Object.keys(one.get.responses).sort(), ['200', '400', '401', '403', '404', '429', '500', '503']);
    }
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>))
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.responses['429']?.headers?.['Retry-After']?.required, `${method} ${path}: 429 with Retry-After`);
        for (const [status, r] of Object.entries(op.responses as Record<string, Json>))
          if (Number(status) >= 400 && !(path === '/api/health' && status === '503'))
            assert.equal(r.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/Problem', `${method} ${path} ${status}`);
      }
  });
});

describe('the response check catches a document that does not follow', () => {
  const exchange = async (method: string, url: string, body?: unknown, extra: Record<string, string> = {}): Promise<Exchange> => {
    const r = await s.app.inject({
      method: method as 'GET',
      url,
      payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: basic(ADMIN), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
    });
    const route = url.replace(/\/\d+$/, '/:id');
    return { method, url, route, status: r.statusCode, headers: r.headers, body: r.body ? JSON.parse(r.body) : undefined };
  };

  test('a field the model has and the document lacks; a required field the API does not send', async () => {
    const slice = (await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'mysite_contract', site: 1 })).body;
    const got = await exchange('GET', `/api/core/slices/${slice.id}`);
    assert.deepEqual(new ContractChecker(doc).check(got), [], 'the real document admits the real answer');
    const behind = structuredClone(doc);
    delete behind.components.schemas.Slice.properties.description;
    behind.components.schemas.Slice.required = behind.components.schemas.Slice.required.filter((f: string) => f !== 'description');
    assert.match(new ContractChecker(behind).check(got).join('\n'), /must NOT have additional properties \(description\)/);
    const { name: _name, ...nameless } = got.body as Json;
    assert.match(new ContractChecker(doc).check({ ...got, body: nameless }).join('\n'), /must have required property 'name'/);
    assert.match(new ContractChecker(doc).check({ ...got, body: { ...(got.body as Json), id: null } }).join('\n'), /body\/id must be integer/);
  });

  test('a status the route returns and the document does not list; a missing header', async () => {
    const stale = await exchange('PATCH', '/api/core/slices/1', { description: 'x' }, { 'if-match': '"999"' });
    assert.equal(stale.status, 412);
    assert.deepEqual(new ContractChecker(doc).check(stale), []);
    const behind = structuredClone(doc);
    delete behind.paths['/api/core/slices/{id}'].patch.responses['412'];
    assert.match(new ContractChecker(behind).check(stale).join('\n'), /status 412 is not documented for PATCH \/api\/core\/slices\/\{id\}/);
    const got = await exchange('GET', '/api/core/slices/1');
    const { etag: _etag, ...withoutEtag } = got.headers;
    assert.match(new ContractChecker(doc).check({ ...got, headers: withoutEtag }).join('\n'), /header ETag is documented but missing/);
  });

  test('on a live server: a new route outside the document, a status, a field or a header it does not declare', async () => {
    const app = await buildTestServer({ store: s.store, config: s.config, logger: false });
    const int = { type: 'integer' };
    const declared = { config: { public: true }, schema: { response: { 200: jsonResponse(always({ a: int }), 'A', headers.etag) } } };
    app.get('/api/drift/status', declared, async (_req, reply: FastifyReply) => reply.header('etag', '"1"').code(202).send({ a: 1 }));
    app.get('/api/drift/field', declared, async (_req, reply) => reply.header('etag', '"1"').send({ a: 1, b: 2 }));
    app.get('/api/drift/header', declared, async () => ({ a: 1 }));
    app.get('/api/drift/hidden', { config: { public: true }, schema: { hide: true } }, async () => ({ a: 1 }));
    app.get('/api/drift/fine', declared, async (_req, reply) => reply.header('etag', '"1"').send({ a: 1 }));
    try {
      const found = async (path: string) => {
        await app.inject({ method: 'GET', url: path });
        return app.contract.violations.splice(0).join('\n');
      };
      assert.equal(await found('/api/drift/fine'), '');
      assert.match(await found('/api/drift/status'), /status 202 is not documented/);
      assert.match(await found('/api/drift/field'), /must NOT have additional properties \(b\)/);
      assert.match(await found('/api/drift/header'), /header ETag is documented but missing/);
      assert.match(await found('/api/drift/hidden'), /GET \/api\/drift\/hidden is not in the OpenAPI document/);
      assert.equal(await found('/api/docs/'), '', 'the documentation browser is web pages, outside the API');
      assert.equal(app.contract.checked, 5);
    } finally {
      await app.close();
    }
  });

  test('the API tests check every response they get', async () => {
    const was = s.contract.checked;
    await s.call(ADMIN, 'GET', '/api/core/sites');
    await s.call(null, 'GET', '/api/core/sites');
    await s.call(ADMIN, 'GET', '/api/no-such-route');
    assert.equal(s.contract.checked, was + 3);
    assert.deepEqual(s.contract.violations, []);
  });
});
