// Port forwarding: a Port whose network has a `ports` spec ("tcp 80, udp 53, tcp 8000:8010") gets,
// on its controller, a floating IP on the external network with one Neutron port forwarding per
// entry (or per port, where the cluster cannot forward ranges) to the port's fixed address. The
// floating address comes from XOS's address pool, which the external subnet's allocation pool
// equals, so XOS never hands out an address Neutron has given to someone else.
//
// Neutron accepts a forwarding only when a router joins the port's subnet to the floating IP's
// network: an existing one is used, else XOS makes one router per controller. The floating IP
// carries its Port (description xos-port-<id>) and is found again after a crash; the reconciler
// lists its forwardings and adds what is missing and deletes what is extra.
import { model } from '../../model/registry.js';
import type { Rows } from '../../model/rows.js';
import { parseCidr, parseRanges, toInt, toIp } from '../../net/address-ranges.js';
import { formatForward, parsePortForwards, type Forward } from '../../net/port-forward.js';
import { SyncError, type Outcome, type Reconciler, type SyncCache, type SyncContext } from '../../sync/types.js';
import { collect, OpenStackError, type OpenStackClient } from '../client/index.js';
import type { FloatingIp, PortForwarding, PortForwardingCreate, Router } from '../client/services/network.js';
import { clientFor, type ConnectOptions } from '../connect.js';
import { toSyncError } from '../sync-errors.js';
import { controllerForInstance, notReady, xosTag } from '../../sync/placement.js';

export const PF_EXTENSION = 'floating-ip-port-forwarding';
export const PF_RANGES_EXTENSION = 'floating-ip-port-forwarding-port-ranges';
// Where a cluster cannot forward ranges, each port of a range is a forwarding of its own; more than
// this many for one port is refused rather than flooding Neutron.
export const MAX_FORWARDINGS = 100;

// One forwarding as XOS wants it: the same port numbers outside and inside.
export interface Rule {
  protocol: 'tcp' | 'udp';
  from: number;
  to: number;
}

const ruleKey = (r: Rule) => `${r.protocol} ${r.from}:${r.to}`;

// The forwardings a spec needs on a cluster, or why it cannot have them.
export function rulesFor(forwards: Forward[], ranges: boolean, where = 'the cluster'): { rules: Rule[] } | { error: string } {
  if (ranges) return { rules: forwards.map((f) => ({ protocol: f.protocol, from: f.from, to: f.to })) };
  const total = forwards.reduce((n, f) => n + f.to - f.from + 1, 0);
  if (total > MAX_FORWARDINGS) {
    const big = forwards.filter((f) => f.to > f.from).map(formatForward).join(', ');
    return {
      error: `port forwarding needs ${total} forwardings on ${where}, which cannot forward port ranges (no ${PF_RANGES_EXTENSION} extension): at most ${MAX_FORWARDINGS} are made one port at a time (ranges: ${big})`,
    };
  }
  const rules: Rule[] = [];
  for (const f of forwards) for (let p = f.from; p <= f.to; p++) rules.push({ protocol: f.protocol, from: p, to: p });
  return { rules };
}

const parseRange = (range: string | null | undefined, single: number | null | undefined): [number, number] | null => {
  if (range) {
    const [a, b = a] = String(range).split(':').map(Number);
    return Number.isFinite(a) && Number.isFinite(b) ? [a, b] : null;
  }
  return single != null ? [Number(single), Number(single)] : null;
};

// A forwarding Neutron lists, as a rule, or null when it is not one XOS would make for this
// port (other ports inside and outside, another address or Neutron port).
export function ruleOf(pf: Partial<PortForwarding>, target: { ip: string; portId: string }): Rule | null {
  const inside = parseRange(pf.internal_port_range, pf.internal_port);
  const outside = parseRange(pf.external_port_range, pf.external_port);
  if (!inside || !outside || inside[0] !== outside[0] || inside[1] !== outside[1]) return null;
  if (pf.internal_ip_address !== target.ip || pf.internal_port_id !== target.portId) return null;
  if (pf.protocol !== 'tcp' && pf.protocol !== 'udp') return null;
  return { protocol: pf.protocol, from: inside[0], to: inside[1] };
}

