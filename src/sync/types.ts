// What the engine needs from a backend: one reconciler per synced model. Reconcilers are
// level-based and idempotent: they read what the cluster has and make it match the row.
import type { ModelDef, Row } from '../model/types.js';
import type { ModelName, Rows } from '../model/rows.js';
import type { Allocation, Holder } from '../store/addresses.js';

export type Reason = 'transient' | 'configuration' | 'unrecoverable' | 'dependency';

// Outcomes, in the style of controller-runtime.
export type Outcome =
  | { kind: 'done'; fields?: Row; message?: string } // backend matches; fields are backend ids to record
  | { kind: 'requeue'; afterSeconds: number; message: string; fields?: Row } // waiting on the cloud (BUILD…)
  | { kind: 'waiting'; on: string; failed?: boolean; until?: { model: string; id: number } } // a dependency is not ready yet (or failed): "ControllerSlice 4 (mysite_web on c1)"
  | { kind: 'error'; message: string; reason: Reason; requestId?: string | null; terminal?: boolean };

// Values of a row to match or to set: field names and value types of model M.
export type Where<M extends ModelName> = Partial<Rows[M]>;

export interface SyncContext {
  // Live (or, for deletions, any) rows of other models, by id.
  get<M extends ModelName>(model: M, id: number): Promise<Rows[M] | null>;
  find<M extends ModelName>(model: M, where: Where<M>): Promise<Rows[M][]>; // live rows only
  // Live and soft-deleted rows (what is still being removed holds on to what it used).
  findAll<M extends ModelName>(model: M, where: Where<M>): Promise<Rows[M][]>;
  // The live row with these values, created (as XOS itself) when there is none: how the
  // synchronizer adds the link rows a controller needs.
  ensure<M extends ModelName>(model: M, values: Where<M>): Promise<Rows[M]>;
  secret(stored: unknown): string | null;
  encrypt(plain: string): string;
  // Record what the backend reports on a row (addresses, ids) without touching its desired state.
  setFields<M extends ModelName>(model: M, id: number, fields: Where<M>): Promise<void>;
  // A row whose inputs changed though it did not (a Port whose network's forwarded ports did) is
  // due again at once, as if it had changed itself.
  markDue(model: ModelName, id: number): Promise<void>;
  // A row that requeued itself to look at the cloud again later is due now, because what it
  // waited for happened (seen by a backend's own poller). Returns how many rows that woke: 0
  // while the row is still being reconciled or was not requeued.
  wake(model: ModelName, id: number): Promise<number>;
  // Public addresses from XOS's address pools: the pool that serves a controller, an address for
  // a holder (the same one again when it asks twice), and giving them back once the cloud no
  // longer uses them.
  addresses: {
    poolFor(controller: Pick<Rows['Controller'], 'id' | 'deployment'>): Promise<Rows['AddressPool'] | null>;
    allocate(poolId: number, holder: Holder): Promise<Allocation>;
    release(instance: number, network?: number | null): Promise<string[]>;
  };
  log: (msg: string, extra?: Row) => void;
  // Aborted when the engine stops: long calls give up instead of holding the shutdown.
  signal: AbortSignal;
  // What a backend remembers between reconciles (clients, ids it looked up), owned by the engine
  // and bounded: the least recently used entries go first.
  cache: SyncCache;
}

export interface SyncCache {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

// Reconciler<'Slice'> reconciles Slice rows. A bare Reconciler is the reconciler of some model,
// as the engine holds them: any Reconciler<M> is one.
export type Reconciler<M extends ModelName = never> = [M] extends [never] ? SomeReconciler : ModelReconciler<M>;

export interface ModelReconciler<M extends ModelName> {
  model: ModelDef & { name: M };
  // The backend whose controllers it serves (Controller.backend_type); none: it serves every
  // row of its model, whatever backend (the logical objects of sync/aggregates.ts).
  backend?: string;
  // The controller a row belongs to (default: sync/placement.ts), so that one dead cluster never
  // holds up the others.
  controllerOf?(row: Rows[M], ctx: SyncContext): Promise<number | null>;
  reconcile(row: Rows[M], ctx: SyncContext): Promise<Outcome>;
  // Remove the backend resources of a soft-deleted row; "done" lets the engine purge the row.
  remove(row: Rows[M], ctx: SyncContext): Promise<Outcome>;
}

// Methods (not function-typed properties), so that a ModelReconciler, which takes only its own
// model's rows, is one.
export interface SomeReconciler {
  model: ModelDef;
  backend?: string;
  controllerOf?(row: Row, ctx: SyncContext): Promise<number | null>;
  reconcile(row: Row, ctx: SyncContext): Promise<Outcome>;
  remove(row: Row, ctx: SyncContext): Promise<Outcome>;
}

// Errors a reconciler may throw instead of returning an outcome.
export class SyncError extends Error {
  constructor(
    message: string,
    readonly reason: Reason = 'transient',
    readonly requestId: string | null = null,
    readonly terminal = false,
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

// A backend: the reconcilers that make the clusters of one kind (Controller.backend_type) match.
export interface Backend {
  type: string;
  reconcilers: Reconciler[];
}
