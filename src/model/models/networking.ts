import { backendId, baseFields, name, ref, syncFields } from '../common.js';
import type { ModelDef, ModelContext, Row } from '../types.js';

export const NetworkTemplate: ModelDef = {
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
    controller_kind: { type: 'enum', choices: ['none', 'onos', 'custom'], default: 'none' },
  },
  read: { kind: 'all' },
  write: { kind: 'admin' },
  listFields: ['id', 'name', 'visibility', 'translation', 'shared_network_name'],
  searchFields: ['name', 'description'],
};

export const Network: ModelDef = {
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
  listFields: ['id', 'name', 'owner', 'template', 'subnet', 'backend_status'],
  searchFields: ['name', 'labels'],
};

// A slice may use a network it owns, or one that lets it in.
async function slicePermitted(v: Row, ctx: ModelContext) {
  const net = await ctx.get('Network', Number(v.network));
  if (!net) return [];
  const sliceId = v.slice ?? (v.instance != null ? (await ctx.get('Instance', Number(v.instance)))?.slice : null);
  if (sliceId == null) return [];
  const ok =
    net.owner === sliceId || net.permit_all_slices === true || (net.permitted_slices as number[]).includes(Number(sliceId));
  return ok ? [] : [{ field: 'network', message: `slice ${sliceId} may not join network ${net.name}` }];
}

export const NetworkSlice: ModelDef = {
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
};

export const Port: ModelDef = {
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
  },
  uniqueTogether: [['network', 'instance']],
  read: { kind: 'slice', path: 'network.owner' },
  write: { kind: 'slice', path: 'network.owner' },
  validate: (v, _b, ctx) => slicePermitted(v, ctx),
  listFields: ['id', 'network', 'instance', 'ip', 'mac', 'backend_status'],
};
