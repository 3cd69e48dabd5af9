// The synchronizer's side of the store: finding and leasing pending rows, writing what a
// reconcile observed and concluded, purging rows whose backend resources are gone, and waking
// rows early. Every write here is a report on the backend, never a change of desired state: the
// version (the ETag that people's edits are checked against) and `updated` stay.
//
// A row is pending when its desired state is newer than what the backend last matched (enacted),
// when it is soft-deleted, or when it was never synced; it is skipped while another worker holds
// its lease, while its retry time lies ahead, and after a terminal error until someone changes
// it. The claim query reads the partial pending index of every synced table.
import type { ModelDef, Row } from '../model/types.js';
import { referencesTo } from '../model/registry.js';
import type { Queryable } from './db.js';
import { compile, equalities, ident, join, sql, type Frag } from './sql.js';
import type { Actor, Authorize, ChangeNotice } from './repository.js';
import { NotFoundError } from '../model/errors.js';

// `updated` exactly as the database holds it (microseconds; a JS Date keeps milliseconds), so
// that enacted can be set to precisely the desired state that was reconciled.
export const UPDATED_AS_CLAIMED = '__updated_claimed';
// On a claimed row that someone changed within the last FRESH_SECONDS (by the database's clock):
// for how many more milliseconds it counts as a change a person just made, which the engine
// starts before older work. 0 for the others.
export const FRESH_MS = '__fresh_ms';
export const FRESH_SECONDS = 2;

// What a reconcile leaves on its row.
export interface SyncWrite {
  reported: Row; // backend_code, backend_status, backend_reason, backend_request_id, backend ids
  enacted?: unknown; // when the backend matched: the `updated` that was reconciled
  retryInSeconds: number | null; // null: no retry scheduled (done, or waiting for a change)
  retryCount?: number; // unchanged when absent
  notify: boolean; // the reported state changed: tell the pages that show it
  // The lease the outcome was reached under: when another worker has taken the row since (this
  // one's lease ran out), the outcome is stale and is not written.
  owner?: string;
}

// The store's own bookkeeping, which this part shares.
export interface StoreCore {
  db: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> };
  notify(q: Queryable, n: ChangeNotice): Promise<void>;
  audit(q: Queryable, actor: Actor, action: string, m: ModelDef, id: number | null, changes: unknown): Promise<void>;
  context(q?: Queryable): import('../model/types.js').ModelContext;
}

// A row that is pending, due and not leased: what claim() takes.
const claimable = sql`(deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync
           AND (next_retry IS NULL OR next_retry <= now())
           AND (lease_until IS NULL OR lease_until < now())
           AND (deleted OR backend_reason IS DISTINCT FROM 'unrecoverable' OR last_sync IS NULL OR last_sync < updated)`;

export class SyncState {
  constructor(private readonly core: StoreCore) {}

  private async run<R = Row>(f: Frag, q: Queryable = this.core.db): Promise<R[]> {
    const c = compile(f);
    return q.query<R>(c.text, c.values);
  }

  // Which of these models have rows to claim now: one query for all of them, so that an idle
  // engine asks the database once per look, not once per model.
  async due(ms: ModelDef[]): Promise<Set<string>> {
    if (!ms.length) return new Set();
    const probes = ms.map((m) => sql`SELECT ${m.name}::text AS model WHERE EXISTS (SELECT 1 FROM ${ident(m.table)} WHERE ${claimable} LIMIT 1)`);
    return new Set((await this.run<{ model: string }>(join(probes, ' UNION ALL '))).map((r) => r.model));
  }

  // Leases up to `limit` pending rows of a model for `owner`. Rows whose lease ran out come first:
  // their worker died while on them, so they are the longest overdue, and a survivor takes over
  // a dead process's rows before it gets to its own requeued ones. Then changes (no retry
  // scheduled) before retries, and among changes the ones made just now first.
  claim(m: ModelDef, owner: string, limit: number, leaseSeconds: number): Promise<Row[]> {
    const t = ident(m.table);
    const fresh = sql`updated > now() - make_interval(secs => ${FRESH_SECONDS})`;
    return this.run(sql`
      WITH c AS (
        SELECT id FROM ${t}
         WHERE ${claimable}
         ORDER BY lease_until IS NULL, next_retry NULLS FIRST, ${fresh} DESC, id
         LIMIT ${limit}
         FOR UPDATE SKIP LOCKED)
      UPDATE ${t} SET lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseSeconds})
        FROM c WHERE ${t}.id = c.id
      RETURNING ${t}.*, ${t}.updated::text AS ${ident(UPDATED_AS_CLAIMED)}, CASE WHEN ${fresh} AND next_retry IS NULL
                THEN ${FRESH_SECONDS * 1000} - 1000 * extract(epoch FROM now() - updated) ELSE 0 END::float8 AS ${ident(FRESH_MS)}`);
  }

