// `xos db export`: the whole database as SQL that restores into an empty PostgreSQL database
// (psql -f), schema and migration history included, so XOS can move from the embedded database
// to a server without any other tool.
import fs from 'node:fs';
import path from 'node:path';
import { fromPackageRoot } from '../config/package-root.js';
import { models } from '../model/registry.js';
import type { ModelDef } from '../model/types.js';
import type { Db } from './db.js';

const migrationsFolder = fromPackageRoot('migrations');

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return `'${v.toISOString()}'`;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return `'{${v.join(',')}}'`;
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `'${s.replace(/'/g, "''")}'`;
}

// Tables in an order where every reference points to a table already filled.
function tableOrder(): ModelDef[] {
  const done = new Set<string>();
  const out: ModelDef[] = [];
  const visit = (m: ModelDef, stack: string[]) => {
    if (done.has(m.name)) return;
    if (stack.includes(m.name)) throw new Error(`reference cycle: ${[...stack, m.name].join(' → ')}`);
    for (const d of Object.values(m.fields))
      if (d.type === 'ref' && d.ref !== m.name) visit(models.find((x) => x.name === d.ref)!, [...stack, m.name]);
    done.add(m.name);
    out.push(m);
  };
  models.forEach((m) => visit(m, []));
  return out;
}

export async function exportSql(db: Db, out: NodeJS.WritableStream) {
  const write = (s: string) => out.write(s + '\n');
  write('-- XOS database export. Restore into an empty PostgreSQL database: psql -v ON_ERROR_STOP=1 -f <file>');
  write('BEGIN;');
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  const applied = await db.query<{ hash: string; created_at: string }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id');
  for (const e of journal.entries) write(fs.readFileSync(path.join(migrationsFolder, `${e.tag}.sql`), 'utf8').replace(/--> statement-breakpoint/g, ''));
  write('CREATE SCHEMA IF NOT EXISTS drizzle;');
  write('CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);');
  for (const a of applied) write(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${literal(a.hash)}, ${literal(Number(a.created_at))});`);
  const tables = [...tableOrder().map((m) => m.table), 'api_tokens', 'audit_log'];
  for (const table of tables) {
    const rows = await db.query(`SELECT * FROM "${table}" ORDER BY id`);
    if (!rows.length) continue;
    const cols = Object.keys(rows[0]);
    write(`-- ${table}: ${rows.length} rows`);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500).map((r) => `(${cols.map((c) => literal(r[c])).join(', ')})`);
      write(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES\n${chunk.join(',\n')};`);
    }
    write(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT max(id) FROM "${table}"));`);
  }
  write('COMMIT;');
}
