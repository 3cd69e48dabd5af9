// Nova: an Instance becomes a server named <slice>-<id> in its slice's project, pinned to its
// node when it names one, on the slice's networks, with the slice members' SSH keys in its
// user data and metadata xos-id=instance/<id>. The row records the server's name before the
// create call and its id after it; a row with a name but no id (a crash between the two) looks
// the server up by its metadata first, so it is adopted, never duplicated. A row with neither
// has never had a create sent, and skips the search.
// A server still building is watched with one list of its project's servers per poll, outside
// the worker slots (server-watch.ts); the instance is woken when it is built. Removal deletes the
// recorded server by its id and waits, the same way, for it to be gone.
// On a public network, when an address pool serves the controller, the instance's address comes
// from XOS: it is allocated first, then a port with exactly that address is made on the pool's
// external network (found again by its name and tag after a crash) and the server boots with it.
// Nova does not delete ports it was given, so removal deletes that port once the server is gone,
// and only then gives the address back.
import { model } from '../../model/registry.js';
import type { Rows } from '../../model/rows.js';
import { SyncError, type Outcome, type Reconciler, type SyncContext } from '../../sync/types.js';
import { collect, encodeUserData, OpenStackError, type OpenStackClient, type Port, type Server } from '../client/index.js';
import type { ServerNetworks } from '../client/services/compute.js';
import { clientFor, projectClient, type ConnectOptions } from '../connect.js';
import { toSyncError } from '../sync-errors.js';
import { recordedServer, withFlavorId } from '../nova-lookups.js';
import { isBuilding, ServerWatch, watchKey, type Seen, type ServerWatchOptions } from '../server-watch.js';
import { controllerForInstance, notReady, xosTag } from '../../sync/placement.js';

const xosId = (id: number) => `instance/${id}`;
// A watched row comes back on its own after this long, should no list ever wake it (its
// process died, or the list keeps failing).
const WATCH_FALLBACK_SECONDS = 30;
// A DELETE that Nova accepted is sent again only when the server is still there this much later
// (a busy Nova takes tens of seconds to delete a server).
const DELETE_AGAIN_MS = 60_000;


// Keys of everyone who may log in: slice members, the instance's and the slice's creators.
async function sshKeys(inst: Rows['Instance'], slice: Rows['Slice'], ctx: SyncContext): Promise<string[]> {
  const users = new Set<number>();
  for (const p of await ctx.find('SlicePrivilege', { slice: slice.id })) users.add(p.user);
  if (inst.creator != null) users.add(inst.creator);
  if (slice.creator != null) users.add(slice.creator);
  const keys: string[] = [];
  for (const id of users) {
    const u = await ctx.get('User', id);
    if (u?.public_key && !u.deleted) keys.push(u.public_key.trim());
  }
  return keys;
}