  // Gives a lease back without an outcome (the worker will not get to it now).
  async release(m: ModelDef, id: number, owner: string) {
    await this.run(sql`UPDATE ${ident(m.table)} SET lease_owner = NULL, lease_until = NULL WHERE id = ${id} AND lease_owner = ${owner}`);
  }

  // A live worker keeps the leases of the rows it still works on.
  async renew(m: ModelDef, ids: number[], owner: string, leaseSeconds: number) {
    await this.run(
      sql`UPDATE ${ident(m.table)} SET lease_until = now() + make_interval(secs => ${leaseSeconds}) WHERE id = ANY(${ids}) AND lease_owner = ${owner}`,
    );
  }

  // Rows that match their backend but were last checked long ago become due again, so that
  // drift (a server deleted behind XOS's back) is noticed. Returns how many.
  async markStale(m: ModelDef, olderThanSeconds: number, limit: number): Promise<number> {
    const t = ident(m.table);
    const rows = await this.run(sql`
      UPDATE ${t} SET enacted = NULL
       WHERE id IN (SELECT id FROM ${t}
                     WHERE NOT deleted AND NOT no_sync AND backend_code = 1
                       AND last_sync < now() - make_interval(secs => ${olderThanSeconds})
                     ORDER BY last_sync LIMIT ${limit})
      RETURNING id`);
    return rows.length;
  }

  // The outcome of one reconcile: the reported state, the lease released, the next look.
  async writeOutcome(m: ModelDef, row: Row, w: SyncWrite): Promise<boolean> {
    const sets: Frag[] = [
      sql`last_sync = now()`,
      sql`lease_owner = NULL`,
      sql`lease_until = NULL`,
      ...Object.entries(w.reported)
        .filter(([f]) => m.fields[f])
        .map(([f, v]) => sql`${ident(f)} = ${m.fields[f].type === 'json' ? JSON.stringify(v) : v}`),
      w.retryInSeconds === null ? sql`next_retry = NULL` : sql`next_retry = now() + make_interval(secs => ${w.retryInSeconds})`,
    ];
    if (w.enacted !== undefined) sets.push(sql`enacted = ${w.enacted}::timestamptz`);
    if (w.retryCount !== undefined) sets.push(sql`retry_count = ${w.retryCount}`);
    const fence = w.owner === undefined ? sql`true` : sql`lease_owner IS NOT DISTINCT FROM ${w.owner}`;
    const [r] = await this.run<{ version: number }>(sql`UPDATE ${ident(m.table)} SET ${join(sets, ', ')} WHERE id = ${row.id} AND ${fence} RETURNING version`);
    if (r && w.notify) await this.core.notify(this.core.db, { model: m.name, id: Number(row.id), op: 'sync', version: Number(r.version) });
    return Boolean(r) && w.notify;
  }

  // What the backend reports on a row besides its status (addresses, ids of what was made).
  async setObserved(m: ModelDef, id: number, fields: Row) {
    const sets = Object.entries(fields)
      .filter(([f]) => m.fields[f] && !['updated', 'version', 'deleted', 'created', 'id'].includes(f))
      .map(([f, v]) => sql`${ident(f)} = ${m.fields[f].type === 'json' ? JSON.stringify(v) : v}`);
    if (!sets.length) return;
    const [r] = await this.run<{ version: number }>(sql`UPDATE ${ident(m.table)} SET ${join(sets, ', ')} WHERE id = ${id} RETURNING version`);
    if (r) await this.core.notify(this.core.db, { model: m.name, id, op: 'sync', version: Number(r.version) });
  }

  // A row's own desired state did not change, but what it is made from did (a Port whose network
  // changed its forwarded ports): it is due again at once, as if it had changed itself.
  async markDue(m: ModelDef, id: number) {
    const [r] = await this.run<{ version: number }>(
      sql`UPDATE ${ident(m.table)} SET updated = now(), next_retry = NULL, retry_count = 0 WHERE id = ${id} AND NOT deleted RETURNING version`,
    );
    if (r) await this.core.notify(this.core.db, { model: m.name, id, op: 'update', version: Number(r.version) });
  }

  // A row reports anew, now rather than after its backoff (a link row it rolls up changed state).
  async recheck(m: ModelDef, id: number) {
    await this.run(sql`UPDATE ${ident(m.table)} SET enacted = NULL, next_retry = NULL WHERE id = ${id} AND NOT deleted`);
  }

