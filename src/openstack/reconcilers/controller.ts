// A Controller is checked, not created: authenticate, read the catalog, negotiate Nova's
// microversion and look at the compute hosts. Its status says what works and what does not.
import { model } from '../../model/registry.js';
import type { Reconciler } from '../../sync/types.js';
import { SyncError } from '../../sync/types.js';
import { clientFor, type ConnectOptions } from '../connect.js';
import { toSyncError } from '../sync-errors.js';

const needed = ['identity', 'compute', 'network', 'image'];

export function controllerReconciler(opts: ConnectOptions): Reconciler<'Controller'> {
  return {
    model: model('Controller'),
    reconcile: async (row, ctx) => {
      const cloud = clientFor(row, ctx, opts);
      try {
        await cloud.authenticate();
      } catch (e) {
        throw toSyncError(e, `cannot log in to ${row.auth_url} as ${row.admin_user}`);
      }
      const catalog = await cloud.session.catalog();
      const types = new Set(catalog.map((s) => s.type));
      const missing = needed.filter((t) => !types.has(t));
      if (missing.length) throw new SyncError(`the catalog lacks ${missing.join(', ')}`, 'configuration');
      try {
        const mv = await cloud.compute.microversion();
        const computes = await cloud.compute.listServices({ binary: 'nova-compute' });
        const up = computes.filter((c) => c.state === 'up' && c.status === 'enabled');
        const down = computes.filter((c) => c.state !== 'up').map((c) => c.host);
        const parts = [`Nova ${mv ?? '2.1'}`, `${up.length} of ${computes.length} compute hosts up`];
        if (down.length) parts.push(`down: ${down.join(', ')}`);
        return { kind: 'done', message: `OK (${parts.join('; ')})` };
      } catch (e) {
        throw toSyncError(e, 'the cluster answered the login but not the compute API');
      }
    },
    remove: async () => ({ kind: 'done' }), // nothing of ours lives on a controller itself
  };
}