function userData(inst: Rows['Instance'], slice: Rows['Slice'], keys: string[]): string {
  if (inst.user_data) return inst.user_data;
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

export function novaReconcilers(opts: ConnectOptions & { serverWatch?: ServerWatchOptions } = {}): Reconciler[] {
  const watch = new ServerWatch(opts.serverWatch);
  const deletesSent = new Map<string, number>(); // server id → when its DELETE was answered
  const wakeOf = (ctx: SyncContext, id: number) => () => ctx.wake('Instance', id);
  const instance: Reconciler<'Instance'> = {
    model: model('Instance'),
    reconcile: async (inst, ctx): Promise<Outcome> => {
      const controller = await controllerForInstance(inst, ctx);
      if (!controller) return { kind: 'waiting', on: `a controller in deployment ${inst.deployment}` };
      const slice = await ctx.get('Slice', inst.slice);
      const image = await ctx.get('Image', inst.image);
      const flavor = await ctx.get('Flavor', inst.flavor);
      if (!slice || !image || !flavor) return { kind: 'waiting', on: 'its slice, image and flavor' };
      // What the server needs on this controller, created here if missing.
      const sliceLink = await ctx.ensure('ControllerSlice', { controller: controller.id, slice: slice.id });
      const imageLink = await ctx.ensure('ControllerImage', { controller: controller.id, image: image.id });
      const nets = await sliceNetworks(slice, ctx);
      const netLinks = [];
      for (const n of nets) netLinks.push({ n, link: await ctx.ensure('ControllerNetwork', { controller: controller.id, network: n.id }) });
      const publicNets = await publicNetworks(nets, ctx);
      const pool = publicNets.size ? await ctx.addresses.poolFor(controller) : null;
      const poolLink = pool ? await ctx.ensure('ControllerAddressPool', { controller: controller.id, address_pool: pool.id }) : null;
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
        const key = watchKey(controller, String(sliceLink.tenant_id));
        // What the project's list showed since the row last changed, when it woke us; else the
        // recorded server by its id; the metadata search when a create may have been sent
        // without its id being recorded (a crash in between).
        const seen = inst.instance_uuid ? watch.take(key, inst.instance_uuid, new Date(inst.updated).getTime()) : undefined;
        const listed = seen?.server?.metadata?.['xos-id'] === xosId(inst.id) ? seen.server : null;
        let server =
          listed ??
          (seen ? null : await recordedServer(admin, inst.instance_uuid, xosId(inst.id))) ??
          (inst.instance_name ? (await admin.compute.servers.findByMetadata({ key: 'xos-id', value: xosId(inst.id), name, all_tenants: true }))[0] : undefined);
        if (server && !isBuilding(server.status)) watch.forget(key, inst.id, server.id);
        if (server?.status === 'ERROR') {
          // The fault comes only with the single server, not with the list.
          const why = await explainFault(admin, await admin.compute.servers.get(server.id));
          // Drop the failed server: the next attempt boots a fresh one.
          await admin.compute.servers.delete(server.id, { ignoreMissing: true });
          throw new SyncError(`server ${name}: ${why}`, 'transient');
        }
        if (!server) {
          let node: Rows['Node'] | null = null;
          if (inst.node != null) node = await ctx.get('Node', inst.node);
          let publicPort: Port | null = null;
          if (pool && poolLink) {
            const w = notReady(poolLink, `address pool ${pool.name} on ${controller.name}`);
            if (w) return w;
            for (const { n, link } of netLinks) {
              const shared = publicNets.get(n.id);
              if (shared !== undefined && link.net_id !== poolLink.net_id)
                throw new SyncError(`network ${n.name} is on the cluster network "${shared}", but pool ${pool.name} serves "${pool.network_name}" on ${controller.name}`, 'configuration');
            }
            const a = await ctx.addresses.allocate(pool.id, { instance: inst.id });
            if (!a.ok) throw new SyncError(a.message, 'configuration');
            publicPort = await ensurePublicPort(admin, {
              name: publicPortName(slice, inst),
              tag: xosTag('instance', inst.id),
              netId: String(poolLink.net_id),
              subnetId: String(poolLink.subnet_id),
              project: String(sliceLink.tenant_id),
              address: a.address,
              pool: pool.name,
            });
          }
          const networks = bootNetworks(netLinks.map(({ link }) => String(link.net_id)), publicPort);
          const user_data = encodeUserData(userData(inst, slice, await sshKeys(inst, slice, ctx)));
          // The name first: from now on a later reconcile searches before it creates.
          if (inst.instance_name !== name) await ctx.setFields('Instance', inst.id, { instance_name: name });
          const created = await withFlavorId(ctx.cache, admin, controller, flavor, (flavorRef) => cloud.compute.servers.create({
            name,
            flavorRef,
            imageRef: String(imageLink.glance_image_id),
            networks,
            ...(node ? { availability_zone: `nova:${node.name}` } : {}),
            metadata: { 'xos-id': xosId(inst.id), 'xos-slice': slice.name },
            user_data,
          }));
          // A server is always BUILD right after its create: record its id and watch it, rather than read it now.
          watch.watch(key, admin, String(sliceLink.tenant_id), inst.id, created.id, 'built', wakeOf(ctx, inst.id), ctx.signal);
          return { kind: 'requeue', afterSeconds: WATCH_FALLBACK_SECONDS, message: `server ${name} is BUILD`, fields: { instance_uuid: created.id, instance_name: name } };
        }
        const fields = {
          instance_uuid: server.id,
          instance_name: name,
          instance_id: server['OS-EXT-SRV-ATTR:instance_name'] ?? null,
          ip: firstAddress(server),
          power_state: powerStateName(server['OS-EXT-STS:power_state']),
          task_state: server['OS-EXT-STS:task_state'] ?? null,
        };
        if (server.status === 'ACTIVE' || server.status === 'SHUTOFF') {
          const power = await matchPower(inst, server, admin, ctx);
          if (power) return { kind: 'requeue', afterSeconds: 2, message: `server ${name} ${power}`, fields };
          if (server.status === 'ACTIVE') await recordPorts(inst, server, admin, ctx, netLinks, listed ? seen?.ports : null);
          return { kind: 'done', fields, ...(server.status === 'SHUTOFF' ? { message: 'OK (powered off)' } : {}) };
        }
        watch.watch(key, admin, String(sliceLink.tenant_id), inst.id, server.id, 'built', wakeOf(ctx, inst.id), ctx.signal);
        return { kind: 'requeue', afterSeconds: WATCH_FALLBACK_SECONDS, message: `server ${name} is ${server.status}`, fields };
      } catch (e) {
        throw toSyncError(e, `server ${name}`);
      }
    },
    remove: async (inst, ctx) => {
      const controller = await controllerForInstance(inst, ctx);
      if (!controller) {
        await ctx.addresses.release(inst.id, null);
        return { kind: 'done' };
      }
      const admin = clientFor(controller, ctx, opts);
      const slice = await ctx.get('Slice', inst.slice);
      const finish = async (): Promise<Outcome> => {
        // The server is gone: its public port now (Nova leaves ports it was given), then the
        // address. Only a controller that an address pool serves has such ports.
        if (slice && (await ctx.addresses.poolFor(controller))) await removePublicPorts(admin, inst, slice);
        await ctx.addresses.release(inst.id, null);
        return { kind: 'done' };
      };
      try {
        const uuid = inst.instance_uuid;
        if (uuid) {
          // By its recorded id: deleted once, then watched in its project's list until it is gone.
          const [link] = slice ? await ctx.findAll('ControllerSlice', { controller: controller.id, slice: slice.id }) : [];
          const key = link?.tenant_id ? watchKey(controller, String(link.tenant_id)) : null;
          const sent = deletesSent.get(uuid);
          const seen: Seen | undefined = key && sent !== undefined ? watch.take(key, uuid, sent) : undefined;
          if (seen && !seen.server) {
            deletesSent.delete(uuid);
            return await finish();
          }
          if (sent === undefined || Date.now() - sent > DELETE_AGAIN_MS) {
            if (!(await admin.compute.servers.delete(uuid, { ignoreMissing: true }))) {
              deletesSent.delete(uuid);
              return await finish();
            }
            for (const [id, at] of deletesSent) if (Date.now() - at > 10 * DELETE_AGAIN_MS) deletesSent.delete(id); // rows purged elsewhere
            deletesSent.set(uuid, Date.now());
          }
          if (!key) return { kind: 'requeue', afterSeconds: 1, message: 'server is being deleted' };
          watch.watch(key, admin, String(link.tenant_id), inst.id, uuid, 'gone', wakeOf(ctx, inst.id), ctx.signal);
          return { kind: 'requeue', afterSeconds: WATCH_FALLBACK_SECONDS, message: 'server is being deleted' };
        }
        // No recorded id: a create may have been sent all the same when the name was recorded.
        if (!inst.instance_name) return await finish();
        const servers = await admin.compute.servers.findByMetadata({ key: 'xos-id', value: xosId(inst.id), all_tenants: true, name: inst.instance_name });
        if (!servers.length) return await finish();
        for (const s of servers) if (s.status !== 'DELETED') await admin.compute.servers.delete(s.id, { ignoreMissing: true });
        return { kind: 'requeue', afterSeconds: 1, message: 'server is being deleted' };
      } catch (e) {
        throw toSyncError(e, 'server removal');
      }
    },
  };
  return [instance];
}