// What to add and what to delete so that Neutron has exactly the wanted forwardings.
export function diffForwardings(
  existing: Partial<PortForwarding>[],
  wanted: Rule[],
  target: { ip: string; portId: string },
): { create: Rule[]; remove: Partial<PortForwarding>[] } {
  const want = new Map(wanted.map((r) => [ruleKey(r), r]));
  const kept = new Set<string>();
  const remove: Partial<PortForwarding>[] = [];
  for (const pf of existing) {
    const r = ruleOf(pf, target);
    const k = r && ruleKey(r);
    if (k && want.has(k) && !kept.has(k)) kept.add(k);
    else remove.push(pf);
  }
  return { create: wanted.filter((r) => !kept.has(ruleKey(r))), remove };
}

export function forwardingBody(r: Rule, target: { ip: string; portId: string }, tag: string): PortForwardingCreate {
  const base = { protocol: r.protocol, internal_ip_address: target.ip, internal_port_id: target.portId, description: tag };
  return r.from === r.to
    ? { ...base, internal_port: r.from, external_port: r.from }
    : { ...base, internal_port_range: `${r.from}:${r.to}`, external_port_range: `${r.from}:${r.to}` };
}

const describe = (rules: Rule[]) => rules.map((r) => formatForward(r)).join(', ');

// The extensions of each controller's Neutron, looked up at most once a minute.
export async function neutronExtensions(cache: SyncCache, controller: Pick<Rows['Controller'], 'id' | 'version'>, admin: OpenStackClient): Promise<Set<string>> {
  const key = `openstack:extensions:${controller.id}`;
  const hit = cache.get<{ at: number; version: number; aliases: Set<string> }>(key);
  if (hit && hit.version === controller.version && Date.now() - hit.at < 60_000) return hit.aliases;
  const aliases = new Set((await admin.network.listExtensions()).map((e) => e.alias));
  cache.set(key, { at: Date.now(), version: controller.version, aliases });
  return aliases;
}

// Ports of one controller are reconciled side by side; its router is made by one of them at a time.
const queues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(key: string, f: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(f, f);
  const tail = run.catch(() => {});
  queues.set(key, tail);
  void tail.then(() => queues.get(key) === tail && queues.delete(key));
  return run;
}

const missing = (e: unknown) => e instanceof OpenStackError && e.status === 404;
const orNull = <T>(p: Promise<T>) => p.catch((e) => (missing(e) ? null : Promise.reject(e)));

// ---------------------------------------------------------------------------------------------
// The router that joins a subnet to the external network.

const ROUTER_INTERFACE_OWNERS = ['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface'];
type RouterOwner = Pick<Rows['Controller'], 'id' | 'name'>;
export const routerName = (controller: RouterOwner) => `xos-${controller.name}`;
export const routerTag = (controller: RouterOwner) => xosTag('controller', controller.id);
const isOurs = (r: Router, controller: RouterOwner) => r.name === routerName(controller) && r.description === routerTag(controller);

// The address XOS's router takes on the external subnet: the highest one of the pool's network
// that lies outside the pool's ranges (so that it is never one XOS hands out) and that nothing
// uses; null when the pool covers the whole network.
export function routerGatewayAddress(pool: { cidr: string; gateway?: string | null; ranges: string }, used: Iterable<string>): string | null {
  const c = parseCidr(pool.cidr);
  if (!c || c.prefix > 30) return null;
  const { ranges } = parseRanges(pool.ranges);
  const taken = new Set([...used].map(toInt));
  if (pool.gateway) taken.add(toInt(pool.gateway));
  for (let n = c.network + c.size - 2; n > c.network; n--)
    if (!taken.has(n) && !ranges.some((r) => n >= r.start && n <= r.end)) return toIp(n);
  return null;
}

export interface External {
  netId: string;
  subnetId: string;
  pool: Rows['AddressPool']; // the XOS address pool the external subnet carries
}

