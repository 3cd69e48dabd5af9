// A client generated from the document, as a user would make it: openapi-typescript turns
// /api/openapi.json into types, and a small client in strict TypeScript (list, get, create,
// update with If-Match, delete, a problem) compiles against them without a cast. The project's
// own types for the same answers (the row types, the list page, what the web UI and the CLI
// read) are checked to be the generated ones, so a contract change that breaks them fails here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { startTestServer, type TestServer } from '../helpers/xos.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Under node_modules, so that the compiler finds the type packages the project's files need.
const DIR = path.join(ROOT, 'node_modules', '.cache', `xos-openapi-client-${process.pid}`);

let s: TestServer;
before(async () => {
  s = await startTestServer('pglite');
  fs.mkdirSync(DIR, { recursive: true });
  const doc = (await s.call(null, 'GET', '/api/openapi.json')).body;
  fs.writeFileSync(path.join(DIR, 'xos-api.ts'), astToString(await openapiTS(doc)));
});
after(async () => {
  fs.rmSync(DIR, { recursive: true, force: true });
  await s.close();
});

const CLIENT = `
import type { components, operations } from './xos-api';

type Schemas = components['schemas'];
type SliceList = Schemas['SliceList'];
type Slice = Schemas['Slice'];
type Problem = Schemas['Problem'];

const base = 'http://127.0.0.1:8000/api/core/slices';
const json = { 'content-type': 'application/json' };

export async function list(): Promise<{ id: number; total: number; next: string | null; names: string[] }> {
  const page: SliceList = await (await fetch(base)).json();
  const id: number = page.items[0].id;
  const total: number = page.total;
  const created: string = page.items[0].created;
  const version: number = page.items[0].version;
  const description: string | null = page.items[0].description;
  void created, version, description;
  return { id, total, next: page.next, names: page.items.map((s) => s.name) };
}

export async function get(id: number): Promise<{ slice: Slice; etag: string }> {
  const res = await fetch(base + '/' + id);
  const slice: Slice = await res.json();
  const etag: operations['getSlice']['responses'][200]['headers']['ETag'] = res.headers.get('etag') ?? '';
  return { slice, etag };
}

export async function create(): Promise<Slice | Problem> {
  const body: Schemas['SliceCreate'] = { name: 'mysite_web', site: 1, max_instances: 4 };
  const res = await fetch(base, { method: 'POST', headers: json, body: JSON.stringify(body) });
  if (res.status === 201) {
    const made: operations['createSlice']['responses'][201]['content']['application/json'] = await res.json();
    return made;
  }
  const problem: operations['createSlice']['responses'][409]['content']['application/problem+json'] = await res.json();
  return problem;
}

export async function update(id: number): Promise<Slice> {
  const { etag } = await get(id);
  const patch: Schemas['SliceUpdate'] = { description: 'web servers', max_instances: 8 };
  const conditions: operations['updateSlice']['parameters']['header'] = { 'if-match': etag };
  const res = await fetch(base + '/' + id, { method: 'PATCH', headers: { ...json, ...conditions }, body: JSON.stringify(patch) });
  if (res.status === 412) throw new Error('changed meanwhile: ' + (await problemOf(res)).detail);
  const changed: Slice = await res.json();
  return changed;
}

export async function remove(id: number, etag: string): Promise<boolean> {
  const res = await fetch(base + '/' + id, { method: 'DELETE', headers: { 'if-match': etag } });
  const gone: operations['deleteSlice']['responses'][204]['content'] = undefined;
  void gone;
  return res.status === 204;
}

export async function problemOf(res: Response): Promise<{ status: number; detail: string; fields: string[] }> {
  const p: Problem = await res.json();
  const title: string = p.title;
  const type: string = p.type;
  void title, type;
  return { status: p.status, detail: p.detail, fields: (p.errors ?? []).map((e) => e.field + ': ' + e.message) };
}
`;