// Nova's power states (nova/compute/power_state.py) by their number.
const POWER_STATES: Record<number, string> = { 0: 'nostate', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended' };
const powerStateName = (n: number | undefined) => (n === undefined ? null : (POWER_STATES[n] ?? `state ${n}`));

// Makes an ACTIVE or SHUTOFF server match the instance's power and carries out the reboots asked
// for and not yet done. Returns what it set going ("is powering off"), or null when the server
// is as it should be. Nova refuses actions while a task runs: wait for it to end first.
async function matchPower(inst: Rows['Instance'], server: Server, admin: OpenStackClient, ctx: SyncContext): Promise<string | null> {
  const task = server['OS-EXT-STS:task_state'];
  if (task) return `is busy (${task})`;
  const pendingReboots = inst.reboot_requests > inst.reboots_done;
  if (inst.power === 'off') {
    // A stopped server has nothing to reboot: requests made before the stop are settled by it.
    if (pendingReboots) await ctx.setFields('Instance', inst.id, { reboots_done: inst.reboot_requests });
    if (server.status === 'SHUTOFF') return null;
    await admin.compute.servers.stop(server.id);
    return 'is powering off';
  }
  if (server.status === 'SHUTOFF') {
    await admin.compute.servers.start(server.id);
    return 'is powering on';
  }
  if (!pendingReboots) return null;
  const type = inst.reboot_type === 'hard' ? 'HARD' : 'SOFT';
  await admin.compute.servers.reboot(server.id, type);
  // Recorded at once, so that the request is carried out once even if this reconcile goes no further.
  await ctx.setFields('Instance', inst.id, { reboots_done: inst.reboot_requests, last_reboot: new Date() });
  return `is rebooting (${type.toLowerCase()})`;
}

// Networks an instance joins: the slice's own (autoconnect) and those it joined.
async function sliceNetworks(slice: Rows['Slice'], ctx: SyncContext): Promise<Rows['Network'][]> {
  const own = (await ctx.find('Network', { owner: slice.id })).filter((n) => n.autoconnect !== false);
  const joined = [];
  for (const ns of await ctx.find('NetworkSlice', { slice: slice.id })) {
    const n = await ctx.get('Network', ns.network);
    if (n && !n.deleted && !own.some((o) => o.id === n.id)) joined.push(n);
  }
  return [...own, ...joined];
}

// The server's ports, as the watch's batch fetched them (`known`) or asked for now.
async function recordPorts(
  inst: Rows['Instance'],
  server: Server,
  admin: OpenStackClient,
  ctx: SyncContext,
  netLinks: { n: Rows['Network']; link: Rows['ControllerNetwork'] }[],
  known: Port[] | null | undefined,
) {
  for (const p of known ?? (await collect(admin.network.ports.list({ device_id: server.id })))) {
    const hit = netLinks.find(({ link }) => link.net_id === p.network_id);
    if (!hit) continue;
    const row = await ctx.ensure('Port', { network: hit.n.id, instance: inst.id });
    const ip = p.fixed_ips[0]?.ip_address ?? null;
    if (row.ip !== ip || row.port_id !== p.id || row.mac !== p.mac_address) await ctx.setFields('Port', row.id, { ip, port_id: p.id, mac: p.mac_address });
  }
}

// The slice's networks whose template is public, with the cluster network each names.
async function publicNetworks(nets: Rows['Network'][], ctx: SyncContext): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const n of nets) {
    const t = await ctx.get('NetworkTemplate', n.template);
    if (t?.visibility === 'public') out.set(n.id, t.shared_network_name ?? '');
  }
  return out;
}

