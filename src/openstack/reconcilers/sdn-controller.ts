// A per-network SDN controller, as the OpenVirteX plugin had: a network whose template asks for
// one (controller_kind other than "none") gets a server from the template's image and flavor, in
// the slice's project, on that network. Once it runs with an address, tcp:<address>:<port> is the
// network's controller URL. A controller that gets no address within the template's timeout is
// deleted and the failure reported on the network; the next attempt boots a new one.
//
// The server carries metadata xos-id=controllernetwork/<id> and is looked up by it before one is
// created, so a crash after the create call is adopted, never duplicated.
import type { Rows } from '../../model/rows.js';
import { SyncError, type Outcome, type SyncContext } from '../../sync/types.js';
import { collect, OpenStackError, type OpenStackClient, type Server, type ServerCreate } from '../client/index.js';
import { notReady } from '../../sync/placement.js';

type Link = Rows['ControllerNetwork'];
type Net = Rows['Network'];
type Template = Rows['NetworkTemplate'];

export const sdnXosId = (linkId: number) => `controllernetwork/${linkId}`;
export const sdnServerName = (net: Pick<Net, 'name'>) => `${net.name}-sdn`;
export const wantsSdnController = (template: Pick<Template, 'controller_kind'> | null) =>
  template != null && template.controller_kind != null && template.controller_kind !== 'none';
export const controllerUrl = (address: string, port: number | null | undefined) => `tcp:${address}:${port ?? 6633}`;

const BOOTED = 'xos-booted'; // metadata: when XOS asked for the server (its own clock, ms)

// The server Nova is asked for (pure, so that it can be checked without a cluster).
export function sdnServerBody(a: {
  link: Pick<Link, 'id'>;
  net: Pick<Net, 'name'>;
  template: Pick<Template, 'controller_key_name'>;
  netId: string;
  imageId: string;
  flavorId: string;
  now: number;
}): ServerCreate {
  return {
    name: sdnServerName(a.net),
    flavorRef: a.flavorId,
    imageRef: a.imageId,
    networks: [{ uuid: a.netId }],
    metadata: { 'xos-id': sdnXosId(a.link.id), 'xos-network': a.net.name, [BOOTED]: String(a.now) },
    ...(a.template.controller_key_name ? { key_name: a.template.controller_key_name } : {}),
  };
}

// The controller's address on its network, once it runs.
export function sdnAddress(server: Server, net: Pick<Net, 'name'>): string | null {
  if (server.status !== 'ACTIVE') return null;
  const on = server.addresses?.[net.name] ?? Object.values(server.addresses ?? {}).flat();
  return on.find((a) => a.version === 4)?.addr ?? null;
}

// How long Nova took to boot the server, by Nova's clock. `created` and `updated` have whole
// seconds only, so a 1.8 s boot can read as 1 s; `launched_at` has microseconds, and measured
// from the start of `created`'s second it never reads shorter than the boot was. `updated`, which
// any later change moves, is the fallback where the usage extension is absent.
export function bootMs(server: Pick<Server, 'created' | 'updated' | 'OS-SRV-USG:launched_at'>): number {
  const launched = server['OS-SRV-USG:launched_at'];
  const end = launched ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(launched) ? launched : `${launched}Z`) : Date.parse(server.updated);
  return end - Date.parse(server.created);
}

// Whether the controller came up in time. A server XOS already took as the controller stays it.
// Otherwise one that runs with an address is in time when Nova booted it (bootMs) within the
// timeout of its creation (both by Nova's clock); one that does not run yet has until
// the timeout after XOS asked for it (by XOS's clock, metadata xos-booted).
export type SdnVerdict = { ready: string } | { late: true } | { waitMs: number };
export function sdnVerdict(server: Server, net: Pick<Net, 'name'>, link: Pick<Link, 'controller_instance_id' | 'controller_url'>, timeoutSeconds: number, now: number): SdnVerdict {
  const address = sdnAddress(server, net);
  const limit = timeoutSeconds * 1000;
  if (address) {
    if (link.controller_instance_id === server.id && link.controller_url) return { ready: address };
    const took = bootMs(server);
    return Number.isFinite(took) && took > limit ? { late: true } : { ready: address };
  }
  const booted = Number(server.metadata?.[BOOTED]);
  const since = Number.isFinite(booted) && booted > 0 ? booted : Date.parse(server.created);
  const left = limit - (Number.isFinite(since) ? now - since : 0);
  return left > 0 ? { waitMs: left } : { late: true };
}

const going = (s: Server) => s.status === 'DELETED' || s.status === 'SOFT_DELETED' || s['OS-EXT-STS:task_state'] === 'deleting';

