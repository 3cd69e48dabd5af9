// What a synchronizer runs: the logical objects' reconcilers, which know no backend, and those of
// each backend, marked with its type so that the engine hands every row to the backend of its
// controller.
import { aggregateReconcilers } from './aggregates.js';
import type { Backend, Reconciler } from './types.js';

export function synchronizerFor(...backends: Backend[]): Reconciler[] {
  return [...aggregateReconcilers(), ...backends.flatMap((b) => b.reconcilers.map((r) => ({ ...r, backend: b.type })))];
}
