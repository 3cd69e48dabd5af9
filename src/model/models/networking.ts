import net from 'node:net';
import { backendId, baseFields, name, ref, syncFields } from '../common.js';
import { defineModel } from '../define.js';
import type { FieldError, ModelContext } from '../types.js';
import { parseCidr, parseRanges, toInt } from '../../net/address-ranges.js';
import { parsePortForwards } from '../../net/port-forward.js';

export const NetworkTemplate = defineModel({
  name: 'NetworkTemplate',
  plural: 'networktemplates',
  table: 'network_templates',
  label: 'Network template',
  titleField: 'name',
  nav: 'Networking',
  fields: {
    ...baseFields,
    name: name(32, { unique: true }),
    description: { type: 'string', maxLength: 1024, nullable: true },
    guaranteed_bandwidth: { type: 'integer', default: 0, min: 0 },
    visibility: { type: 'enum', choices: ['private', 'public'], default: 'private' },
    translation: { type: 'enum', choices: ['none', 'NAT'], default: 'none' },
    shared_network_name: { type: 'string', maxLength: 30, nullable: true, help: 'An existing cluster network to attach to' },
    shared_network_id: { type: 'string', maxLength: 64, nullable: true },
    topology_kind: { type: 'enum', choices: ['bigswitch', 'physical', 'custom'], default: 'bigswitch' },
    controller_kind: {
      type: 'enum',
      choices: ['none', 'onos', 'custom'],
      default: 'none',
      help: 'Boot an SDN controller instance for every network made from this template',
    },
    controller_image: ref('Image', { nullable: true, help: 'The SDN controller\'s image' }),
    controller_flavor: ref('Flavor', { nullable: true, help: 'The SDN controller\'s flavor (default: the default flavor)' }),
    controller_key_name: { type: 'string', maxLength: 255, nullable: true, help: 'Nova key pair for the SDN controller' },
    controller_port: { type: 'integer', default: 6633, min: 1, max: 65535, help: 'OpenFlow port of the SDN controller' },
    controller_timeout: { type: 'integer', default: 30, min: 1, max: 3600, help: 'Seconds to wait for the SDN controller to get an address' },
  },
  read: { kind: 'all' },
  write: { kind: 'admin' },
  validate: (v) =>
    v.controller_kind !== 'none' && v.controller_image == null
      ? [{ field: 'controller_image', message: `is required when controller_kind is ${v.controller_kind}` }]
      : [],
  listFields: ['id', 'name', 'visibility', 'translation', 'shared_network_name', 'controller_kind'],
  searchFields: ['name', 'description'],
});

export const Network = defineModel({
  name: 'Network',
  plural: 'networks',
  table: 'networks',
  label: 'Network',
  titleField: 'name',
  nav: 'Networking',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    name: name(32, { pattern: '^[A-Za-z0-9_.-]+$', patternHelp: 'letters, digits, "_", "." and "-"' }),
    template: ref('NetworkTemplate', { required: true }),
    owner: ref('Slice', { required: true, createOnly: true, onDelete: 'cascade' }),
    subnet: { type: 'cidr', nullable: true },
    ports: { type: 'string', maxLength: 1024, nullable: true, help: 'Port forwarding, e.g. "tcp 80, udp 53, tcp 8000:8010"' },
    labels: { type: 'string', maxLength: 1024, nullable: true },
    guaranteed_bandwidth: { type: 'integer', default: 0, min: 0 },
    permit_all_slices: { type: 'boolean', default: false },
    permitted_slices: { type: 'int_array', default: [], help: 'Ids of other slices that may join' },
    autoconnect: { type: 'boolean', default: true },
    topology_parameters: { type: 'text', maxLength: 4096, nullable: true },
    controller_url: { type: 'string', maxLength: 1024, nullable: true, readOnly: true },
    controller_parameters: { type: 'text', maxLength: 4096, nullable: true },
  },
  read: { kind: 'custom', name: 'network' },
  write: { kind: 'slice', path: 'owner' },
  validate: (v) => parsePortForwards(v.ports).errors.map((message) => ({ field: 'ports', message })),
  listFields: ['id', 'name', 'owner', 'template', 'subnet', 'backend_status'],
  searchFields: ['name', 'labels'],
});

// A slice may use a network it owns, or one that lets it in.
async function slicePermitted(v: { network: number; slice?: number | null; instance?: number | null }, ctx: ModelContext): Promise<FieldError[]> {
  const net = await ctx.get('Network', v.network);
  if (!net) return [];
  const sliceId = v.slice ?? (v.instance != null ? (await ctx.get('Instance', v.instance))?.slice : null);
  if (sliceId == null) return [];
  const ok = net.owner === sliceId || net.permit_all_slices === true || net.permitted_slices.includes(sliceId);
  return ok ? [] : [{ field: 'network', message: `slice ${sliceId} may not join network ${net.name}` }];
}

export const NetworkSlice = defineModel({
  name: 'NetworkSlice',
  plural: 'networkslices',
  table: 'network_slices',
  label: 'Network slice',
  titleField: 'id',
  nav: 'Networking',
  fields: {
    ...baseFields,
    network: ref('Network', { required: true, onDelete: 'cascade' }),
    slice: ref('Slice', { required: true, onDelete: 'cascade' }),
  },
  uniqueTogether: [['network', 'slice']],
  read: { kind: 'slice', path: 'slice' },
  write: { kind: 'slice', path: 'slice' },
  validate: (v, _b, ctx) => slicePermitted(v, ctx),
  listFields: ['id', 'network', 'slice'],
});

