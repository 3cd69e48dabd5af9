// The rows that changed since a moment, as the change notices they would have sent: what a
// listener whose feed was interrupted (the database restarted) missed. A row made since then is a
// "create", one deleted since a "delete", one whose desired state changed an "update", one whose
// synchronizer report changed (last_sync) a "sync". Rows purged meanwhile left nothing to find.
import type { ModelDef } from '../model/types.js';
import type { Queryable } from './db.js';
import { compile, ident, join, sql } from './sql.js';
import type { ChangeNotice } from './repository.js';

export async function changesSince(db: Queryable, models: ModelDef[], since: Date, limit: number): Promise<ChangeNotice[]> {
  if (!models.length) return [];
  const parts = models.map((m) => {
    const moved = m.synced ? sql`(updated >= ${since} OR last_sync >= ${since})` : sql`updated >= ${since}`;
    const op = m.synced
      ? sql`CASE WHEN deleted THEN 'delete' WHEN created >= ${since} THEN 'create' WHEN updated >= ${since} THEN 'update' ELSE 'sync' END`
      : sql`CASE WHEN deleted THEN 'delete' WHEN created >= ${since} THEN 'create' ELSE 'update' END`;
    return sql`(SELECT ${m.name}::text AS model, id, ${op} AS op, version FROM ${ident(m.table)} WHERE ${moved} LIMIT ${limit})`;
  });
  const c = compile(join(parts, ' UNION ALL '));
  const rows = await db.query<{ model: string; id: number; op: ChangeNotice['op']; version: number }>(c.text, c.values);
  return rows.slice(0, limit).map((r) => ({ model: r.model, id: Number(r.id), op: r.op, version: Number(r.version) }));
}
