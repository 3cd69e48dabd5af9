// Nova: an Instance becomes a server named <slice>-<id> in its slice's project, pinned to its
// node when it names one, on the slice's networks, with the slice members' SSH keys in its
// user data and metadata xos-id=instance/<id>. The server is looked up by that metadata before
// one is created, so a crash after the create call is adopted, never duplicated.
import { model } from '../../model/registry.js';
import type { Row } from '../../model/types.js';
import { SyncError, type Outcome, type Reconciler, type SyncContext } from '../../sync/types.js';
import { collect, encodeUserData, type OpenStackClient, type Server } from '../client/index.js';
import { clientFor, projectClient, type ConnectOptions } from '../connect.js';
import { toSyncError } from '../sync-errors.js';
import { controllerForInstance, notReady } from './links.js';

const xosId = (id: unknown) => `instance/${id}`;


async function flavorId(cloud: OpenStackClient, f: Row): Promise<string> {
  const all = await collect(cloud.compute.flavors.list());
  const hit = all.find((x) => x.name === f.name);
  if (hit) return hit.id;
  const made = await cloud.compute.flavors.create({ name: String(f.name), vcpus: Number(f.vcpus), ram: Number(f.ram_mb), disk: Number(f.disk_gb) });
  return made.id;
}

// Keys of everyone who may log in: slice members, the instance's and the slice's creators.
async function sshKeys(inst: Row, slice: Row, ctx: SyncContext): Promise<string[]> {
  const users = new Set<number>();
  for (const p of await ctx.find('SlicePrivilege', { slice: slice.id })) users.add(Number(p.user));
  if (inst.creator != null) users.add(Number(inst.creator));
  if (slice.creator != null) users.add(Number(slice.creator));
  const keys: string[] = [];
  for (const id of users) {
    const u = await ctx.get('User', id);
    if (u?.public_key && !u.deleted) keys.push(String(u.public_key).trim());
  }
  return keys;
}

function userData(inst: Row, slice: Row, keys: string[]): string {
  if (inst.user_data) return String(inst.user_data);
  return ['#cloud-config', `hostname: ${slice.name}-${inst.id}`, 'ssh_authorized_keys:', ...keys.map((k) => `  - ${JSON.stringify(k)}`), ''].join('\n');
}

// "No valid host" says little; the state of the compute hosts usually says why.
async function explainFault(admin: OpenStackClient, server: Server): Promise<string> {
  const fault = server.fault?.message ?? 'the server went to ERROR';
  if (!/no valid host/i.test(fault)) return fault;
  try {
    const down = (await admin.compute.listServices({ binary: 'nova-compute' })).filter((s) => s.state !== 'up' || s.status !== 'enabled');
    if (down.length) return `${fault} (nova-compute on ${down.map((s) => `${s.host} is ${s.state !== 'up' ? 'down' : 'disabled'}`).join(', ')})`;
  } catch {
    /* the fault alone, then */
  }
  return fault;
}

const firstAddress = (s: Server) => Object.values(s.addresses ?? {}).flat().find((a) => a.version === 4)?.addr ?? null;