// A router with a gateway on the external network and an interface on the subnet: one that
// exists, else XOS's own router of this controller (made, given the gateway and joined to the
// subnet as needed).
export async function ensureRouter(admin: OpenStackClient, controller: RouterOwner, ext: External, subnetId: string): Promise<Router> {
  const subnet = await admin.network.subnets.get(subnetId);
  const joined = new Set<string>();
  for await (const p of admin.network.ports.list({ network_id: subnet.network_id }))
    if (ROUTER_INTERFACE_OWNERS.includes(p.device_owner) && p.fixed_ips.some((ip) => ip.subnet_id === subnetId)) joined.add(p.device_id);
  for (const id of joined) {
    const r = await orNull(admin.network.routers.get(id));
    if (r?.external_gateway_info?.network_id === ext.netId) return r;
  }
  const ours = (await collect(admin.network.routers.list({ name: routerName(controller) }))).filter((r) => isOurs(r, controller));
  let router = ours.find((r) => r.external_gateway_info?.network_id === ext.netId) ?? ours.find((r) => !r.external_gateway_info) ?? null;
  if (router?.external_gateway_info?.network_id !== ext.netId) {
    const gateway = await gatewayInfo(admin, ext);
    router = router
      ? await admin.network.routers.update(router.id, { external_gateway_info: gateway })
      : await admin.network.routers.create({ name: routerName(controller), description: routerTag(controller), external_gateway_info: gateway });
  }
  if (!joined.has(router.id)) await joinSubnet(admin, router, subnet.network_id, subnetId, subnet.gateway_ip);
  return router;
}

// Left to itself Neutron would give the router's gateway an address of the allocation pool, which
// is XOS's to hand out.
async function gatewayInfo(admin: OpenStackClient, ext: External) {
  const used = (await collect(admin.network.ports.list({ network_id: ext.netId }))).flatMap((p) => p.fixed_ips.map((f) => f.ip_address));
  const address = routerGatewayAddress(ext.pool, used);
  if (!address)
    throw new SyncError(
      `pool ${ext.pool.name} covers all of ${ext.pool.cidr}: leave one address out of its ranges for XOS's router, or give the cluster a router with a gateway on its external network`,
      'configuration',
    );
  return { network_id: ext.netId, external_fixed_ips: [{ subnet_id: ext.subnetId, ip_address: address }] };
}

const interfaceTag = (router: Router) => `xos-router-interface ${router.id}`;

// At the subnet's gateway address when that is free; else through a port of its own (a subnet
// without a gateway, or one whose gateway another router holds).
async function joinSubnet(admin: OpenStackClient, router: Router, networkId: string, subnetId: string, gateway: string | null) {
  if (gateway) {
    const [holder] = await collect(admin.network.ports.list({ network_id: networkId, fixed_ips: `ip_address=${gateway}` }));
    if (!holder) {
      await admin.network.addRouterInterface(router.id, { subnet_id: subnetId });
      return;
    }
  }
  // A port made for this before a crash is used again.
  const mine = (await collect(admin.network.ports.list({ network_id: networkId, description: interfaceTag(router) }))).find(
    (p) => !p.device_id && p.fixed_ips.some((ip) => ip.subnet_id === subnetId),
  );
  const port = mine ?? (await admin.network.ports.create({ network_id: networkId, fixed_ips: [{ subnet_id: subnetId }], name: `${router.name}-if`, description: interfaceTag(router) }));
  await admin.network.addRouterInterface(router.id, { port_id: port.id });
}

