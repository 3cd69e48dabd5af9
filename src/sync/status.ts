// What an outcome writes back to its row: the sync fields only, never `updated`, so that a user's
// change made while the reconciler ran stays pending.
import type { ModelDef, Row } from '../model/types.js';
import { UPDATED_AS_CLAIMED, type SyncWrite } from '../store/sync-state.js';
import type { Outcome } from './types.js';

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

// An outcome as it is written back: the reported state, and when to look again. The row's
// version (its ETag) stays: it covers what people change, so a status write never turns their
// edit into a conflict. A change notice goes out only when the reported state changed, so that a
// row that keeps failing the same way does not make every open page refetch at each retry.
export function outcomeWrite(m: ModelDef, row: Row, o: Outcome, b: Backoff): SyncWrite {
  const retries = Number(row.retry_count ?? 0);
  const state = reported(m, row, o);
  const enacted = row[UPDATED_AS_CLAIMED] ?? row.updated;
  const newlyEnacted = o.kind === 'done' && (row.enacted == null || new Date(String(row.enacted)).getTime() !== new Date(String(enacted)).getTime());
  const notify = newlyEnacted || Object.entries(state).some(([f, v]) => !same(row[f], v));
  switch (o.kind) {
    case 'done':
      // enacted takes the `updated` we reconciled: a change made meanwhile keeps the row pending.
      return { reported: state, enacted, retryInSeconds: null, retryCount: 0, notify };
    case 'requeue':
      return { reported: state, retryInSeconds: o.afterSeconds, notify };
    case 'waiting':
      // On a dependency that is under way: look again soon. On one that failed: back off like
      // any failure (the dependency's own retries go on meanwhile).
      return {
        reported: state,
        retryInSeconds: o.failed ? backoffSeconds(retries + 1, b) : Math.min(30, backoffSeconds(retries + 1, { ...b, baseSeconds: 1 })),
        retryCount: retries + 1,
        notify,
      };
    case 'error':
      // A terminal error waits for the row to change (see the claim in store/sync-state.ts).
      return { reported: state, retryInSeconds: o.terminal ? null : backoffSeconds(retries + 1, b), retryCount: retries + 1, notify };
  }
}
