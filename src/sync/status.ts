// Writing an outcome back to its row: the sync fields only, never `updated`, so that a user's
// change made while the reconciler ran stays pending.
import type { ModelDef, Row } from '../model/types.js';
import type { Store } from '../store/repository.js';
import type { Queryable } from '../store/db.js';
import { referencesTo } from '../model/registry.js';
import { compile, ident, join, sql, type Frag } from '../store/sql.js';
import type { Outcome } from './types.js';
import { UPDATED_AS_CLAIMED } from './pending.js';

export interface Backoff {
  baseSeconds: number;
  capSeconds: number;
  disabled: boolean;
}

// Capped exponential backoff with ±20 % jitter, so that many failed rows do not retry in step.
export function backoffSeconds(retryCount: number, b: Backoff, random = Math.random): number {
  if (b.disabled) return 0;
  const raw = b.baseSeconds * 2 ** Math.max(0, retryCount - 1) * (0.8 + 0.4 * random());
  return Math.round(Math.min(b.capSeconds, raw) * 10) / 10;
}

const clip = (s: string, n = 1000) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

// The row's reported state after an outcome: what people see, and what a change notice is for.
function reported(m: ModelDef, row: Row, o: Outcome): Row {
  const fields = Object.fromEntries(Object.entries(('fields' in o && o.fields) || {}).filter(([f]) => m.fields[f]));
  switch (o.kind) {
    case 'done':
      return { backend_code: 1, backend_status: clip(`1 - ${o.message ?? 'OK'}`), backend_reason: null, ...fields };
    case 'requeue':
      return { backend_code: 0, backend_status: clip(`0 - ${o.message}`), backend_reason: null, ...fields };
    case 'waiting':
      // Waiting on something that failed is a failure of this row too, and shows as one.
      return o.failed
        ? { backend_code: 2, backend_status: clip(`2 - Waiting for ${o.on}`), backend_reason: 'dependency' }
        : { backend_code: 0, backend_status: clip(`0 - Waiting for ${o.on}`), backend_reason: 'dependency' };
    case 'error':
      return {
        backend_code: 2,
        backend_status: clip(`2 - ${o.message}`),
        backend_reason: o.terminal ? 'unrecoverable' : o.reason,
        backend_request_id: o.requestId ?? null,
      };
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a instanceof Date ? a.toISOString() : a ?? null) === JSON.stringify(b instanceof Date ? b.toISOString() : b ?? null);

// Writes an outcome back: the reported state, and when to look again. The row's version (its
// ETag) stays: it covers what people change, so a status write never turns their edit into a
// conflict. A change notice goes out only when the reported state changed, so that a row that
// keeps failing the same way does not make every open page refetch at each retry. Returns
// whether the reported state changed.
export async function writeOutcome(store: Store, m: ModelDef, row: Row, o: Outcome, b: Backoff): Promise<boolean> {
  const retries = Number(row.retry_count ?? 0);
  const state = reported(m, row, o);
  const enacted = row[UPDATED_AS_CLAIMED] ?? row.updated;
  const changed =
    Object.entries(state).some(([f, v]) => !same(row[f], v)) || (o.kind === 'done' && (row.enacted == null || new Date(String(row.enacted)).getTime() !== new Date(String(enacted)).getTime()));
  const sets: Frag[] = [
    sql`last_sync = now()`,
    sql`lease_owner = NULL`,
    sql`lease_until = NULL`,
    ...Object.entries(state).map(([f, v]) => sql`${ident(f)} = ${m.fields[f].type === 'json' ? JSON.stringify(v) : v}`),
  ];
  switch (o.kind) {
    case 'done':
      // enacted takes the `updated` we reconciled: a change made meanwhile keeps the row pending.
      sets.push(sql`enacted = ${enacted}::timestamptz`, sql`next_retry = NULL`, sql`retry_count = 0`);
      break;
    case 'requeue':
      sets.push(sql`next_retry = now() + make_interval(secs => ${o.afterSeconds})`);
      break;
    case 'waiting': {
      // On a dependency that is under way: look again soon. On one that failed: back off like
      // any failure (the dependency's own retries go on meanwhile).
      const delay = o.failed ? backoffSeconds(retries + 1, b) : Math.min(30, backoffSeconds(retries + 1, { ...b, baseSeconds: 1 }));
      sets.push(sql`next_retry = now() + make_interval(secs => ${delay})`, sql`retry_count = ${retries + 1}`);
      break;
    }
    case 'error':
      // A terminal error waits for the row to change (see pending.ts); others retry.
      sets.push(
        o.terminal ? sql`next_retry = NULL` : sql`next_retry = now() + make_interval(secs => ${backoffSeconds(retries + 1, b)})`,
        sql`retry_count = ${retries + 1}`,
      );
      break;
  }
  const [r] = await store.db.query<{ version: number }>(
    ...compileArgs(sql`UPDATE ${ident(m.table)} SET ${join(sets, ', ')} WHERE id = ${row.id} RETURNING version`),
  );
  if (r && changed) await store.notify(store.db, { model: m.name, id: Number(row.id), op: 'sync', version: Number(r.version) });
  return Boolean(r) && changed;
}

// A soft-deleted row whose backend resources are gone leaves the database for good, together
// with the soft-deleted rows of unsynced models that hang off it (a slice's NetworkSlices): they
// have no backend state to wait for, and their foreign keys would otherwise hold it forever.
export async function purge(store: Store, m: ModelDef, row: Row): Promise<boolean> {
  try {
    await store.db.transaction(async (tx) => {
      await purgeUnsyncedDependents(tx, m, Number(row.id));
      await tx.query(`DELETE FROM "${m.table}" WHERE id = $1 AND deleted = true`, [row.id]);
    });
  } catch (e) {
    if ((e as { code?: string }).code === '23503') return false; // rows still point at it
    throw e;
  }
  await store.notify(store.db, { model: m.name, id: Number(row.id), op: 'delete', version: Number(row.version) });
  return true;
}

async function purgeUnsyncedDependents(tx: Queryable, m: ModelDef, id: number) {
  for (const { model: dep, field } of referencesTo(m.name)) {
    if (dep.synced) continue; // purged by its own reconciler once its backend resource is gone
    const rows = await tx.query<{ id: number }>(`SELECT id FROM "${dep.table}" WHERE "${field}" = $1 AND deleted = true`, [id]);
    for (const r of rows) {
      await purgeUnsyncedDependents(tx, dep, r.id);
      await tx.query(`DELETE FROM "${dep.table}" WHERE id = $1`, [r.id]);
    }
  }
}

const compileArgs = (f: Frag): [string, unknown[]] => {
  const c = compile(f);
  return [c.text, c.values];
};