const publicPortName = (slice: Pick<Rows['Slice'], 'name'>, inst: Pick<Rows['Instance'], 'id'>) => `${slice.name}-${inst.id}-public`;

// The port that carries an instance's public address: the one made before (by name and tag),
// else a new one, made as admin in the slice's project with exactly the allocated address.
async function ensurePublicPort(
  admin: OpenStackClient,
  o: { name: string; tag: string; netId: string; subnetId: string; project: string; address: string; pool: string },
): Promise<Port> {
  const fixed = [{ subnet_id: o.subnetId, ip_address: o.address }];
  const has = (p: Port) => p.fixed_ips.some((f) => f.subnet_id === o.subnetId && f.ip_address === o.address);
  const found = (await collect(admin.network.ports.list({ network_id: o.netId, name: o.name }))).filter((p) => p.description === o.tag);
  const keep = found.find(has) ?? found[0];
  for (const extra of found) if (extra !== keep && !extra.device_id) await admin.network.ports.delete(extra.id, { ignoreMissing: true });
  try {
    if (keep) return has(keep) ? keep : await admin.network.ports.update(keep.id, { fixed_ips: fixed });
    return await admin.network.ports.create({ network_id: o.netId, name: o.name, description: o.tag, project_id: o.project, fixed_ips: fixed });
  } catch (e) {
    if (e instanceof OpenStackError && e.status === 409 && /already allocated/i.test(e.serverMessage ?? ''))
      throw new SyncError(`address ${o.address} of pool ${o.pool} is taken on the cluster by a port XOS did not make`, 'configuration', e.requestId ?? null);
    throw e;
  }
}

// Nova's networks for a new server: the public port where there is one, else the network.
function bootNetworks(netIds: string[], publicPort: Port | null): ServerNetworks {
  if (!netIds.length) return 'none';
  const out: Exclude<ServerNetworks, string> = [];
  for (const id of netIds) {
    if (!publicPort || id !== publicPort.network_id) out.push({ uuid: id });
    else if (!out.some((x) => 'port' in x)) out.push({ port: publicPort.id });
  }
  return out;
}

async function removePublicPorts(admin: OpenStackClient, inst: Rows['Instance'], slice: Rows['Slice']) {
  const tag = xosTag('instance', inst.id);
  for (const p of await collect(admin.network.ports.list({ name: publicPortName(slice, inst) })))
    if (p.description === tag) await admin.network.ports.delete(p.id, { ignoreMissing: true });
}
