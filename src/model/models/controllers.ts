import { backendId, baseFields, ref, syncFields } from '../common.js';
import type { FieldDef, ModelDef } from '../types.js';

// Link rows hold one logical object's state on one controller (its backend ids). The synchronizer
// creates them for the controllers that need the object; only root admins see them.
function link(n: string, plural: string, table: string, target: string, fields: Record<string, FieldDef>): ModelDef {
  const field = target.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return {
    name: n,
    plural,
    table,
    label: n.replace(/([a-z])([A-Z])/g, '$1 $2'),
    titleField: 'id',
    nav: 'Controllers',
    synced: true,
    rollsUpTo: field,
    fields: {
      ...baseFields,
      ...syncFields,
      controller: ref('Controller', { required: true, onDelete: 'cascade' }),
      [field]: ref(target, { required: true, onDelete: 'cascade' }),
      ...fields,
    },
    uniqueTogether: [['controller', field]],
    read: { kind: 'admin' },
    write: { kind: 'admin' },
    listFields: ['id', 'controller', field, ...Object.keys(fields).filter((f) => !fields[f].hidden), 'backend_status'],
  };
}

export const ControllerSite = link('ControllerSite', 'controllersites', 'controller_sites', 'Site', {
  tenant_id: backendId('Project id'),
});
export const ControllerUser = link('ControllerUser', 'controllerusers', 'controller_users', 'User', {
  kuser_id: backendId('Keystone user id'),
  kuser_password: { type: 'secret', readOnly: true, hidden: true, nullable: true, maxLength: 1024 },
});
export const ControllerSlice = link('ControllerSlice', 'controllerslices', 'controller_slices', 'Slice', {
  tenant_id: backendId('Project id'),
});
export const ControllerImage = link('ControllerImage', 'controllerimages', 'controller_images', 'Image', {
  glance_image_id: backendId('Glance image id'),
});
export const ControllerNetwork = link('ControllerNetwork', 'controllernetworks', 'controller_networks', 'Network', {
  net_id: backendId('Network id'),
  subnet_id: backendId('Subnet id'),
  router_id: backendId('Router id'),
  subnet: { type: 'cidr', nullable: true, readOnly: true },
  controller_url: { type: 'string', maxLength: 1024, nullable: true, readOnly: true, help: 'tcp:<address>:<port> of its SDN controller' },
  controller_instance_id: backendId('SDN controller server id'),
});
export const ControllerAddressPool = link('ControllerAddressPool', 'controlleraddresspools', 'controller_address_pools', 'AddressPool', {
  net_id: backendId('External network id'),
  subnet_id: backendId('Subnet id'),
});
export const ControllerSitePrivilege = link(
  'ControllerSitePrivilege',
  'controllersiteprivileges',
  'controller_site_privileges',
  'SitePrivilege',
  { role_id: backendId('Role id') },
);
export const ControllerSlicePrivilege = link(
  'ControllerSlicePrivilege',
  'controllersliceprivileges',
  'controller_slice_privileges',
  'SlicePrivilege',
  { role_id: backendId('Role id') },
);
