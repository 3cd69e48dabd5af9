// The OpenStack backend of the synchronizer: the reconcilers of what lives on an OpenStack
// cluster (Controller.backend_type "OpenStack"). The logical objects' reconcilers, which know no
// backend, are the synchronizer's own (sync/aggregates.ts).
import type { Backend } from '../sync/types.js';
import type { ConnectOptions } from './connect.js';
import type { ServerWatchOptions } from './server-watch.js';
import { controllerReconciler } from './reconcilers/controller.js';
import { keystoneReconcilers } from './reconcilers/keystone.js';
import { glanceReconciler } from './reconcilers/glance.js';
import { neutronReconciler } from './reconcilers/neutron.js';
import { novaReconcilers } from './reconcilers/nova.js';
import { portForwardingReconciler } from './reconcilers/port-forwarding.js';
import { addressPoolReconcilers } from './reconcilers/address-pool.js';

export const OPENSTACK = 'OpenStack';

// serverWatch: how servers still building or going away are polled (server-watch.ts).
export function openstackBackend(opts: ConnectOptions & { serverWatch?: ServerWatchOptions } = {}): Backend {
  return {
    type: OPENSTACK,
    reconcilers: [
      controllerReconciler(opts),
      ...keystoneReconcilers(opts),
      glanceReconciler(opts),
      neutronReconciler(opts),
      ...novaReconcilers(opts),
      portForwardingReconciler(opts), // Port rows: their network's port forwarding
      ...addressPoolReconcilers(opts),
    ],
  };
}
