// Every configuration key does something: each key of the schema is read somewhere in XOS (not
// only passed along), and each key the README's example file shows exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const code = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? code(p) : e.name.endsWith('.ts') && !p.includes(`${path.sep}config${path.sep}`) ? [fs.readFileSync(p, 'utf8')] : [];
  });

test('every key of the configuration is read outside the loader', () => {
  const src = code(path.join(ROOT, 'src')).join('\n');
  const unread = Object.entries(configSchema).flatMap(([section, keys]) =>
    Object.keys(keys).filter((k) => !new RegExp(`config\\.${section}\\.${k}\\b`).test(src)).map((k) => `[${section}] ${k}`),
  );
  assert.deepEqual(unread, []);
});

test("every key in the README's example configuration exists", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /```ini\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README shows an example xos_config');
  let section = '';
  const unknown: string[] = [];
  for (const line of block.split('\n')) {
    const s = /^\[(\w+)\]/.exec(line);
    if (s) section = s[1];
    const k = /^(\w+)\s*=/.exec(line);
    if (k && !(k[1] in ((configSchema as Record<string, object>)[section] ?? {}))) unknown.push(`[${section}] ${k[1]}`);
  }
  assert.deepEqual(unknown, []);
});