// What would not compile if the document said less (or more) than the truth.
const WRONG = `
import type { components } from './xos-api';
declare const slice: components['schemas']['Slice'];
export const description: string = slice.description; // may be null
export const nope: unknown = slice.no_such_field;
export const missing: components['schemas']['SliceCreate'] = { name: 'mysite_x' }; // site is required
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Checks = { 'a page without next': Same<{ items: components['schemas']['Slice'][]; total: number }, components['schemas']['SliceList']> };
type Disagree = { [K in keyof Checks]: Checks[K] extends true ? never : K }[keyof Checks];
export const agree: [Disagree] extends [never] ? true : Disagree = true;
`;

const same = (a: string, b: string, label: string) => `  ${JSON.stringify(label)}: Same<${a}, ${b}>;`;
const PROJECT = `
import type { components, paths } from './xos-api';
import type { ApiRows } from '${ROOT}src/model/rows';
import type { ListResult, Me, RowOf, Stats, UiConfig } from '${ROOT}ui/src/api';
import type { ImportSummary } from '${ROOT}src/ops/import-controller';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer T } } } } ? T : never;
type Checks = { [N in keyof ApiRows as \`the row type of \${N}\`]: Same<ApiRows[N], components['schemas'][N]> } & {
${same("ListResult<RowOf<'slices'>>", "components['schemas']['SliceList']", 'the web UI reads a list page')}
${same('Me', "Body<'/api/auth/me', 'get'>", 'the web UI reads who is logged in')}
${same('UiConfig', "Body<'/api/ui/config', 'get'>", 'the web UI reads its configuration')}
${same('Stats', "Body<'/api/stats', 'get'>", 'the dashboard reads the statistics')}
${same('ImportSummary', "Body<'/api/core/controllers/{id}/import', 'post'>", 'the CLI reads an import')}
};
type Disagree = { [K in keyof Checks]: Checks[K] extends true ? never : K }[keyof Checks];
export const agree: [Disagree] extends [never] ? true : Disagree = true;
`;

function tsc(files: string[]): Promise<{ code: number; out: string }> {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: ['node'],
      skipLibCheck: true,
      jsx: 'react-jsx',
    },
    files,
  };
  const project = path.join(DIR, `tsconfig-${files.length}-${path.basename(files.at(-1)!)}.json`);
  fs.writeFileSync(project, JSON.stringify(config));
  return new Promise((resolve) =>
    execFile(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: DIR }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

test('a strict client compiles against the generated types, without a cast', async () => {
  assert.doesNotMatch(CLIENT, /\bas\b|<[A-Z]\w*>\s*\(|!\./, 'no casts, no non-null assertions');
  fs.writeFileSync(path.join(DIR, 'client.ts'), CLIENT);
  const r = await tsc(['xos-api.ts', 'client.ts']);
  assert.equal(r.code, 0, r.out);
});

test('the generated types are strict: reading a nullable field as always set, an unknown field, leaving out a required input, or a type that differs do not compile', async () => {
  fs.writeFileSync(path.join(DIR, 'wrong.ts'), WRONG);
  const r = await tsc(['xos-api.ts', 'wrong.ts']);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /wrong\.ts\(4,14\).*Type 'string \| null' is not assignable to type 'string'/);
  assert.match(r.out, /wrong\.ts\(5,36\).*Property 'no_such_field' does not exist/);
  assert.match(r.out, /wrong\.ts\(6,14\).*Property 'site' is missing/);
  assert.match(r.out, /wrong\.ts\(10,14\).*Type 'true' is not assignable to type '"a page without next"'/, 'the check of the project\'s types can fail');
});

test("the project's own types for rows, list pages, and what the web UI and the CLI read are the generated ones", async () => {
  fs.writeFileSync(path.join(DIR, 'project.ts'), PROJECT);
  const r = await tsc(['xos-api.ts', 'project.ts']);
  assert.equal(r.code, 0, r.out);
});