export function novaReconcilers(opts: ConnectOptions): Reconciler[] {
  const instance: Reconciler = {
    model: model('Instance'),
    controllerOf: async (row, ctx) => Number((await controllerForInstance(row, ctx))?.id ?? 0) || null,
    reconcile: async (inst, ctx): Promise<Outcome> => {
      const controller = await controllerForInstance(inst, ctx);
      if (!controller) return { kind: 'waiting', on: `a controller in deployment ${inst.deployment}` };
      const slice = await ctx.get('Slice', Number(inst.slice));
      const image = await ctx.get('Image', Number(inst.image));
      const flavor = await ctx.get('Flavor', Number(inst.flavor));
      if (!slice || !image || !flavor) return { kind: 'waiting', on: 'its slice, image and flavor' };
      // What the server needs on this controller, created here if missing.
      const sliceLink = await ctx.ensure('ControllerSlice', { controller: controller.id, slice: slice.id });
      const imageLink = await ctx.ensure('ControllerImage', { controller: controller.id, image: image.id });
      const nets = await sliceNetworks(slice, ctx);
      const netLinks = [];
      for (const n of nets) netLinks.push({ n, link: await ctx.ensure('ControllerNetwork', { controller: controller.id, network: n.id }) });
      const wait =
        notReady(sliceLink, `slice ${slice.name}'s project on ${controller.name}`) ??
        notReady(imageLink, `image ${image.name} on ${controller.name}`) ??
        netLinks.map(({ n, link }) => notReady(link, `network ${n.name} on ${controller.name}`)).find(Boolean) ??
        null;
      if (wait) return wait;
      const admin = clientFor(controller, ctx, opts);
      const cloud = projectClient(controller, String(sliceLink.tenant_id), ctx, opts);
      const name = `${slice.name}-${inst.id}`;
      try {
        let [server] = await admin.compute.servers.findByMetadata({ key: 'xos-id', value: xosId(inst.id), name, all_tenants: true });
        if (server?.status === 'ERROR') {
          // The fault comes only with the single server, not with the list.
          const why = await explainFault(admin, await admin.compute.servers.get(server.id));
          // Drop the failed server: the next attempt boots a fresh one.
          await admin.compute.servers.delete(server.id, { ignoreMissing: true });
          throw new SyncError(`server ${name}: ${why}`, 'transient');
        }
        if (!server) {
          let node: Row | null = null;
          if (inst.node != null) node = await ctx.get('Node', Number(inst.node));
          server = await cloud.compute.servers.create({
            name,
            flavorRef: await flavorId(admin, flavor),
            imageRef: String(imageLink.glance_image_id),
            networks: netLinks.length ? netLinks.map(({ link }) => ({ uuid: String(link.net_id) })) : 'none',
            ...(node ? { availability_zone: `nova:${node.name}` } : {}),
            metadata: { 'xos-id': xosId(inst.id), 'xos-slice': String(slice.name) },
            user_data: encodeUserData(userData(inst, slice, await sshKeys(inst, slice, ctx))),
          });
          server = await admin.compute.servers.get(server.id);
        }
        const fields = { instance_uuid: server.id, instance_name: name, instance_id: server['OS-EXT-SRV-ATTR:instance_name'] ?? null, ip: firstAddress(server) };
        if (server.status === 'ACTIVE') {
          await recordPorts(inst, server, admin, ctx);
          return { kind: 'done', fields };
        }
        return { kind: 'requeue', afterSeconds: 2, message: `server ${name} is ${server.status}`, fields };
      } catch (e) {
        throw toSyncError(e, `server ${name}`);
      }
    },
    remove: async (inst, ctx) => {
      const controller = await controllerForInstance(inst, ctx);
      if (!controller) return { kind: 'done' };
      const admin = clientFor(controller, ctx, opts);
      try {
        // The recorded server first; the metadata search (narrowed by name) for a crash before it was recorded.
        const recorded = inst.instance_uuid
          ? await admin.compute.servers.get(String(inst.instance_uuid)).catch((e) => ((e as { status?: number }).status === 404 ? null : Promise.reject(e)))
          : null;
        const slice = await ctx.get('Slice', Number(inst.slice));
        const servers = recorded
          ? [recorded]
          : await admin.compute.servers.findByMetadata({ key: 'xos-id', value: xosId(inst.id), all_tenants: true, ...(slice ? { name: `${slice.name}-${inst.id}` } : {}) });
        if (!servers.length) return { kind: 'done' };
        for (const s of servers) if (s.status !== 'DELETED') await admin.compute.servers.delete(s.id, { ignoreMissing: true });
        return { kind: 'requeue', afterSeconds: 1, message: 'server is being deleted' };
      } catch (e) {
        throw toSyncError(e, 'server removal');
      }
    },
  };

  // Port rows record what Neutron gave a server; the Instance reconciler writes them.
  const port: Reconciler = {
    model: model('Port'),
    reconcile: async () => ({ kind: 'done' }),
    remove: async () => ({ kind: 'done' }), // a server's ports go with the server
  };
  return [instance, port];
}

// Networks an instance joins: the slice's own (autoconnect) and those it joined.
async function sliceNetworks(slice: Row, ctx: SyncContext): Promise<Row[]> {
  const own = (await ctx.find('Network', { owner: slice.id })).filter((n) => n.autoconnect !== false);
  const joined = [];
  for (const ns of await ctx.find('NetworkSlice', { slice: slice.id })) {
    const n = await ctx.get('Network', Number(ns.network));
    if (n && !n.deleted && !own.some((o) => o.id === n.id)) joined.push(n);
  }
  return [...own, ...joined];
}

async function recordPorts(inst: Row, server: Server, admin: OpenStackClient, ctx: SyncContext) {
  const links = await ctx.find('ControllerNetwork', {});
  for await (const p of admin.network.ports.list({ device_id: server.id })) {
    const link = links.find((l) => l.net_id === p.network_id);
    if (!link) continue;
    const row = await ctx.ensure('Port', { network: link.network, instance: inst.id });
    const ip = p.fixed_ips[0]?.ip_address ?? null;
    if (row.ip !== ip || row.port_id !== p.id || row.mac !== p.mac_address) await ctx.setFields('Port', Number(row.id), { ip, port_id: p.id, mac: p.mac_address });
  }
}
