// The synchronizer's engine: it leases pending rows, hands each to its model's reconciler and
// writes the outcome back. It knows no backend. Change notices wake it within milliseconds; a
// timer catches due retries, and a slower one the periodic resync (with jitter). Every
// controller has its own worker slots and queue, so a slow or dead cluster never stalls the
// others.
import crypto from 'node:crypto';
import os from 'node:os';
import type { ModelDef, Row } from '../model/types.js';
import { model as modelNamed } from '../model/registry.js';
import { SYSTEM, type Store } from '../store/repository.js';
import { CHANGES_CHANNEL } from '../store/db.js';
import { compile, ident, join, sql } from '../store/sql.js';
import { claim, markStale, release } from './pending.js';
import { purge, writeOutcome, type Backoff } from './status.js';
import { SyncError, type Outcome, type Reconciler, type SyncContext } from './types.js';
import { allocateAddress, poolFor, releaseAddresses } from '../net/allocate.js';

export interface EngineOptions {
  perController?: number; // rows reconciled at once per controller
  queuePerController?: number; // rows leased ahead per controller
  leaseSeconds?: number;
  tickMs?: number; // how often due retries are looked for
  resyncSeconds?: number; // how old a synced row may get before it is re-read
  backoff?: Partial<Backoff>;
  owner?: string;
  log?: (msg: string, extra?: Row) => void;
}

interface Lane {
  running: number;
  queue: { r: Reconciler; row: Row }[];
}

