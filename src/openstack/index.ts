// The OpenStack backend of the synchronizer: one reconciler per synced model it handles.
import type { Reconciler } from '../sync/types.js';
import type { ConnectOptions } from './connect.js';
import { controllerReconciler } from './reconcilers/controller.js';

export function openstackReconcilers(opts: ConnectOptions = {}): Reconciler[] {
  return [controllerReconciler(opts)];
}
