// Finding and leasing pending work. A row is pending when its desired state is newer than what
// the backend last matched (enacted), when it is soft-deleted, or when it was never synced; it is
// skipped while another worker holds its lease, while its retry time lies ahead, and after a
// terminal error until someone changes it. The query reads the partial index of DESIGN.md §5.
import type { ModelDef, Row } from '../model/types.js';
import type { Store } from '../store/repository.js';
import { compile, ident, sql } from '../store/sql.js';

// `updated` exactly as the database holds it (microseconds; a JS Date keeps milliseconds), so
// that enacted can be set to precisely the desired state that was reconciled.
export const UPDATED_AS_CLAIMED = '__updated_claimed';

export async function claim(store: Store, m: ModelDef, owner: string, limit: number, leaseSeconds: number): Promise<Row[]> {
  const t = ident(m.table);
  const q = compile(sql`
    WITH c AS (
      SELECT id FROM ${t}
       WHERE (deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync
         AND (next_retry IS NULL OR next_retry <= now())
         AND (lease_until IS NULL OR lease_until < now())
         AND (deleted OR backend_reason IS DISTINCT FROM 'unrecoverable' OR last_sync IS NULL OR last_sync < updated)
       ORDER BY next_retry NULLS FIRST, id
       LIMIT ${limit}
       FOR UPDATE SKIP LOCKED)
    UPDATE ${t} SET lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseSeconds})
      FROM c WHERE ${t}.id = c.id
    RETURNING ${t}.*, ${t}.updated::text AS ${ident(UPDATED_AS_CLAIMED)}`);
  return store.db.query(q.text, q.values);
}

// Give a lease back without an outcome (the worker will not get to it now).
export async function release(store: Store, m: ModelDef, id: number, owner: string) {
  await store.db.query(`UPDATE "${m.table}" SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`, [id, owner]);
}

// Rows that match their backend but were last checked long ago: the periodic resync re-reads
// them so that drift (a server deleted behind XOS's back) is noticed.
export async function markStale(store: Store, m: ModelDef, olderThanSeconds: number, limit: number): Promise<number> {
  const t = ident(m.table);
  const q = compile(sql`
    UPDATE ${t} SET enacted = NULL
     WHERE id IN (SELECT id FROM ${t}
                   WHERE NOT deleted AND NOT no_sync AND backend_code = 1
                     AND last_sync < now() - make_interval(secs => ${olderThanSeconds})
                   ORDER BY last_sync LIMIT ${limit})
    RETURNING id`);
  return (await store.db.query(q.text, q.values)).length;
}