export class Engine {
  readonly owner: string;
  private readonly byModel: Map<string, Reconciler>;
  private readonly lanes = new Map<string, Lane>();
  private readonly opts: Required<Omit<EngineOptions, 'backoff' | 'owner' | 'log'>> & { backoff: Backoff };
  private readonly log: (msg: string, extra?: Row) => void;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly held = new Map<ModelDef, Set<number>>(); // leased rows, renewed while held
  private resyncTimer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private scanning = false;
  private rescan = false;
  private stopped = true;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    reconcilers: Reconciler[],
    opts: EngineOptions = {},
  ) {
    this.byModel = new Map(reconcilers.map((r) => [r.model.name, r]));
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.log = opts.log ?? (() => {});
    this.opts = {
      perController: opts.perController ?? 4,
      queuePerController: opts.queuePerController ?? 16,
      leaseSeconds: opts.leaseSeconds ?? 30,
      tickMs: opts.tickMs ?? 1000,
      resyncSeconds: opts.resyncSeconds ?? 600,
      backoff: { baseSeconds: 5, capSeconds: 900, disabled: false, ...opts.backoff },
    };
  }

  // Models in dependency order: the registry lists referenced models first.
  private get order(): Reconciler[] {
    return [...this.byModel.values()];
  }

  async start() {
    this.stopped = false;
    this.unlisten = await this.store.db.listen(CHANGES_CHANNEL, (payload) => {
      // Our own status writes ('sync') must not wake us, or we would spin.
      if (!payload.includes('"op":"sync"')) this.kick();
    });
    this.timer = setInterval(() => this.kick(), this.opts.tickMs);
    // Leases are short so that a crashed worker's rows come back quickly; a live worker renews
    // the ones it still holds.
    this.heartbeat = setInterval(() => void this.renew(), (this.opts.leaseSeconds * 1000) / 3);
    const resync = () => {
      // ±20 % jitter keeps several workers (and a restart) from resyncing in step.
      const next = this.opts.resyncSeconds * 1000 * (0.8 + 0.4 * Math.random());
      this.resyncTimer = setTimeout(() => void this.resync().finally(() => !this.stopped && resync()), next);
    };
    resync();
    this.kick();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.unlisten?.();
    await this.idle();
  }

  // Resolves when nothing is queued or running (tests and shutdown).
  idle(): Promise<void> {
    if (this.busy() === 0 && !this.scanning) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private busy() {
    let n = 0;
    for (const l of this.lanes.values()) n += l.running + l.queue.length;
    return n;
  }

  private checkIdle() {
    if (this.busy() === 0 && !this.scanning) this.idleWaiters.splice(0).forEach((r) => r());
  }

  kick() {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    void this.scan();
  }

  // One look for pending rows, model by model.
  async scan(): Promise<number> {
    this.scanning = true;
    let claimed = 0;
    try {
      do {
        this.rescan = false;
        for (const r of this.order) {
          const rows = await claim(this.store, r.model, this.owner, this.opts.queuePerController, this.opts.leaseSeconds);
          claimed += rows.length;
          for (const row of rows) await this.enqueue(r, row);
        }
      } while (this.rescan && !this.stopped);
    } catch (e) {
      this.log(`scan failed: ${(e as Error).message}`);
    } finally {
      this.scanning = false;
      this.checkIdle();
    }
    return claimed;
  }

  private context(): SyncContext {
    const get = async (name: string, id: number) => {
      const m = modelNamed(name);
      const [row] = await this.store.db.query(`SELECT * FROM "${m.table}" WHERE id = $1`, [id]);
      return row ?? null;
    };
    const find = async (name: string, where: Row) => {
      const m = modelNamed(name);
      const conds = Object.entries(where).map(([f, v]) => (v === null ? sql`${ident(f)} IS NULL` : sql`${ident(f)} = ${v}`));
      const q = compile(conds.reduce((acc, c) => sql`${acc} AND ${c}`, sql`SELECT * FROM ${ident(m.table)} WHERE deleted = false`));
      return this.store.db.query(q.text + ' ORDER BY id', q.values);
    };
    return {
      get,
      find,
      ensure: async (name, values) => {
        const [hit] = await find(name, values);
        if (hit) return hit;
        try {
          const created = await this.store.create(modelNamed(name), values, SYSTEM);
          return (await get(name, Number(created.id)))!;
        } catch (e) {
          const [raced] = await find(name, values); // another worker made it first
          if (raced) return raced;
          throw e;
        }
      },
      secret: (s) => this.store.secret(s),
      encrypt: (plain) => this.store.encrypt(plain),
      setFields: async (name, id, fields) => {
        const m = modelNamed(name);
        const sets = Object.entries(fields).filter(([f]) => m.fields[f]).map(([f, v]) => sql`${ident(f)} = ${v}`);
        if (!sets.length) return;
        // Observed state, not desired: the version (the ETag people's edits are checked against) stays.
        const q = compile(sql`UPDATE ${ident(m.table)} SET ${join(sets, ', ')} WHERE id = ${id} RETURNING version`);
        const [r] = await this.store.db.query<{ version: number }>(q.text, q.values);
        if (r) await this.store.notify(this.store.db, { model: name, id, op: 'sync', version: Number(r.version) });
      },
      addresses: {
        poolFor: (controller) => poolFor(this.store, controller),
        allocate: (poolId, holder) => allocateAddress(this.store, poolId, holder),
        release: (instance, network) => releaseAddresses(this.store, instance, network),
      },
      log: this.log,
    } as SyncContext;
  }

  private async renew() {
    for (const [m, ids] of this.held) {
      if (!ids.size) continue;
      await this.store.db
        .query(`UPDATE "${m.table}" SET lease_until = now() + make_interval(secs => $1) WHERE id = ANY($2) AND lease_owner = $3`, [
          this.opts.leaseSeconds,
          [...ids],
          this.owner,
        ])
        .catch((e: Error) => this.log(`lease renewal failed: ${e.message}`));
    }
  }

  private hold(m: ModelDef, id: number, on: boolean) {
    if (!this.held.has(m)) this.held.set(m, new Set());
    if (on) this.held.get(m)!.add(id);
    else this.held.get(m)!.delete(id);
  }

  private async enqueue(r: Reconciler, row: Row) {
    let lane = 'global';
    try {
      const c = r.controllerOf ? await r.controllerOf(row, this.context()) : null;
      if (c != null) lane = `controller:${c}`;
    } catch {
      /* the reconciler will report it */
    }
    if (!this.lanes.has(lane)) this.lanes.set(lane, { running: 0, queue: [] });
    const l = this.lanes.get(lane)!;
    if (l.queue.length >= this.opts.queuePerController) {
      await release(this.store, r.model, Number(row.id), this.owner); // this cluster is busy enough
      return;
    }
    this.hold(r.model, Number(row.id), true);
    l.queue.push({ r, row });
    this.pump(lane);
  }

  private pump(lane: string) {
    const l = this.lanes.get(lane)!;
    while (l.running < this.opts.perController && l.queue.length) {
      const job = l.queue.shift()!;
      l.running++;
      void this.work(job.r, job.row).finally(() => {
        this.hold(job.r.model, Number(job.row.id), false);
        l.running--;
        this.pump(lane);
        if (l.running === 0 && l.queue.length === 0) this.kick(); // more may have become ready
        this.checkIdle();
      });
    }
  }

  private async work(r: Reconciler, row: Row) {
    const ctx = this.context();
    let outcome: Outcome;
    const t0 = Date.now();
    try {
      outcome = row.deleted ? await r.remove(row, ctx) : await r.reconcile(row, ctx);
    } catch (e) {
      outcome =
        e instanceof SyncError
          ? { kind: 'error', message: e.message, reason: e.reason, requestId: e.requestId, terminal: e.terminal }
          : { kind: 'error', message: `internal error: ${(e as Error).message}`, reason: 'transient' };
    }
    this.log(`${r.model.name} ${row.id} ${row.deleted ? 'remove' : 'reconcile'}: ${outcome.kind}`, {
      ms: Date.now() - t0,
      ...(outcome.kind === 'error' ? { message: outcome.message } : {}),
    });
    try {
      let changed = true;
      if (row.deleted && outcome.kind === 'done') {
        if (await purge(this.store, r.model, row)) await this.wakeReferenced(r.model, row);
        else changed = await writeOutcome(this.store, r.model, row, { kind: 'waiting', on: 'the rows that refer to it to be removed' }, this.opts.backoff);
      } else changed = await writeOutcome(this.store, r.model, row, outcome, this.opts.backoff);
      // The object a link row belongs to reports anew when the link's state changed, and only then.
      if (r.model.rollsUpTo && changed && outcome.kind !== 'requeue') await this.recheck(r.model, row);
    } catch (e) {
      this.log(`cannot record the outcome for ${r.model.name} ${row.id}: ${(e as Error).message}`);
    }
  }

  // A link row changed state: the object it belongs to reports anew, now rather than after its
  // backoff (its desired state did not change, so `updated` stays; clearing enacted makes it
  // pending for one more look).
  private async recheck(m: ModelDef, row: Row) {
    const field = m.rollsUpTo!;
    const target = modelNamed(m.fields[field].ref!);
    if (!target.synced || row[field] == null) return;
    await this.store.db.query(`UPDATE "${target.table}" SET enacted = NULL, next_retry = NULL WHERE id = $1 AND NOT deleted`, [row[field]]);
  }

  // A purged row no longer holds up the deleted rows it referred to (an Instance waiting for its
  // Ports to go): they are tried again now rather than after their backoff.
  private async wakeReferenced(m: ModelDef, row: Row) {
    let woken = 0;
    for (const [f, d] of Object.entries(m.fields)) {
      if (d.type !== 'ref' || row[f] == null) continue;
      const target = modelNamed(d.ref!);
      if (!target.synced) continue;
      const hit = await this.store.db.query(
        `UPDATE "${target.table}" SET next_retry = NULL WHERE id = $1 AND deleted AND backend_reason = 'dependency' AND next_retry IS NOT NULL RETURNING id`,
        [row[f]],
      );
      woken += hit.length;
    }
    if (woken) this.kick();
  }

  // Periodic resync: rows synced long ago are re-read so drift shows up.
  async resync() {
    for (const r of this.order) {
      try {
        const n = await markStale(this.store, r.model, this.opts.resyncSeconds, 500);
        if (n) this.log(`resync: ${n} ${r.model.plural} to re-check`);
      } catch (e) {
        this.log(`resync of ${r.model.plural} failed: ${(e as Error).message}`);
      }
    }
    this.kick();
  }
}

