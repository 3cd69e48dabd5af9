// The synchronizer's engine: it leases pending rows, hands each to its model's reconciler and
// writes the outcome back. It knows no backend. Change notices wake it within milliseconds; a
// timer catches due retries, and a slower one the periodic resync (with jitter). Every
// controller has its own worker slots and queue, so a slow or dead cluster never stalls the
// others.
import crypto from 'node:crypto';
import os from 'node:os';
import type { ModelDef, Row } from '../model/types.js';
import { models, model as modelNamed } from '../model/registry.js';
import { controllerOfRow } from './placement.js';
import { SYSTEM, type Store } from '../store/repository.js';
import { FRESH_MS } from '../store/sync-state.js';
import { outcomeWrite, type Backoff } from './status.js';
import { SyncError, type Outcome, type Reconciler, type SyncCache, type SyncContext } from './types.js';
import { boundedCache } from './cache.js';
import type { Holder } from '../store/addresses.js';
import { noteOrigin } from './row-origin.js';

export interface EngineOptions {
  perController?: number; // rows reconciled at once per controller
  queuePerController?: number; // rows leased ahead per controller
  leaseSeconds?: number;
  tickMs?: number; // how often due retries are looked for
  resyncSeconds?: number; // how old a synced row may get before it is re-read
  cacheEntries?: number; // what backends may remember (clients, looked-up ids), at most
  backoff?: Partial<Backoff>;
  owner?: string;
  log?: (msg: string, extra?: Row) => void;
  observe?: (model: string, outcome: string, seconds: number) => void; // after every reconcile (metrics)
}

interface Lane {
  normal: number; // in the perController slots
  urgentRunning: number;
  urgentExtra: boolean; // the extra slot of a change while only background work runs
  freshExtra: number; // extra slots taken by changes made just now
  queue: Job[];
}
// Rows of a lane being reconciled now, in whichever slot.
const runningIn = (l: Lane) => l.normal + l.freshExtra + (l.urgentExtra ? 1 : 0);

// urgent: a row someone changed (no retry was scheduled), which goes before the rows the engine
// looks at again on its own (a server still building, a backoff that ran out). Fresh, until
// freshUntil: changed within the last seconds, so a person is probably waiting for it; it goes
// before older changes too (those of a burst of creates still queued, say). Freshness runs out
// while a row waits in the queue, so it is judged when the queue is ordered and a slot taken.
interface Job {
  route: Route;
  row: Row;
  controller: number | null;
  urgent: boolean;
  freshUntil: number;
}

type Slot = 'normal' | 'urgent' | 'fresh';
const isFresh = (j: Job, now = Date.now()) => now < j.freshUntil;
const rank = (j: Job, now = Date.now()) => (isFresh(j, now) ? 2 : j.urgent ? 1 : 0);

// Who reconciles a model's rows: the reconciler that serves them all, or one per backend type.
interface Route {
  model: ModelDef;
  any?: Reconciler;
  byBackend: Map<string, Reconciler>;
}

export class Engine {
  readonly owner: string;
  private readonly routes: Route[];
  private readonly lanes = new Map<string, Lane>();
  private readonly opts: Required<Omit<EngineOptions, 'backoff' | 'owner' | 'log' | 'observe'>> & { backoff: Backoff } & Pick<EngineOptions, 'observe'>;
  private readonly log: (msg: string, extra?: Row) => void;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly held = new Map<ModelDef, Set<number>>(); // leased rows, renewed while held
  private resyncTimer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private scanning: Promise<number> | null = null; // the look under way
  private rescan = false; // something changed during the look: look once more
  private joined = false; // a caller of scan() waits on the look under way: look once more even when stopped
  private stopped = true;
  private idleWaiters: (() => void)[] = [];
  private noticed = new Set<string>(); // models named in change notices since the last look
  // Rows that wait on another row, by that row ('Model:id'): woken when its state changes.
  private readonly waiters = new Map<string, Map<ModelDef, Set<number>>>();
  private abort = new AbortController(); // aborted by stop(): in-flight backend calls give up
  private readonly cache: SyncCache;

  constructor(
    private readonly store: Store,
    reconcilers: Reconciler[],
    opts: EngineOptions = {},
  ) {
    this.routes = routesOf(reconcilers);
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.log = opts.log ?? (() => {});
    this.opts = {
      perController: opts.perController ?? 4,
      queuePerController: opts.queuePerController ?? 16,
      leaseSeconds: opts.leaseSeconds ?? 30,
      tickMs: opts.tickMs ?? 1000,
      resyncSeconds: opts.resyncSeconds ?? 600,
      backoff: { baseSeconds: 5, capSeconds: 900, disabled: false, ...opts.backoff },
      cacheEntries: opts.cacheEntries ?? 10_000,
      observe: opts.observe,
    };
    this.cache = boundedCache(this.opts.cacheEntries);
  }


