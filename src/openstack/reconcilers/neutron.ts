// Neutron: a slice's private network and subnet are created on a cluster when the slice first
// has an instance there; networks from the shared templates (nat-net, ext-net) are the cluster's
// own and are only looked up. A network whose template asks for an SDN controller gets one
// (sdn-controller.ts) before it counts as ready. Removing a network removes its SDN controller
// first, and its interface on the router that port forwarding used (port-forwarding.ts), and
// waits for the servers of its slice's instances being removed to go (their ports hold it).
import { model } from '../../model/registry.js';
import type { Rows } from '../../model/rows.js';
import { SyncError, type Outcome, type Reconciler, type SyncContext } from '../../sync/types.js';
import { clientFor, projectClient, type ConnectOptions } from '../connect.js';
import { collect, OpenStackError, type OpenStackClient } from '../client/index.js';
import { toSyncError } from '../sync-errors.js';
import { controllerOfLink, notReady, privateCidr, xosTag } from '../../sync/placement.js';
import { releaseRouter } from './port-forwarding.js';
import { ensureSdnController, removeSdnController, wantsSdnController } from './sdn-controller.js';

export function neutronReconciler(opts: ConnectOptions): Reconciler<'ControllerNetwork'> {
  const parts = async (row: Rows['ControllerNetwork'], ctx: SyncContext) => {
    const net = await ctx.get('Network', row.network);
    const template = net ? await ctx.get('NetworkTemplate', net.template) : null;
    return { net, template };
  };

  // The router XOS joined this network to for port forwarding, once no other network row of the
  // same cluster network (nat-net is one per slice) uses it: null when done, else what it waits for.
  const dropRouter = async (row: Rows['ControllerNetwork'], admin: OpenStackClient, controller: Rows['Controller'], ctx: SyncContext): Promise<string | null> => {
    if (!row.router_id || !row.net_id) return null;
    const others = (await ctx.find('ControllerNetwork', { controller: row.controller, router_id: row.router_id })).filter(
      (l) => l.id !== row.id && l.net_id === row.net_id,
    );
    if (others.length) return null;
    return releaseRouter(admin, controller, row.router_id, row.net_id);
  };

  return {
    model: model('ControllerNetwork'),
    reconcile: async (row, ctx): Promise<Outcome> => {
      const { net, template } = await parts(row, ctx);
      if (!net || !template) return { kind: 'waiting', on: `network ${row.network}` };
      const controller = await controllerOfLink(row, ctx);
      const admin = clientFor(controller, ctx, opts);
      try {
        if (template.shared_network_name) {
          const [shared] = await collect(admin.network.networks.list({ name: template.shared_network_name }));
          if (!shared) throw new SyncError(`the cluster has no network "${template.shared_network_name}" (template ${template.name})`, 'configuration');
          return { kind: 'done', fields: { net_id: shared.id } };
        }
        const sliceLink = await ctx.ensure('ControllerSlice', { controller: row.controller, slice: net.owner });
        const wait = notReady(sliceLink, `the project of slice ${net.owner} on this controller`);
        if (wait) return wait;
        const project = String(sliceLink.tenant_id);
        const tag = xosTag('network', net.id);
        const cloud = projectClient(controller, project, ctx, opts);
        let [n] = (await collect(admin.network.networks.list({ name: net.name, project_id: project }))).filter((x) => x.description === tag);
        n ??= await cloud.network.networks.create({ name: net.name, project_id: project, description: tag });
        const cidr = net.subnet || privateCidr(row.id);
        let [sub] = await collect(admin.network.subnets.list({ network_id: n.id }));
        sub ??= await cloud.network.subnets.create({ network_id: n.id, cidr, ip_version: 4, name: `${net.name}-${row.id}`, gateway_ip: null, enable_dhcp: true, description: tag });
        const fields = { net_id: n.id, subnet_id: sub.id, subnet: sub.cidr };

        if (!wantsSdnController(template)) {
          // A template that no longer asks for a controller: the one it had goes.
          if (row.controller_instance_id || row.controller_url) {
            if (!(await removeSdnController(admin, row, net))) return { kind: 'requeue', afterSeconds: 1, message: 'SDN controller is being deleted', fields };
            if (net.controller_url) await ctx.setFields('Network', net.id, { controller_url: null });
          }
          return { kind: 'done', fields: { ...fields, controller_instance_id: null, controller_url: null } };
        }
        // The network is there: record it now, the controller may take a while.
        if (row.net_id !== n.id || row.subnet_id !== sub.id) await ctx.setFields('ControllerNetwork', row.id, fields);
        const sdn = await ensureSdnController({ admin, cloud, controller, link: row, net, template, netId: n.id, ctx });
        if (sdn.kind !== 'ready') return sdn.kind === 'requeue' ? { ...sdn, fields: { ...fields, ...sdn.fields } } : sdn;
        if (net.controller_url !== sdn.url) await ctx.setFields('Network', net.id, { controller_url: sdn.url });
        return { kind: 'done', fields: { ...fields, controller_instance_id: sdn.serverId, controller_url: sdn.url }, message: `OK (SDN controller at ${sdn.url})` };
      } catch (e) {
        throw toSyncError(e, `network ${net.name}`);
      }
    },
    remove: async (row, ctx) => {
      const { net, template } = await parts(row, ctx);
      const controller = await controllerOfLink(row, ctx);
      const admin = clientFor(controller, ctx, opts);
      try {
        // The SDN controller goes first, and the network only once it is gone (its port holds it).
        if (wantsSdnController(template) || row.controller_instance_id) {
          if (!(await removeSdnController(admin, row, net))) return { kind: 'requeue', afterSeconds: 1, message: 'SDN controller is being deleted' };
        }
        const busy = await dropRouter(row, admin, controller, ctx);
        if (busy) return { kind: 'requeue', afterSeconds: 2, message: `waiting: ${busy}` };
        if (!row.net_id || template?.shared_network_name) return { kind: 'done' }; // not ours to delete
        // The servers of the slice's instances being removed hold ports on it: wait for those
        // rows to be purged (which wakes this one) rather than have Neutron refuse.
        const leaving = net ? (await ctx.findAll('Instance', { slice: net.owner })).filter((i) => i.deleted) : [];
        if (leaving.length) return { kind: 'waiting', on: `the ${leaving.length} servers of its slice being removed`, until: { model: 'Instance', id: leaving[leaving.length - 1].id } };
        const n = await admin.network.networks.get(row.net_id).catch((e) => ((e as { status?: number }).status === 404 ? null : Promise.reject(e)));
        if (n && n.description === xosTag('network', row.network)) {
          try {
            await admin.network.networks.delete(n.id, { ignoreMissing: true });
          } catch (e) {
            // A port can outlive its server by a moment: look again shortly.
            if (e instanceof OpenStackError && e.status === 409) return { kind: 'requeue', afterSeconds: 1, message: `network ${n.name} still has ports` };
            throw e;
          }
        }
        return { kind: 'done' };
      } catch (e) {
        throw toSyncError(e, 'network removal');
      }
    },
  };
}
