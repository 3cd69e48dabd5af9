// The OpenStack backend of the synchronizer: one reconciler per synced model.
import type { Reconciler } from '../sync/types.js';
import type { ConnectOptions } from './connect.js';
import { controllerReconciler } from './reconcilers/controller.js';
import { keystoneReconcilers } from './reconcilers/keystone.js';
import { glanceReconciler } from './reconcilers/glance.js';
import { neutronReconciler } from './reconcilers/neutron.js';
import { novaReconcilers } from './reconcilers/nova.js';
import { portForwardingReconciler } from './reconcilers/port-forwarding.js';
import { aggregateReconcilers } from './reconcilers/aggregate.js';
import { addressPoolReconcilers } from './reconcilers/address-pool.js';
import { models } from '../model/registry.js';

export function openstackReconcilers(opts: ConnectOptions = {}): Reconciler[] {
  const all = [
    controllerReconciler(opts),
    ...aggregateReconcilers(),
    ...keystoneReconcilers(opts),
    glanceReconciler(opts),
    neutronReconciler(opts),
    ...novaReconcilers(opts),
    portForwardingReconciler(opts), // Port rows: their network's port forwarding
    ...addressPoolReconcilers(opts),
  ];
  // The engine works through models in the registry's dependency order.
  const order = new Map(models.map((m, i) => [m.name, i]));
  return all.sort((a, b) => order.get(a.model.name)! - order.get(b.model.name)!);
}
