// What the engine needs from a backend: one reconciler per synced model. Reconcilers are
// level-based and idempotent: they read what the cluster has and make it match the row.
import type { ModelDef, Row } from '../model/types.js';
import type { Allocation, Holder } from '../store/addresses.js';

export type Reason = 'transient' | 'configuration' | 'unrecoverable' | 'dependency';

// Outcomes, in the style of controller-runtime.
export type Outcome =
  | { kind: 'done'; fields?: Row; message?: string } // backend matches; fields are backend ids to record
  | { kind: 'requeue'; afterSeconds: number; message: string; fields?: Row } // waiting on the cloud (BUILD…)
  | { kind: 'waiting'; on: string; failed?: boolean } // a dependency is not ready yet (or failed): "ControllerSlice 4 (mysite_web on c1)"
  | { kind: 'error'; message: string; reason: Reason; requestId?: string | null; terminal?: boolean };

export interface SyncContext {
  // Live (or, for deletions, any) rows of other models, by id.
  get(model: string, id: number): Promise<Row | null>;
  find(model: string, where: Row): Promise<Row[]>; // live rows only
  // The live row with these values, created (as XOS itself) when there is none: how the
  // synchronizer adds the link rows a controller needs.
  ensure(model: string, values: Row): Promise<Row>;
  secret(stored: unknown): string | null;
  encrypt(plain: string): string;
  // Record what the backend reports on a row (addresses, ids) without touching its desired state.
  setFields(model: string, id: number, fields: Row): Promise<void>;
  // A row whose inputs changed though it did not (a Port whose network's forwarded ports did) is
  // due again at once, as if it had changed itself.
  markDue(model: string, id: number): Promise<void>;
  // Public addresses from XOS's address pools: the pool that serves a controller, an address for
  // a holder (the same one again when it asks twice), and giving them back once the cloud no
  // longer uses them.
  addresses: {
    poolFor(controller: Row): Promise<Row | null>;
    allocate(poolId: number, holder: Holder): Promise<Allocation>;
    release(instance: number, network?: number | null): Promise<string[]>;
  };
  log: (msg: string, extra?: Row) => void;
}

export interface Reconciler {
  model: ModelDef;
  // The controller a row belongs to, so that one dead cluster never holds up the others.
  controllerOf?(row: Row, ctx: SyncContext): Promise<number | null>;
  reconcile(row: Row, ctx: SyncContext): Promise<Outcome>;
  // Remove the backend resources of a soft-deleted row; "done" lets the engine purge the row.
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
