import { backendId, baseFields, name, ref, syncFields } from '../common.js';
import { defineModel } from '../define.js';
import type { FieldError, Row } from '../types.js';

export const Image = defineModel({
  name: 'Image',
  plural: 'images',
  table: 'images',
  label: 'Image',
  titleField: 'name',
  nav: 'Compute',
  synced: true,
  includes: [{ model: 'ImageDeployment', field: 'image' }], // the deployments whose clusters get it
  fields: {
    ...baseFields,
    ...syncFields,
    name: name(256, { unique: true }),
    disk_format: {
      type: 'enum',
      choices: ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'iso', 'ami', 'ari', 'aki', 'ploop'],
      default: 'qcow2',
    },
    container_format: { type: 'enum', choices: ['bare', 'ovf', 'ova', 'aki', 'ari', 'ami', 'docker'], default: 'bare' },
    path: { type: 'string', maxLength: 1024, nullable: true, help: 'Local file uploaded to the clusters' },
  },
  read: { kind: 'all' },
  write: { kind: 'admin' },
  listFields: ['id', 'name', 'disk_format', 'container_format', 'backend_status'],
  searchFields: ['name'],
});

export const ImageDeployment = defineModel({
  name: 'ImageDeployment',
  plural: 'imagedeployments',
  table: 'image_deployments',
  label: 'Image deployment',
  titleField: 'id',
  nav: 'Compute',
  fields: {
    ...baseFields,
    image: ref('Image', { required: true, onDelete: 'cascade' }),
    deployment: ref('Deployment', { required: true, onDelete: 'cascade' }),
  },
  uniqueTogether: [['image', 'deployment']],
  read: { kind: 'all' },
  write: { kind: 'deployment', path: 'deployment' },
  listFields: ['id', 'image', 'deployment'],
});

export const Flavor = defineModel({
  name: 'Flavor',
  plural: 'flavors',
  table: 'flavors',
  label: 'Flavor',
  titleField: 'name',
  nav: 'Compute',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    name: name(32, { unique: true, help: 'The Nova flavor name' }),
    description: { type: 'string', maxLength: 1024, nullable: true },
    vcpus: { type: 'integer', default: 1, min: 1, max: 1024, label: 'vCPUs' },
    ram_mb: { type: 'integer', default: 2048, min: 64, max: 16777216, label: 'RAM (MB)' },
    disk_gb: { type: 'integer', default: 20, min: 0, max: 1000000, label: 'Disk (GB)' },
    order: { type: 'integer', default: 0 },
    default: { type: 'boolean', default: false, help: "Used for a network's SDN controller when its template names no flavor" },
  },
  read: { kind: 'all' },
  write: { kind: 'admin' },
  listFields: ['id', 'name', 'vcpus', 'ram_mb', 'disk_gb', 'default'],
  searchFields: ['name', 'description'],
});

export const Instance = defineModel({
  name: 'Instance',
  plural: 'instances',
  table: 'instances',
  label: 'Instance',
  titleField: 'name',
  nav: 'Compute',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    name: { type: 'string', maxLength: 200, nullable: true, index: true },
    slice: ref('Slice', { required: true, createOnly: true, onDelete: 'cascade' }),
    deployment: ref('Deployment', { required: true, createOnly: true }),
    node: ref('Node', { nullable: true, createOnly: true, onDelete: 'set_null', help: 'Pin to this compute host' }),
    image: ref('Image', { required: true, defaultFrom: "the slice's default_image" }),
    flavor: ref('Flavor', { required: true, defaultFrom: "the slice's default_flavor or [nova] default_flavor" }),
    creator: ref('User', { nullable: true, adminOnly: true, onDelete: 'set_null', help: 'Set to the caller on create' }),
    number_cores: { type: 'integer', default: 0, min: 0, max: 1024 },
    user_data: { type: 'text', maxLength: 65536, nullable: true, help: 'Replaces the generated cloud-config' },
    instance_name: backendId('Server name'),
    instance_id: backendId('Hypervisor instance name'),
    instance_uuid: backendId('Server id'),
    ip: { type: 'ip', nullable: true, readOnly: true, help: 'The instance\'s first address' },
    power: { type: 'enum', choices: ['on', 'off'], default: 'on', help: 'Desired power state: the synchronizer starts or stops the server to match' },
    power_state: { type: 'string', maxLength: 32, nullable: true, readOnly: true, help: "The server's power state as Nova last reported it (running, shutdown, ...)" },
    task_state: { type: 'string', maxLength: 64, nullable: true, readOnly: true, help: 'What Nova is doing to the server (powering-off, rebooting, ...); empty when idle' },
    // Reboots are requests, not state: each POST .../reboot counts one, the synchronizer carries
    // out those it has not yet done and records how many it did.
    reboot_requests: { type: 'integer', default: 0, readOnly: true, help: 'Reboots asked for (POST /api/core/instances/<id>/reboot)' },
    reboot_type: { type: 'enum', choices: ['soft', 'hard'], nullable: true, readOnly: true, help: 'The kind of the last reboot asked for' },
    reboots_done: { type: 'integer', default: 0, readOnly: true, help: 'Reboots the synchronizer carried out' },
    last_reboot: { type: 'datetime', nullable: true, readOnly: true, help: 'When the synchronizer last rebooted the server' },
  },
  read: { kind: 'slice', path: 'slice' },
  write: { kind: 'slice', path: 'slice' },
  deploymentAcl: 'deployment',
  // Left out on create: the slice's default image and flavor, else the configured default flavor.
  derive: async (v, ctx): Promise<Row> => {
    if (v.image != null && v.flavor != null) return {};
    const slice = v.slice != null ? await ctx.get('Slice', v.slice) : null;
    const out: Row = {};
    if (v.image == null && slice?.default_image != null) out.image = slice.default_image;
    if (v.flavor == null) {
      if (slice?.default_flavor != null) out.flavor = slice.default_flavor;
      else if (ctx.settings.defaultFlavor) {
        const f = await ctx.findOne('Flavor', { name: ctx.settings.defaultFlavor });
        if (f) out.flavor = f.id;
      }
    }
    return out;
  },
  // The return type is stated: inferring it would make this definition's type depend on the row
  // types, which are derived from it.
  validate: async (v, _before, ctx): Promise<FieldError[]> => {
    if (v.node == null) return [];
    const node = await ctx.get('Node', v.node);
    const sd = node ? await ctx.get('SiteDeployment', node.site_deployment) : null;
    return sd && sd.deployment !== v.deployment
      ? [{ field: 'node', message: `node ${node!.name} is not in deployment ${v.deployment}` }]
      : [];
  },
  listFields: ['id', 'name', 'slice', 'deployment', 'node', 'image', 'flavor', 'ip', 'power_state', 'backend_status'],
  searchFields: ['name', 'instance_name'],
});
