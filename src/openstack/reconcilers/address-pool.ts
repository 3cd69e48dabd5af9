// Address pools on the clusters. An AddressPool is a logical object (sync/aggregates.ts): its state
// is that of its ControllerAddressPool rows, one per controller it serves. A ControllerAddressPool makes the
// controller's external network match the pool: the network by name (made when missing,
// external and shared), and an IPv4 subnet for the pool's CIDR whose gateway and allocation
// pools are the pool's, DHCP off. XOS picks every address itself (src/store/addresses.ts) and
// asks Neutron for exactly that one; the allocation pools say which addresses are XOS's.
import { model } from '../../model/registry.js';
import type { Rows } from '../../model/rows.js';
import { SyncError, type Reconciler, type SyncContext } from '../../sync/types.js';
import { allocationPools, parseCidr, parseRanges, show } from '../../net/address-ranges.js';
import { collect, type OpenStackClient } from '../client/index.js';
import type { AllocationPool, Network, Subnet } from '../client/services/network.js';
import { clientFor, type ConnectOptions } from '../connect.js';
import { toSyncError } from '../sync-errors.js';
import { controllerOfLink, xosTag } from '../../sync/placement.js';

const networkName = (pool: Rows['AddressPool']) => pool.network_name ?? 'ext-net';

const sameCidr = (a: string, b: string) => {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return !!x && !!y && x.network === y.network && x.prefix === y.prefix;
};
const poolKey = (pools: AllocationPool[]) =>
  pools
    .map((p) => `${p.start}-${p.end}`)
    .sort()
    .join(',');

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const orNull = <T>(p: Promise<T>) => p.catch((e) => ((e as { status?: number }).status === 404 ? null : Promise.reject(e)));

// The cluster's network of that name: the one this pool made, else the first (an operator's own).
async function findNetwork(admin: OpenStackClient, name: string, tag: string): Promise<Network | null> {
  const all = await collect(admin.network.networks.list({ name }));
  return all.find((n) => n.description === tag) ?? all[0] ?? null;
}

export function addressPoolReconcilers(opts: ConnectOptions): Reconciler[] {
  const link: Reconciler<'ControllerAddressPool'> = {
    model: model('ControllerAddressPool'),
    reconcile: async (row, ctx) => {
      const p = await ctx.get('AddressPool', row.address_pool);
      if (!p || p.deleted) return { kind: 'waiting', on: `address pool ${row.address_pool}` };
      const controller = await controllerOfLink(row, ctx);
      const serving = await ctx.addresses.poolFor(controller);
      if (serving && serving.id !== p.id) return { kind: 'done', message: `OK (not pushed: ${controller.name} has its own pool ${serving.name})` };
      const { ranges, errors } = parseRanges(p.ranges, { cidr: p.cidr, gateway: p.gateway });
      if (errors.length) throw new SyncError(`pool ${p.name}: ${errors.join('; ')}`, 'configuration');
      const name = networkName(p);
      const tag = xosTag('addresspool', p.id);
      const admin = clientFor(controller, ctx, opts);
      try {
        const net = (await findNetwork(admin, name, tag)) ?? (await admin.network.networks.create({ name, 'router:external': true, shared: true, description: tag }));
        const want = { gateway_ip: p.gateway ?? null, allocation_pools: allocationPools(ranges) };
        const subnets = await collect(admin.network.subnets.list({ network_id: net.id }));
        let sub: Subnet | undefined = subnets.find((s) => s.ip_version === 4 && sameCidr(s.cidr, p.cidr));
        if (!sub)
          sub = await admin.network.subnets.create({ network_id: net.id, cidr: p.cidr, ip_version: 4, name: p.name, enable_dhcp: false, description: tag, ...want });
        else if (poolKey(sub.allocation_pools) !== poolKey(want.allocation_pools) || (sub.gateway_ip ?? null) !== want.gateway_ip)
          sub = await admin.network.subnets.update(sub.id, want);
        // A subnet this pool made for a CIDR it no longer has goes, unless ports still use it.
        const ports = await collect(admin.network.ports.list({ network_id: net.id }));
        for (const old of subnets.filter((s) => s.id !== sub!.id && s.description === tag))
          if (!ports.some((pt) => pt.fixed_ips.some((f) => f.subnet_id === old.id))) await admin.network.subnets.delete(old.id, { ignoreMissing: true });
        return { kind: 'done', fields: { net_id: net.id, subnet_id: sub.id }, message: `OK (${name} ${sub.cidr}: ${ranges.map(show).join(', ')})` };
      } catch (e) {
        throw toSyncError(e, `external network ${name}`);
      }
    },
    // The subnet and network go only when this pool made them and no port uses them; anything
    // else stays on the cluster, and the log says what and why.
    remove: async (row, ctx) => {
      const p = await ctx.get('AddressPool', row.address_pool);
      const controller = await controllerOfLink(row, ctx);
      const tag = xosTag('addresspool', row.address_pool);
      const admin = clientFor(controller, ctx, opts);
      try {
        let net = row.net_id ? await orNull(admin.network.networks.get(row.net_id)) : null;
        if (!net && p) net = (await collect(admin.network.networks.list({ name: networkName(p) }))).find((n) => n.description === tag) ?? null;
        if (!net) return { kind: 'done' };
        const ports = await collect(admin.network.ports.list({ network_id: net.id }));
        const left: string[] = [];
        for (const s of await collect(admin.network.subnets.list({ network_id: net.id }))) {
          if (s.id !== row.subnet_id && s.description !== tag) continue; // not this pool's
          const using = ports.filter((pt) => pt.fixed_ips.some((f) => f.subnet_id === s.id)).length;
          if (s.description !== tag) left.push(`subnet ${s.cidr} (not made by XOS)`);
          else if (using) left.push(`subnet ${s.cidr} (${count(using, 'port')} on it)`);
          else await admin.network.subnets.delete(s.id, { ignoreMissing: true });
        }
        const remaining = await collect(admin.network.subnets.list({ network_id: net.id }));
        if (net.description !== tag) left.push(`network ${net.name} (not made by XOS)`);
        else if (ports.length || remaining.length) left.push(`network ${net.name} (${count(ports.length, 'port')}, ${count(remaining.length, 'subnet')})`);
        else await admin.network.networks.delete(net.id, { ignoreMissing: true });
        if (!left.length) return { kind: 'done' };
        const message = `left on ${controller.name}: ${left.join(', ')}`;
        ctx.log(`address pool ${p?.name ?? row.address_pool}: ${message}`);
        return { kind: 'done', message };
      } catch (e) {
        throw toSyncError(e, 'external network removal');
      }
    },
  };
  return [link];
}