// Undo ensureRouter for one network once nothing of XOS's needs the router there any more: its
// interfaces on the network go, and XOS's own router goes with its last interface. Routers XOS
// did not make are left alone. Returns a message while a floating IP still holds it.
export async function releaseRouter(admin: OpenStackClient, controller: RouterOwner, routerId: string, networkId: string): Promise<string | null> {
  const router = await orNull(admin.network.routers.get(routerId));
  if (!router || !isOurs(router, controller)) return null;
  const interfaces = (await collect(admin.network.ports.list({ device_id: router.id }))).filter((p) => ROUTER_INTERFACE_OWNERS.includes(p.device_owner));
  try {
    for (const p of interfaces) {
      if (p.network_id !== networkId) continue;
      await admin.network.removeRouterInterface(router.id, { port_id: p.id }).catch((e) => (missing(e) ? null : Promise.reject(e)));
      if (p.description === interfaceTag(router)) await admin.network.ports.delete(p.id, { ignoreMissing: true });
    }
    const left = (await collect(admin.network.ports.list({ device_id: router.id }))).filter((p) => ROUTER_INTERFACE_OWNERS.includes(p.device_owner));
    if (!left.length) await admin.network.routers.delete(router.id, { ignoreMissing: true });
  } catch (e) {
    // Neutron keeps an interface that a floating IP's forwardings still go through.
    if (e instanceof OpenStackError && e.status === 409) return `router ${router.name} is still used by floating IPs`;
    throw e;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The Port reconciler.

const fipTag = (port: Pick<Rows['Port'], 'id'>) => xosTag('port', port.id);

// The floating IP XOS made for a port: the recorded one, else the one tagged for it on the
// external network (a crash after the create call).
async function findFloatingIp(admin: OpenStackClient, port: Rows['Port'], extNet: string | null): Promise<FloatingIp | null> {
  if (port.floating_ip_id) {
    const f = await orNull(admin.network.floatingIps.get(port.floating_ip_id));
    if (f && f.description === fipTag(port)) return f;
  }
  if (!extNet) return null;
  const [f] = await collect(admin.network.floatingIps.list({ floating_network_id: extNet, description: fipTag(port) }));
  return f ?? null;
}

// Forwardings first: Neutron refuses to delete a floating IP that still has some.
async function deleteFloatingIp(admin: OpenStackClient, fip: FloatingIp) {
  const pfs = admin.network.portForwardings(fip.id);
  for (const pf of await collect(pfs.list()).catch((e) => (missing(e) ? [] : Promise.reject(e)))) await pfs.delete(pf.id, { ignoreMissing: true });
  await admin.network.floatingIps.delete(fip.id, { ignoreMissing: true });
}

export function portForwardingReconciler(opts: ConnectOptions): Reconciler<'Port'> {
  const context = async (port: Rows['Port'], ctx: SyncContext) => {
    const network = await ctx.get('Network', port.network);
    const instance = port.instance != null ? await ctx.get('Instance', port.instance) : null;
    const controller = instance ? await controllerForInstance(instance, ctx) : null;
    return { network, instance, controller };
  };

  // Takes away what XOS made for the port's forwarding and gives the address back.
  const clear = async (port: Rows['Port'], ctx: SyncContext, controller: Rows['Controller'] | null, instance: Rows['Instance'] | null): Promise<void> => {
    if (controller) {
      const admin = clientFor(controller, ctx, opts);
      const pool = await ctx.addresses.poolFor(controller);
      const [link] = pool ? await ctx.find('ControllerAddressPool', { controller: controller.id, address_pool: pool.id }) : [];
      const fip = await findFloatingIp(admin, port, link?.net_id ?? null);
      if (fip) await deleteFloatingIp(admin, fip);
    }
    if (instance) await ctx.addresses.release(instance.id, port.network);
  };

  const holdsSomething = async (port: Rows['Port'], ctx: SyncContext, instance: Rows['Instance'] | null) =>
    port.floating_ip_id != null || (instance != null && (await ctx.find('AddressAllocation', { instance: instance.id, network: port.network })).length > 0);

  return {
    model: model('Port'),

    reconcile: async (port, ctx): Promise<Outcome> => {
      const { network, instance, controller } = await context(port, ctx);
      if (!network) return { kind: 'waiting', on: `network ${port.network}` };
      const { forwards, errors } = parsePortForwards(network.ports);
      if (errors.length) throw new SyncError(`network ${network.name}: ${errors.join('; ')}`, 'configuration', null, true);
      const none = { floating_ip: null, floating_ip_id: null };
      if (!forwards.length) {
        // The usual case: nothing to forward, and nothing left over from an earlier spec.
        if (!(await holdsSomething(port, ctx, instance))) return { kind: 'done' };
        try {
          await clear(port, ctx, controller, instance);
        } catch (e) {
          throw toSyncError(e, 'removing the port forwarding');
        }
        return { kind: 'done', fields: none, message: 'OK (port forwarding removed)' };
      }
      if (!instance) return { kind: 'done', fields: none, message: 'OK (no instance: nothing to forward to)' };
      if (!controller) return { kind: 'waiting', on: `a controller for instance ${instance.id}` };
      const admin = clientFor(controller, ctx, opts);
      const what = `port forwarding (${network.ports})`;
      try {
        const extensions = await neutronExtensions(ctx.cache, controller, admin);
        if (!extensions.has(PF_EXTENSION))
          throw new SyncError(`port forwarding is not supported on ${controller.name}: Neutron has no ${PF_EXTENSION} extension`, 'configuration', null, true);
        const planned = rulesFor(forwards, extensions.has(PF_RANGES_EXTENSION), controller.name);
        if ('error' in planned) throw new SyncError(planned.error, 'configuration', null, true);

        if (!port.port_id) return { kind: 'waiting', on: `the Neutron port of instance ${instance.id} on network ${network.name}` };
        const nport = await orNull(admin.network.ports.get(port.port_id));
        const fixed = nport?.fixed_ips.find((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip.ip_address));
        if (!nport || !fixed) return { kind: 'requeue', afterSeconds: 5, message: `Neutron port ${port.port_id} of instance ${instance.id} is gone or has no IPv4 address` };
        const target = { ip: fixed.ip_address, portId: nport.id };

        const pool = await ctx.addresses.poolFor(controller);
        if (!pool) throw new SyncError(`port forwarding needs a public address, and no address pool serves ${controller.name}`, 'configuration');
        const poolLink = await ctx.ensure('ControllerAddressPool', { controller: controller.id, address_pool: pool.id });
        const wait = notReady(poolLink, `address pool ${pool.name} on ${controller.name}`);
        if (wait) return wait;
        const extNet = String(poolLink.net_id);

        const router = await oneAtATime(`router:${controller.id}`, () =>
          ensureRouter(admin, controller, { netId: extNet, subnetId: String(poolLink.subnet_id), pool }, fixed.subnet_id),
        );
        const [netLink] = await ctx.find('ControllerNetwork', { controller: controller.id, network: network.id });
        if (netLink && netLink.router_id !== router.id) await ctx.setFields('ControllerNetwork', netLink.id, { router_id: router.id });

        const got = await ctx.addresses.allocate(pool.id, { instance: instance.id, network: network.id });
        if (!got.ok) throw new SyncError(got.message, 'configuration');
        let fip = await findFloatingIp(admin, port, extNet);
        if (fip && (fip.floating_ip_address !== got.address || fip.floating_network_id !== extNet)) {
          await deleteFloatingIp(admin, fip); // the pool moved: a new address on the new network
          fip = null;
        }
        fip ??= await admin.network.floatingIps
          .create({ floating_network_id: extNet, floating_ip_address: got.address, project_id: nport.project_id, description: fipTag(port) })
          .catch((e) => {
            if (e instanceof OpenStackError && e.status === 409)
              throw new SyncError(`address ${got.address} of pool ${pool.name} is taken on ${controller.name} by something XOS did not make`, 'configuration', e.requestId ?? null);
            throw e;
          });
        // Recorded at once, so that a crash from here on finds it by id.
        if (port.floating_ip_id !== fip.id) await ctx.setFields('Port', port.id, { floating_ip: fip.floating_ip_address, floating_ip_id: fip.id });

        const pfs = admin.network.portForwardings(fip.id);
        const { create, remove } = diffForwardings(await collect(pfs.list()), planned.rules, target);
        for (const pf of remove) await pfs.delete(String(pf.id), { ignoreMissing: true });
        for (const r of create) await pfs.create(forwardingBody(r, target, fipTag(port)));
        return {
          kind: 'done',
          fields: { floating_ip: fip.floating_ip_address, floating_ip_id: fip.id },
          message: `OK (${describe(forwards)} at ${fip.floating_ip_address})`,
        };
      } catch (e) {
        throw toSyncError(e, what);
      }
    },

    remove: async (port, ctx) => {
      const { network, instance, controller } = await context(port, ctx);
      // Nothing forwarded and nothing held: nothing of it to take away in the cloud.
      if (!parsePortForwards(network?.ports).forwards.length && !(await holdsSomething(port, ctx, instance))) return { kind: 'done' };
      try {
        await clear(port, ctx, controller, instance);
      } catch (e) {
        throw toSyncError(e, 'port forwarding removal');
      }
      return { kind: 'done' };
    },
  };
}