async function findServers(admin: OpenStackClient, link: Link, net: Net | null): Promise<Server[]> {
  const found: Server[] = [];
  if (link.controller_instance_id) {
    const s = await admin.compute.servers.get(link.controller_instance_id).catch((e) => (e instanceof OpenStackError && e.status === 404 ? null : Promise.reject(e)));
    if (s && s.metadata?.['xos-id'] === sdnXosId(link.id)) found.push(s);
  }
  for (const s of await admin.compute.servers.findByMetadata({ key: 'xos-id', value: sdnXosId(link.id), all_tenants: true, ...(net ? { name: sdnServerName(net) } : {}) }))
    if (!found.some((f) => f.id === s.id)) found.push(s);
  return found;
}

async function flavorId(admin: OpenStackClient, template: Template, ctx: SyncContext): Promise<string> {
  let flavor = template.controller_flavor != null ? await ctx.get('Flavor', template.controller_flavor) : null;
  if (!flavor) [flavor] = await ctx.find('Flavor', { default: true });
  if (!flavor) throw new SyncError(`network template ${template.name} names no controller flavor and there is no default flavor`, 'configuration');
  const hit = (await collect(admin.compute.flavors.list())).find((f) => f.name === flavor!.name);
  if (hit) return hit.id;
  return (await admin.compute.flavors.create({ name: flavor.name, vcpus: flavor.vcpus, ram: flavor.ram_mb, disk: flavor.disk_gb })).id;
}

export interface SdnReady {
  kind: 'ready';
  url: string;
  serverId: string;
}

// Boots the network's controller or waits for it: ready with its URL, or the outcome to return
// meanwhile (waiting for its image, requeue while it starts).
export async function ensureSdnController(a: {
  admin: OpenStackClient;
  cloud: OpenStackClient; // scoped to the slice's project
  controller: Rows['Controller'];
  link: Link;
  net: Net;
  template: Template;
  netId: string;
  ctx: SyncContext;
  now?: () => number;
}): Promise<SdnReady | Outcome> {
  const { admin, cloud, controller, link, net, template, ctx } = a;
  const now = a.now ?? Date.now;
  const timeout = template.controller_timeout ?? 30;
  const name = sdnServerName(net);
  let [server] = (await findServers(admin, link, net)).filter((s) => !going(s));
  if (server?.status === 'ERROR') {
    // The fault comes only with the single server; the next attempt boots a fresh one.
    const full = await admin.compute.servers.get(server.id).catch(() => server);
    await admin.compute.servers.delete(server.id, { ignoreMissing: true });
    throw new SyncError(`SDN controller for network ${net.name} failed: ${full.fault?.message ?? 'the server went to ERROR'}`, 'transient');
  }
  if (!server) {
    const image = template.controller_image == null ? null : await ctx.get('Image', template.controller_image);
    if (!image) throw new SyncError(`network template ${template.name} names no controller image`, 'configuration');
    const imageLink = await ctx.ensure('ControllerImage', { controller: controller.id, image: image.id });
    const wait = notReady(imageLink, `image ${image.name} on ${controller.name} (for the SDN controller)`);
    if (wait) return wait;
    const body = sdnServerBody({ link, net, template, netId: a.netId, imageId: String(imageLink.glance_image_id), flavorId: await flavorId(admin, template, ctx), now: now() });
    server = await cloud.compute.servers.create(body);
    await ctx.setFields('ControllerNetwork', link.id, { controller_instance_id: server.id });
    server = await admin.compute.servers.get(server.id);
  }
  const verdict = sdnVerdict(server, net, link, timeout, now());
  if ('ready' in verdict) return { kind: 'ready', url: controllerUrl(verdict.ready, template.controller_port), serverId: server.id };
  if ('late' in verdict) {
    // As the OVX plugin did: a controller that does not come up is deleted.
    await admin.compute.servers.delete(server.id, { ignoreMissing: true });
    await ctx.setFields('ControllerNetwork', link.id, { controller_instance_id: null, controller_url: null });
    throw new SyncError(`SDN controller for network ${net.name} got no address within ${timeout} s`, 'transient');
  }
  const left = verdict.waitMs;
  return {
    kind: 'requeue',
    afterSeconds: Math.max(0.5, Math.min(2, left / 1000)),
    message: `SDN controller ${name} is ${server.status}; waiting up to ${timeout} s for its address`,
    fields: { controller_instance_id: server.id },
  };
}

// Deletes the network's controller: true once no server is left.
export async function removeSdnController(admin: OpenStackClient, link: Link, net: Net | null): Promise<boolean> {
  const servers = await findServers(admin, link, net);
  const left = servers.filter((s) => s.status !== 'DELETED');
  for (const s of left) if (!going(s)) await admin.compute.servers.delete(s.id, { ignoreMissing: true });
  return left.length === 0;
}
