// Neutron: a slice's private network and subnet are created on a cluster when the slice first
// has an instance there; networks from the shared templates (nat-net, ext-net) are the cluster's
// own and are only looked up.
import { model } from '../../model/registry.js';
import type { Row } from '../../model/types.js';
import { SyncError, type Reconciler, type SyncContext } from '../../sync/types.js';
import { clientFor, projectClient, type ConnectOptions } from '../connect.js';
import { collect } from '../client/index.js';
import { toSyncError } from '../sync-errors.js';
import { controllerOfLink, notReady, privateCidr, xosTag } from './links.js';


export function neutronReconciler(opts: ConnectOptions): Reconciler {
  const parts = async (row: Row, ctx: SyncContext) => {
    const net = await ctx.get('Network', Number(row.network));
    const template = net ? await ctx.get('NetworkTemplate', Number(net.template)) : null;
    return { net, template };
  };
  return {
    model: model('ControllerNetwork'),
    controllerOf: async (row) => Number(row.controller),
    reconcile: async (row, ctx) => {
      const { net, template } = await parts(row, ctx);
      if (!net || !template) return { kind: 'waiting', on: `network ${row.network}` };
      const controller = await controllerOfLink(row, ctx);
      const admin = clientFor(controller, ctx, opts);
      try {
        if (template.shared_network_name) {
          const [shared] = await collect(admin.network.networks.list({ name: String(template.shared_network_name) }));
          if (!shared) throw new SyncError(`the cluster has no network "${template.shared_network_name}" (template ${template.name})`, 'configuration');
          return { kind: 'done', fields: { net_id: shared.id } };
        }
        const sliceLink = await ctx.ensure('ControllerSlice', { controller: row.controller, slice: net.owner });
        const wait = notReady(sliceLink, `the project of slice ${net.owner} on this controller`);
        if (wait) return wait;
        const project = String(sliceLink.tenant_id);
        const tag = xosTag('network', net.id);
        const cloud = projectClient(controller, project, ctx, opts);
        let [n] = (await collect(admin.network.networks.list({ name: String(net.name), project_id: project }))).filter((x) => x.description === tag);
        n ??= await cloud.network.networks.create({ name: String(net.name), project_id: project, description: tag });
        const cidr = net.subnet ? String(net.subnet) : privateCidr(Number(row.id));
        let [sub] = await collect(admin.network.subnets.list({ network_id: n.id }));
        sub ??= await cloud.network.subnets.create({ network_id: n.id, cidr, ip_version: 4, name: `${net.name}-${row.id}`, gateway_ip: null, enable_dhcp: true, description: tag });
        return { kind: 'done', fields: { net_id: n.id, subnet_id: sub.id, subnet: sub.cidr } };
      } catch (e) {
        throw toSyncError(e, `network ${net.name}`);
      }
    },
    remove: async (row, ctx) => {
      const { template } = await parts(row, ctx);
      if (!row.net_id || template?.shared_network_name) return { kind: 'done' }; // not ours to delete
      const controller = await controllerOfLink(row, ctx);
      const admin = clientFor(controller, ctx, opts);
      try {
        const n = await admin.network.networks.get(String(row.net_id)).catch((e) => ((e as { status?: number }).status === 404 ? null : Promise.reject(e)));
        if (n && n.description === xosTag('network', row.network)) {
          // Ports of servers that are still going away keep the network busy (409): retry.
          await admin.network.networks.delete(n.id, { ignoreMissing: true });
        }
        return { kind: 'done' };
      } catch (e) {
        throw toSyncError(e, 'network removal');
      }
    },
  };
}
