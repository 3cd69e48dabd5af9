// Property-based: over every model, field and filter operator (and unknown ones), as root admin
// so that no permission check answers first, no query filter and no create or PATCH body gets a
// 5xx, a 400 names the fields at fault, and a refused write leaves no row and no audit entry.
//
// Each run of the file draws a new seed, which it prints first and fast-check prints with a failing
// case. To replay the run: XOS_FUZZ_SEED=<seed> node --import tsx --test test/security/input-fuzz.test.ts
// XOS_FUZZ_RUNS multiplies the number of cases (the defaults keep the file near 30 s); with the
// PostgreSQL tier on, the cases are shared between the backends.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { models } from '../../src/model/registry.js';
import { writableFields } from '../../src/model/jsonschema.js';
import type { ModelDef } from '../../src/model/types.js';
import { ADMIN, backends, startTestServer, type Reply, type TestServer } from '../helpers/xos.js';
import { RefPick, brokenEscape, encodeQuery, filterOp, filterValue, plausibleFilter, plausibleValue, toJsonText, weirdValue } from '../helpers/arbitraries.js';
import { dbOf } from '../../src/store/inspect.js';

// One seed for the whole file: the properties share a server, so a case can depend on the rows
// that earlier ones created, and replaying one property alone would not rebuild them.
const seed = process.env.XOS_FUZZ_SEED ? Number(process.env.XOS_FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const scale = Number(process.env.XOS_FUZZ_RUNS ?? 1) / backends.length;
const options = (runs: number): fc.Parameters<unknown> => ({
  seed,
  numRuns: Math.max(1, Math.round(runs * scale)),
  includeErrorInReport: true,
});

// A refusal is problem+json; a 400 says which fields and why.
function assertClearRefusal(r: Reply, what: string) {
  assert.ok(r.status < 500, `${what} → ${r.status} ${JSON.stringify(r.body)}`);
  assert.notEqual(r.status, 401, `${what}: the root admin was locked out (by an earlier case?) ${JSON.stringify(r.body)}`);
  if (r.status < 300) return;
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/, what);
  if (r.status === 400) {
    const errors = r.body.errors as { field?: unknown; message?: unknown }[] | undefined;
    assert.ok(errors?.length, `${what} → 400 without field errors: ${JSON.stringify(r.body)}`);
    // The field as the client named it: "" when it sent an empty key.
    for (const e of errors) assert.ok(typeof e.field === 'string' && typeof e.message === 'string' && e.message, `${what}: ${JSON.stringify(e)}`);
  }
}

// How often each status came back: a generator that never gets past validation tests little.
function tally() {
  const n = new Map<number, number>();
  return {
    add: (status: number) => void n.set(status, (n.get(status) ?? 0) + 1),
    toString: () => [...n].sort(([a], [b]) => a - b).map(([k, v]) => `${k}×${v}`).join(' '),
  };
}

// Drawn by name, so that a counterexample prints the model's name and not its definition.
const byName = new Map(models.map((m) => [m.name, m]));
const modelAnd = <T>(rest: (m: ModelDef) => fc.Arbitrary<T>) =>
  fc.constantFrom(...byName.keys()).chain((name) => fc.tuple(fc.constant(name), rest(byName.get(name)!)));