  async start() {
    this.stopped = false;
    if (this.abort.signal.aborted) this.abort = new AbortController();
    this.unlisten = await this.store.onChange(
      (n) => {
        // Our own status writes ('sync') must not wake us, or we would spin.
        if (n.op === 'sync') return;
        this.noticed.add(n.model);
        this.kick();
      },
      () => this.kick(), // the feed was down: a scan finds what changed meanwhile
    );
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

  // Stops taking work, lets the reconciles under way finish for up to `graceMs`, then aborts
  // their backend calls; rows given up on go back to the pool (their leases released) for the
  // next start or another worker. The heartbeat keeps their leases until then.
  async stop(o: { graceMs?: number } = {}) {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.unlisten?.();
    for (const l of this.lanes.values())
      for (const job of l.queue.splice(0)) {
        this.hold(job.route.model, Number(job.row.id), false);
        await this.store.sync.release(job.route.model, Number(job.row.id), this.owner).catch(() => {});
      }
    this.checkIdle();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), o.graceMs ?? 10_000)));
    if ((await Promise.race([this.idle(), late])) === 'late') this.abort.abort(new Error('the synchronizer is stopping'));
    clearTimeout(timer);
    await this.idle();
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Whatever a backend still runs on its own for this engine (pollers) ends now.
    if (!this.abort.signal.aborted) this.abort.abort(new Error('the synchronizer stopped'));
  }

  // Resolves when nothing is queued or running (tests and shutdown).
  idle(): Promise<void> {
    if (this.busy() === 0 && !this.scanning) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private busy() {
    let n = 0;
    for (const l of this.lanes.values()) n += runningIn(l) + l.queue.length;
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

  // One look for pending rows: which models have any (one query), then a claim for each of
  // those, the models just named in change notices first, then in dependency order. A call while
  // a look is under way joins it and gets one more pass, so its answer (the rows claimed) covers
  // a look begun after the call; two looks at once would each think the engine idle when
  // the first ended.
  scan(): Promise<number> {
    if (this.scanning) {
      this.rescan = this.joined = true;
      return this.scanning;
    }
    return (this.scanning = this.look());
  }

  private async look(): Promise<number> {
    let claimed = 0;
    try {
      do {
        this.rescan = this.joined = false;
        const noticed = this.noticed;
        this.noticed = new Set();
        const due = await this.store.sync.due(this.routes.map((r) => r.model));
        const order = [...this.routes.filter((r) => noticed.has(r.model.name)), ...this.routes.filter((r) => !noticed.has(r.model.name))];
        for (const route of order) {
          if (!due.has(route.model.name)) continue;
          const rows = await this.store.sync.claim(route.model, this.owner, this.opts.queuePerController, this.opts.leaseSeconds);
          claimed += rows.length;
          // A row this process still works on can come back when its lease ran out under load
          // (the renewal waits behind a busy database): it stays with the worker that has it.
          for (const row of rows) if (!this.held.get(route.model)?.has(Number(row.id))) await this.enqueue(route, row);
        }
      } while (this.rescan && (!this.stopped || this.joined));
    } catch (e) {
      this.log(`scan failed: ${(e as Error).message}`);
    } finally {
      // Cleared here rather than when the promise settles: a kick() in between would be lost.
      this.scanning = null;
      this.checkIdle();
    }
    return claimed;
  }

  private context(): SyncContext {
    // Rows keep the name of their model (see row-origin.ts), for outcomes that wait on them.
    const get = async (name: string, id: number) => noteOrigin(name, await this.store.sync.get(modelNamed(name), id));
    const find = async (name: string, where: Row) => (await this.store.find(modelNamed(name), where)).map((r) => noteOrigin(name, r));
    // The store works on untyped rows; SyncContext types them by model name. Every member must be
    // here (the mapped type checks it); only their row types are taken on trust.
    const impl: { [K in keyof SyncContext]: unknown } = {
      get,
      find,
      ensure: async (name: string, values: Row) => {
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
      secret: (s: unknown) => this.store.secret(s),
      encrypt: (plain: string) => this.store.encrypt(plain),
      setFields: (name: string, id: number, fields: Row) => this.store.sync.setObserved(modelNamed(name), id, fields),
      markDue: (name: string, id: number) => this.store.sync.markDue(modelNamed(name), id),
      findAll: async (name: string, where: Row) => (await this.store.sync.findAll(modelNamed(name), where)).map((r) => noteOrigin(name, r)),
      wake: async (name: string, id: number) => {
        const n = await this.store.sync.wakeRequeued(modelNamed(name), [id]);
        if (n) this.kick();
        return n;
      },
      addresses: {
        poolFor: (controller: Row) => this.store.addresses.poolFor(controller),
        allocate: (poolId: number, holder: Holder) => this.store.addresses.allocate(poolId, holder),
        release: (instance: number, network?: number | null) => this.store.addresses.release(instance, network),
      },
      log: this.log,
      signal: this.abort.signal,
      cache: this.cache,
    };
    return impl as SyncContext;
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

  private async enqueue(route: Route, row: Row) {
    const m = route.model;
    let controller: number | null = null;
    try {
      const custom = (route.any ?? [...route.byBackend.values()][0])?.controllerOf;
      controller = custom ? await custom(row, this.context()) : await controllerOfRow(m, row, this.context());
    } catch {
      /* the reconciler will report it */
    }
    const lane = controller == null ? 'global' : `controller:${controller}`;
    if (!this.lanes.has(lane)) this.lanes.set(lane, { normal: 0, urgentRunning: 0, urgentExtra: false, freshExtra: 0, queue: [] });
    const l = this.lanes.get(lane)!;
    const urgent = row.next_retry == null;
    const job: Job = { route, row, controller, urgent, freshUntil: Date.now() + Number(row[FRESH_MS] ?? 0) };
    if (l.queue.length >= this.opts.queuePerController) {
      // This cluster is busy enough: the last queued row gives way to one that ranks higher (a
      // change over the engine's own look, a change made just now over an older one); otherwise
      // the new row waits for the next look.
      const last = l.queue[l.queue.length - 1];
      if (rank(job) <= rank(last)) {
        await this.store.sync.release(m, Number(row.id), this.owner);
        return;
      }
      l.queue.pop();
      this.hold(last.route.model, Number(last.row.id), false);
      await this.store.sync.release(last.route.model, Number(last.row.id), this.owner);
    }
    this.hold(m, Number(row.id), true);
    const now = Date.now();
    const after = l.queue.findIndex((j) => rank(j, now) < rank(job, now));
    if (after !== -1) l.queue.splice(after, 0, job);
    else l.queue.push(job);
    this.pump(lane);
  }

  // Which slot the next queued row may start in, if any: one of the perController slots; else,
  // so that it starts at once, an extra one for a change made just now (half as many as
  // perController, at least one), or for a change while every slot is taken by background work
  // (none running).
  private slotFor(l: Lane): Slot | null {
    const head = l.queue[0];
    if (!head) return null;
    const per = this.opts.perController;
    if (l.normal < per) return 'normal';
    if (isFresh(head) && l.freshExtra < Math.max(1, Math.floor(per / 2))) return 'fresh';
    if (head.urgent && l.urgentRunning === 0 && !l.urgentExtra) return 'urgent';
    return null;
  }

  private pump(lane: string) {
    const l = this.lanes.get(lane)!;
    for (let slot = this.slotFor(l); slot; slot = this.slotFor(l)) {
      const job = l.queue.shift()!;
      const take = (on: boolean) => {
        if (slot === 'normal') l.normal += on ? 1 : -1;
        else if (slot === 'fresh') l.freshExtra += on ? 1 : -1;
        else l.urgentExtra = on;
        if (job.urgent) l.urgentRunning += on ? 1 : -1;
      };
      take(true);
      void this.work(job.route, job.row, job.controller).finally(() => {
        this.hold(job.route.model, Number(job.row.id), false);
        take(false);
        this.pump(lane);
        if (runningIn(l) === 0 && l.queue.length === 0) this.kick(); // more may have become ready
        this.checkIdle();
      });
    }
  }

  // The reconciler for a row: the model's own, else the one of its controller's backend. When
  // there is none, the outcome that says why.
  private async reconcilerFor(route: Route, row: Row, controller: number | null): Promise<Reconciler | Outcome> {
    if (route.any) return route.any;
    const c = controller == null ? null : await this.store.sync.get(modelNamed('Controller'), controller);
    if (!c) {
      if (route.byBackend.size === 1) return [...route.byBackend.values()][0]; // it knows what to do without one
      return row.deleted ? { kind: 'done' } : { kind: 'waiting', on: 'a controller to place it on' };
    }
    const type = String(c.backend_type);
    const r = route.byBackend.get(type);
    if (r) return r;
    const have = [...route.byBackend.keys()].join(', ') || 'none';
    return { kind: 'error', reason: 'configuration', terminal: true, message: `no synchronizer backend "${type}" for controller ${c.name} (this synchronizer has: ${have})` };
  }

  private async work(route: Route, row: Row, controller: number | null) {
    const m = route.model;
    const ctx = this.context();
    let outcome: Outcome;
    const t0 = Date.now();
    try {
      const r = await this.reconcilerFor(route, row, controller);
      outcome = 'kind' in r ? r : row.deleted ? await r.remove(row, ctx) : await r.reconcile(row, ctx);
    } catch (e) {
      if (this.abort.signal.aborted) {
        // Cut short by stop(): no outcome to report; the row is due again for whoever comes next.
        this.log(`${m.name} ${row.id}: stopped before it finished`);
        await this.store.sync.release(m, Number(row.id), this.owner).catch(() => {});
        return;
      }
      outcome =
        e instanceof SyncError
          ? { kind: 'error', message: e.message, reason: e.reason, requestId: e.requestId, terminal: e.terminal }
          : { kind: 'error', message: `internal error: ${(e as Error).message}`, reason: 'transient' };
    }
    this.opts.observe?.(m.name, outcome.kind, (Date.now() - t0) / 1000);
    this.log(`${m.name} ${row.id} ${row.deleted ? 'remove' : 'reconcile'}: ${outcome.kind}`, {
      ms: Date.now() - t0,
      ...(outcome.kind === 'error' ? { message: outcome.message } : {}),
    });
    try {
      let changed = true;
      const write = (o: Outcome) => this.store.sync.writeOutcome(m, row, { ...outcomeWrite(m, row, o, this.opts.backoff), owner: this.owner });
      if (row.deleted && outcome.kind === 'done') {
        if (await this.store.sync.purge(m, row)) await this.wakeReferenced(m, row);
        else changed = await write({ kind: 'waiting', on: 'the rows that refer to it to be removed' });
      } else changed = await write(outcome);
      if (outcome.kind === 'waiting' && outcome.until) this.waitFor(outcome.until, m, Number(row.id));
      if (changed) await this.wakeWaiters(m, Number(row.id));
      // The object a link row belongs to reports anew when the link's state changed, and only then.
      if (m.rollsUpTo && changed && outcome.kind !== 'requeue') await this.recheck(m, row);
    } catch (e) {
      this.log(`cannot record the outcome for ${m.name} ${row.id}: ${(e as Error).message}`);
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

  // A row waits on another (an instance on its slice's project): it is woken when that row's
  // state changes in this engine, rather than when its backoff runs out. Another engine's
  // changes reach it through the backoff, which is short for waiting rows (see status.ts).
  private waitFor(on: { model: string; id: number }, m: ModelDef, id: number) {
    const key = `${on.model}:${on.id}`;
    if (!this.waiters.has(key)) {
      if (this.waiters.size >= this.opts.cacheEntries) this.waiters.clear(); // bounded; the backoff still applies
      this.waiters.set(key, new Map());
    }
    const byModel = this.waiters.get(key)!;
    if (!byModel.has(m)) byModel.set(m, new Set());
    byModel.get(m)!.add(id);
  }

  private async wakeWaiters(m: ModelDef, id: number) {
    const key = `${m.name}:${id}`;
    const byModel = this.waiters.get(key);
    if (!byModel) return;
    this.waiters.delete(key);
    let woken = 0;
    for (const [wm, ids] of byModel) woken += await this.store.sync.wakeWaiting(wm, [...ids]);
    if (woken) this.kick();
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
    for (const { model: m } of this.routes) {
      try {
        const n = await this.store.sync.markStale(m, this.opts.resyncSeconds, 500);
        if (n) this.log(`resync: ${n} ${m.plural} to re-check`);
      } catch (e) {
        this.log(`resync of ${m.plural} failed: ${(e as Error).message}`);
      }
    }
    this.kick();
  }
}

// The reconcilers by model, in the registry's dependency order (referenced models first). A model
// is served either by one reconciler for all its rows, or by one per backend.
function routesOf(reconcilers: Reconciler[]): Route[] {
  const byName = new Map<string, Route>();
  for (const r of reconcilers) {
    const route: Route = byName.get(r.model.name) ?? { model: r.model, byBackend: new Map() };
    byName.set(r.model.name, route);
    const clash = r.backend === undefined ? route.any || route.byBackend.size : route.any || route.byBackend.has(r.backend);
    if (clash) throw new Error(`two reconcilers for ${r.model.name}${r.backend ? ` on backend ${r.backend}` : ''}`);
    if (r.backend === undefined) route.any = r;
    else route.byBackend.set(r.backend, r);
  }
  return models.filter((m) => byName.has(m.name)).map((m) => byName.get(m.name)!);
}
