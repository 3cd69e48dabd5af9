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
import { outcomeWrite, type Backoff } from './status.js';
import { SyncError, type Outcome, type Reconciler, type SyncContext } from './types.js';

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
    this.unlisten = await this.store.onChange((n) => {
      // Our own status writes ('sync') must not wake us, or we would spin.
      if (n.op !== 'sync') this.kick();
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
          const rows = await this.store.sync.claim(r.model, this.owner, this.opts.queuePerController, this.opts.leaseSeconds);
          claimed += rows.length;
          // A row this process still works on can come back when its lease ran out under load
          // (the renewal waits behind a busy database): it stays with the worker that has it.
          for (const row of rows) if (!this.held.get(r.model)?.has(Number(row.id))) await this.enqueue(r, row);
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
    const get = (name: string, id: number) => this.store.sync.get(modelNamed(name), id);
    const find = (name: string, where: Row) => this.store.find(modelNamed(name), where);
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
      setFields: (name, id, fields) => this.store.sync.setObserved(modelNamed(name), id, fields),
      markDue: (name, id) => this.store.sync.markDue(modelNamed(name), id),
      addresses: {
        poolFor: (controller) => this.store.addresses.poolFor(controller),
        allocate: (poolId, holder) => this.store.addresses.allocate(poolId, holder),
        release: (instance, network) => this.store.addresses.release(instance, network),
      },
      log: this.log,
    } as SyncContext;
  }

  private async renew() {
    for (const [m, ids] of this.held) {
      if (!ids.size) continue;
      await this.store.sync.renew(m, [...ids], this.owner, this.opts.leaseSeconds).catch((e: Error) => this.log(`lease renewal failed: ${e.message}`));
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
      await this.store.sync.release(r.model, Number(row.id), this.owner); // this cluster is busy enough
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
      const write = (o: Outcome) => this.store.sync.writeOutcome(r.model, row, { ...outcomeWrite(r.model, row, o, this.opts.backoff), owner: this.owner });
      if (row.deleted && outcome.kind === 'done') {
        if (await this.store.sync.purge(r.model, row)) await this.wakeReferenced(r.model, row);
        else changed = await write({ kind: 'waiting', on: 'the rows that refer to it to be removed' });
      } else changed = await write(outcome);
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
    await this.store.sync.recheck(target, Number(row[field]));
  }

  // A purged row no longer holds up the deleted rows it referred to (an Instance waiting for its
  // Ports to go): they are tried again now rather than after their backoff.
  private async wakeReferenced(m: ModelDef, row: Row) {
    let woken = 0;
    for (const [f, d] of Object.entries(m.fields)) {
      if (d.type !== 'ref' || row[f] == null) continue;
      const target = modelNamed(d.ref!);
      if (!target.synced) continue;
      if (await this.store.sync.wakeDeleted(target, Number(row[f]))) woken++;
    }
    if (woken) this.kick();
  }

  // Periodic resync: rows synced long ago are re-read so drift shows up.
  async resync() {
    for (const r of this.order) {
      try {
        const n = await this.store.sync.markStale(r.model, this.opts.resyncSeconds, 500);
        if (n) this.log(`resync: ${n} ${r.model.plural} to re-check`);
      } catch (e) {
        this.log(`resync of ${r.model.plural} failed: ${(e as Error).message}`);
      }
    }
    this.kick();
  }
}

