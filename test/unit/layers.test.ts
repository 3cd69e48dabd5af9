// The architecture, checked on the source: imports point one way (ARCHITECTURE.md), nothing under
// sync/ knows a backend, and the database handle stays inside src/store, so that every write
// goes through the store's bookkeeping (versions, audit, change notices).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

// What each folder may import besides itself; a folder not listed may import nothing of src.
const ALLOWED: Record<string, string[]> = {
  net: [],
  config: [],
  model: ['net'],
  store: ['model', 'net', 'config'],
  auth: ['model', 'store', 'config'],
  sync: ['model', 'store', 'net', 'config'],
  ops: ['model', 'store', 'auth', 'net', 'config'],
  openstack: ['model', 'net', 'sync', 'ops', 'config'],
  api: ['model', 'store', 'auth', 'sync', 'ops', 'net', 'config', 'version.ts'],
  cli: ['model', 'store', 'auth', 'sync', 'ops', 'net', 'config', 'api', 'openstack', 'version.ts'],
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

// Every import of a module of src, as the top-level folder (or file) it lands in.
function importsOf(file: string): { spec: string; target: string }[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((spec) => {
    const rel = path.relative(SRC, path.resolve(path.dirname(file), spec));
    return { spec, target: rel.split(path.sep)[0].replace(/\.js$/, '.ts') };
  });
}

const files = sources(SRC);
const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0];

test('imports point one way', () => {
  const wrong: string[] = [];
  for (const f of files) {
    const from = folderOf(f);
    if (from.endsWith('.ts')) continue; // version.ts
    for (const { spec, target } of importsOf(f)) {
      if (target === from || target.startsWith('..')) continue;
      if (!(ALLOWED[from] ?? []).includes(target)) wrong.push(`${path.relative(SRC, f)} imports ${spec} (${from} -> ${target})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the database handle is private to src/store', () => {
  const reaching: string[] = [];
  for (const f of files) {
    if (folderOf(f) === 'store') continue;
    const text = fs.readFileSync(f, 'utf8');
    for (const { spec } of importsOf(f)) if (/store\/(db|inspect)\.js$/.test(spec)) reaching.push(`${path.relative(SRC, f)} imports ${spec}`);
    for (const m of text.matchAll(/\b(?:store|this\.store)\.db\b|\bdb\.(?:query|transaction|listen)\(|\.query\(\s*[`'"](?:SELECT|INSERT|UPDATE|DELETE|WITH)/g))
      reaching.push(`${path.relative(SRC, f)}: ${m[0]}`);
  }
  assert.deepEqual(reaching, []);
});

test('the checks see the code: an import from outside the store into it is found', () => {
  // The rules above must be able to fail: the store's own files reach the handle, by design.
  const inside = files.filter((f) => folderOf(f) === 'store').flatMap((f) => fs.readFileSync(f, 'utf8').match(/\bdb\.(?:query|transaction|listen)\(/g) ?? []);
  assert.ok(inside.length > 5, 'the pattern finds database calls where they are');
  assert.ok(files.length > 50);
});