export const Port = defineModel({
  name: 'Port',
  plural: 'ports',
  table: 'ports',
  label: 'Port',
  titleField: 'id',
  nav: 'Networking',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    network: ref('Network', { required: true, onDelete: 'cascade' }),
    instance: ref('Instance', { nullable: true, onDelete: 'cascade' }),
    ip: { type: 'ip', nullable: true },
    mac: { type: 'string', maxLength: 17, nullable: true, pattern: '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$', patternHelp: 'aa:bb:cc:dd:ee:ff' },
    port_id: backendId('Port id'),
    floating_ip: { type: 'ip', nullable: true, readOnly: true, help: 'The public address its port forwarding uses' },
    floating_ip_id: backendId('Floating IP id'),
  },
  uniqueTogether: [['network', 'instance']],
  read: { kind: 'slice', path: 'network.owner' },
  write: { kind: 'slice', path: 'network.owner' },
  validate: (v, _b, ctx) => slicePermitted(v, ctx),
  listFields: ['id', 'network', 'instance', 'ip', 'mac', 'backend_status'],
});

// A block of public IPv4 space that XOS hands out, for one controller or for every controller of
// a deployment (a controller's own pool wins). It is pushed to the cluster's external network.
function checkPool(v: { cidr: string; gateway?: string | null; ranges: string; controller?: number | null; deployment?: number | null }): FieldError[] {
  const errors: FieldError[] = [];
  const cidr = parseCidr(v.cidr);
  if (!cidr) return [{ field: 'cidr', message: 'must be an IPv4 network, e.g. 10.0.2.0/24' }];
  if (v.gateway != null) {
    const g = v.gateway;
    const c = parseCidr(v.cidr);
    if (!net.isIPv4(g) || !c || toInt(g) < c.network || toInt(g) >= c.network + c.size)
      errors.push({ field: 'gateway', message: `${g} is not an address inside ${v.cidr}` });
  }
  const parsed = parseRanges(v.ranges, { cidr: v.cidr, gateway: errors.length ? null : v.gateway });
  errors.push(...parsed.errors.map((message) => ({ field: 'ranges', message })));
  if ((v.controller == null) === (v.deployment == null))
    errors.push({ field: v.controller == null ? 'deployment' : 'controller', message: 'a pool belongs to exactly one of a deployment or a controller' });
  return errors;
}

export const AddressPool = defineModel({
  name: 'AddressPool',
  plural: 'addresspools',
  table: 'address_pools',
  label: 'Address pool',
  titleField: 'name',
  nav: 'Networking',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    name: name(32, { unique: true }),
    cidr: { type: 'cidr', required: true, help: 'The public network, e.g. 10.0.2.0/24' },
    gateway: { type: 'ip', nullable: true },
    ranges: {
      type: 'string',
      required: true,
      maxLength: 4096,
      help: 'Addresses XOS may hand out, e.g. "10.0.2.3-10.0.2.15, 10.0.2.17, 10.0.2.19-10.0.2.254"',
    },
    deployment: ref('Deployment', { nullable: true, unique: true, onDelete: 'cascade', help: 'For every controller of this deployment' }),
    controller: ref('Controller', { nullable: true, unique: true, onDelete: 'cascade', help: 'For this controller only' }),
    network_name: {
      type: 'string',
      maxLength: 64,
      default: 'ext-net',
      pattern: '^[A-Za-z0-9_.-]+$',
      patternHelp: 'letters, digits, "_", "." and "-"',
      help: "The cluster's external network that gets this pool (made if missing)",
    },
  },
  read: { kind: 'all' },
  write: { kind: 'admin' },
  validate: (v) => checkPool(v),
  listFields: ['id', 'name', 'cidr', 'ranges', 'deployment', 'controller', 'backend_status'],
  searchFields: ['name', 'ranges'],
});

// One address of a pool held by an instance: its public port, or (with network) the floating
// address that serves that network's port forwarding. Rows are written by the synchronizer
// under a lock on the pool, so no address is ever given twice.
export const AddressAllocation = defineModel({
  name: 'AddressAllocation',
  plural: 'addressallocations',
  table: 'address_allocations',
  label: 'Address allocation',
  titleField: 'address',
  nav: 'Networking',
  fields: {
    ...baseFields,
    pool: ref('AddressPool', { required: true, onDelete: 'protect' }),
    address: { type: 'ip', required: true },
    instance: ref('Instance', { required: true, onDelete: 'cascade' }),
    network: ref('Network', { nullable: true, onDelete: 'cascade', help: 'Set for the address of a port forwarding' }),
  },
  uniqueTogether: [['pool', 'address']],
  validate: async (v, _b, ctx): Promise<FieldError[]> => {
    const pool = await ctx.get('AddressPool', v.pool);
    if (!pool || !net.isIPv4(v.address)) return [];
    const a = toInt(v.address);
    const { ranges } = parseRanges(pool.ranges);
    return ranges.some((r) => a >= r.start && a <= r.end) ? [] : [{ field: 'address', message: `${v.address} is not in the ranges of pool ${pool.name}` }];
  },
  read: { kind: 'slice', path: 'instance.slice' },
  write: { kind: 'admin' },
  listFields: ['id', 'pool', 'address', 'instance', 'network'],
  searchFields: ['address'],
});