for (const backend of backends) {
  describe(`hostile input, property-based (${backend})`, () => {
    let s: TestServer;
    let adminId: number;
    // Rows of every model table and of the audit log, in one round trip.
    const census = async (m: ModelDef) => {
      const tables = models.map((x) => `(SELECT count(*) FROM "${x.table}")`).join(' + ');
      const [r] = await dbOf(s.store).query<{ own: number; all: number; audit: number }>(
        `SELECT (SELECT count(*) FROM "${m.table}")::int AS own, (${tables})::int AS "all", (SELECT count(*) FROM audit_log)::int AS audit`,
      );
      return r;
    };
    const liveIds = async (m: ModelDef) =>
      (await dbOf(s.store).query<{ id: number }>(`SELECT id FROM "${m.table}" WHERE NOT deleted ORDER BY id`)).map((r) => Number(r.id));
    // The body's text, each RefPick turned into the id of a live row of the referenced model.
    const bodyText = async (m: ModelDef, b: Record<string, unknown>) => {
      const out: Record<string, unknown> = {};
      for (const [f, v] of Object.entries(b)) {
        if (!(v instanceof RefPick)) out[f] = v;
        else {
          const ids = await liveIds(byName.get(m.fields[f].ref!)!);
          out[f] = ids.length ? ids[v.index % ids.length] : v.index + 1;
        }
      }
      return toJsonText(out);
    };
    before(async () => {
      console.log(`# input fuzz (${backend}): XOS_FUZZ_SEED=${seed}`);
      s = await startTestServer(backend);
      adminId = (await s.call(ADMIN, 'GET', '/api/auth/me')).body.user.id;
    });
    after(() => s?.close());

    test('list filters: any field (known or not) × any operator × any value is a 200 or a 400 naming the filter', async (t) => {
      const statuses = tally();
      // A field of the model (or not), an operator (or not), and a value of the field's type or
      // anything else.
      const field = (m: ModelDef) => fc.oneof({ arbitrary: fc.constantFrom(...Object.keys(m.fields)), weight: 5 }, fc.string({ maxLength: 8 }), fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'));
      const value = (m: ModelDef, f: string) => (Object.hasOwn(m.fields, f) ? fc.oneof({ arbitrary: plausibleFilter(m.fields[f]), weight: 2 }, filterValue) : filterValue);
      const filter = (m: ModelDef) =>
        fc
          .tuple(field(m), filterOp, fc.boolean())
          .chain(([f, op, bare]) => fc.tuple(fc.constant(op === 'eq' && bare ? f : `${f}__${op}`), value(m, f)))
          .map(([k, v]) => `${encodeQuery(k)}=${encodeQuery(v)}`);
      const param = (m: ModelDef) =>
        fc.oneof(
          { arbitrary: filter(m), weight: 6 },
          fc.tuple(fc.constantFrom('search', 'sort', 'limit', 'offset'), filterValue).map(([k, v]) => `${k}=${encodeQuery(v)}`),
          fc.tuple(field(m), brokenEscape).map(([f, e]) => `${encodeQuery(f)}=a${e}`),
        );
      await fc.assert(
        fc.asyncProperty(modelAnd((m) => fc.array(param(m), { minLength: 1, maxLength: 2 })), async ([name, params]) => {
          const m = byName.get(name)!;
          const url = `/api/core/${m.plural}?${params.join('&')}`;
          const r = await s.call(ADMIN, 'GET', url);
          statuses.add(r.status);
          assertClearRefusal(r, `GET ${url.slice(0, 300)}`);
          assert.ok(r.status === 200 || r.status === 400, `GET ${url.slice(0, 300)} → ${r.status}`);
        }),
        options(1200),
      );
      t.diagnostic(`statuses ${statuses}`);
    });

    // Plausible values for some fields (on create, mostly every required one), then up to two
    // fields, or a field that is not writable or does not exist, set to anything at all: a body
    // with one bad value among good ones is the one that reaches the database.
    const body = (m: ModelDef, mode: 'create' | 'update') => {
      const writable = writableFields(m, mode);
      const spec = Object.fromEntries(writable.map(([f, d]) => [f, plausibleValue(d)]));
      const required = mode === 'create' ? writable.filter(([, d]) => d.required).map(([f]) => f) : [];
      const fields = fc.oneof({ arbitrary: fc.record(spec, { requiredKeys: required }), weight: 3 }, fc.record(spec, { requiredKeys: [] }));
      const key = fc.oneof({ arbitrary: fc.constantFrom(...writable.map(([f]) => f)), weight: 4 }, fc.constantFrom(...Object.keys(m.fields)), fc.string({ maxLength: 8 }));
      const overrides = fc.array(fc.tuple(key, weirdValue), { maxLength: 2 });
      return fc.tuple(fields, overrides).map(([b, o]) => ({ ...b, ...Object.fromEntries(o) }) as Record<string, unknown>);
    };

    test('create bodies: never a 5xx; a refused create adds no row anywhere and no audit entry', async (t) => {
      const statuses = tally();
      await fc.assert(
        fc.asyncProperty(modelAnd((m) => body(m, 'create')), async ([name, b]) => {
          const m = byName.get(name)!;
          const text = await bodyText(m, b);
          const before = await census(m);
          const r = await s.call(ADMIN, 'POST', `/api/core/${m.plural}`, text);
          statuses.add(r.status);
          const what = `POST /api/core/${m.plural} ${text.slice(0, 400)}`;
          assertClearRefusal(r, what);
          const now = await census(m);
          if (r.status === 201) assert.equal(now.own, before.own + 1, `${what}: one new row`);
          else assert.deepEqual(now, before, `${what} → ${r.status}: rows or audit entries left behind`);
        }),
        options(1000),
      );
      t.diagnostic(`statuses ${statuses}`);
    });

    test('PATCH bodies: never a 5xx; a refused change alters no row and writes no audit entry', async (t) => {
      const statuses = tally();
      await fc.assert(
        fc.asyncProperty(modelAnd((m) => fc.tuple(body(m, 'update'), fc.nat())), async ([name, [b, pick]]) => {
          const m = byName.get(name)!;
          // A live row of the model (not the admin we act as: a PATCH could lock us out).
          const ids = (await liveIds(m)).filter((id) => !(m.name === 'User' && id === adminId));
          const id = ids.length ? ids[pick % ids.length] : 2147483647; // none: a 404 is still an answer to check
          const version = async () => (await dbOf(s.store).query<{ version: number }>(`SELECT version FROM "${m.table}" WHERE id = $1`, [id]))[0]?.version;
          const text = await bodyText(m, b);
          const before = { census: await census(m), version: await version() };
          const r = await s.call(ADMIN, 'PATCH', `/api/core/${m.plural}/${id}`, text);
          statuses.add(r.status);
          const what = `PATCH /api/core/${m.plural}/${id} ${text.slice(0, 400)}`;
          assertClearRefusal(r, what);
          const now = { census: await census(m), version: await version() };
          assert.equal(now.census.all, before.census.all, `${what}: a PATCH adds no rows`);
          if (r.status >= 300) assert.deepEqual(now, before, `${what} → ${r.status}: the row or the audit log changed`);
        }),
        options(1000),
      );
      t.diagnostic(`statuses ${statuses}`);
    });
  });
}