  // A deleted row that waits for the rows referring to it to go is tried again now. Returns
  // whether there was one.
  async wakeDeleted(m: ModelDef, id: number): Promise<boolean> {
    const hit = await this.run(
      sql`UPDATE ${ident(m.table)} SET next_retry = NULL WHERE id = ${id} AND deleted AND backend_reason = 'dependency' AND next_retry IS NOT NULL RETURNING id`,
    );
    return hit.length > 0;
  }

  // Rows that wait on another row are tried again now: that row's state changed. Removals too: a
  // slice's project waits for its instances and networks to go.
  async wakeWaiting(m: ModelDef, ids: number[]): Promise<number> {
    const hit = await this.run(
      sql`UPDATE ${ident(m.table)} SET next_retry = NULL WHERE id = ANY(${ids}) AND backend_reason = 'dependency' AND next_retry IS NOT NULL RETURNING id`,
    );
    return hit.length;
  }

  // Rows requeued to look at the cloud later are due now (not leased: one under way is left to
  // write its outcome). They stay background work: their next_retry is set, not cleared.
  async wakeRequeued(m: ModelDef, ids: number[]): Promise<number> {
    const hit = await this.run(
      sql`UPDATE ${ident(m.table)} SET next_retry = now() WHERE id = ANY(${ids}) AND next_retry > now() AND (lease_until IS NULL OR lease_until < now()) RETURNING id`,
    );
    return hit.length;
  }

  // Live and soft-deleted rows with these values, in id order.
  findAll(m: ModelDef, where: Row): Promise<Row[]> {
    const conds = equalities(where);
    return this.run(sql`SELECT * FROM ${ident(m.table)}${conds.length ? sql` WHERE ${join(conds, ' AND ')}` : sql``} ORDER BY id`);
  }

  // Any row, deleted or not (a reconciler removing a row reads what it referred to).
  async get(m: ModelDef, id: number): Promise<Row | null> {
    if (!Number.isInteger(id)) return null;
    const [row] = await this.run(sql`SELECT * FROM ${ident(m.table)} WHERE id = ${id}`);
    return row ?? null;
  }

  // A soft-deleted row whose backend resources are gone leaves the database for good, with the
  // soft-deleted rows of unsynced models that hang off it (a slice's NetworkSlices): they have no
  // backend state to wait for, and their foreign keys would otherwise hold it forever. False when
  // rows still refer to it.
  async purge(m: ModelDef, row: Row): Promise<boolean> {
    try {
      await this.core.db.transaction(async (tx) => {
        await this.purgeUnsyncedDependents(tx, m, Number(row.id));
        await this.run(sql`DELETE FROM ${ident(m.table)} WHERE id = ${row.id} AND deleted = true`, tx);
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23503') return false;
      throw e;
    }
    await this.core.notify(this.core.db, { model: m.name, id: Number(row.id), op: 'delete', version: Number(row.version) });
    return true;
  }

  private async purgeUnsyncedDependents(tx: Queryable, m: ModelDef, id: number) {
    for (const { model: dep, field } of referencesTo(m.name)) {
      if (dep.synced) continue; // purged by its own reconciler once its backend resource is gone
      const rows = await this.run<{ id: number }>(sql`SELECT id FROM ${ident(dep.table)} WHERE ${ident(field)} = ${id} AND deleted = true`, tx);
      for (const r of rows) {
        await this.purgeUnsyncedDependents(tx, dep, r.id);
        await this.run(sql`DELETE FROM ${ident(dep.table)} WHERE id = ${r.id}`, tx);
      }
    }
  }

  // "Retry now": the backoff is lifted (and a terminal error with it), for those allowed to
  // change the row; recorded in the audit log.
  async retry(m: ModelDef, id: number, actor: Actor, o: { scope?: Frag; authorize?: Authorize } = {}): Promise<Row> {
    return this.core.db.transaction(async (tx) => {
      const [before] = await this.run(sql`SELECT t.* FROM ${ident(m.table)} t WHERE t.id = ${id} AND t.deleted = false AND ${o.scope ?? sql`true`} FOR UPDATE`, tx);
      if (!before) throw new NotFoundError(`${m.name} ${id}`);
      await o.authorize?.(before, before, this.core.context(tx));
      // Clearing last_sync also lifts a terminal error, which otherwise waits for a change.
      const [after] = await this.run(sql`UPDATE ${ident(m.table)} SET next_retry = NULL, retry_count = 0, last_sync = NULL WHERE id = ${id} RETURNING *`, tx);
      await this.core.audit(tx, actor, 'retry', m, id, { next_retry: [before.next_retry ?? null, null], retry_count: [before.retry_count ?? 0, 0] });
      await this.core.notify(tx, { model: m.name, id, op: 'sync', version: Number(after.version) });
      return after;
    });
  }
}
