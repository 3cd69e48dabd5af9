import { backendId, baseFields, ref, syncFields } from '../common.js';
import { defineModel } from '../define.js';
import type { Fields } from '../rows.js';

// Link rows hold one logical object's state on one controller (its backend ids). The synchronizer
// creates them for the controllers that need the object; only root admins see them. `field` is
// the reference to the object, the target's name in snake_case; it is given rather than computed
// so that the row type has it as a literal.
function link<const N extends string, const P extends string, const T extends string, const K extends string, const Fs extends Fields>(
  n: N,
  plural: P,
  table: string,
  target: T,
  field: K,
  fields: Fs,
) {
  const targetRef = ref(target, { required: true, onDelete: 'cascade' });
  return defineModel({
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
      // A computed key of a generic type would widen to an index signature.
      ...({ [field]: targetRef } as { [k in K]: typeof targetRef }),
      ...fields,
    },
    uniqueTogether: [['controller', field]],
    read: { kind: 'admin' },
    write: { kind: 'admin' },
    listFields: ['id', 'controller', field, ...Object.keys(fields).filter((f) => !fields[f].hidden), 'backend_status'],
  });
}

export const ControllerSite = link('ControllerSite', 'controllersites', 'controller_sites', 'Site', 'site', {
  tenant_id: backendId('Project id'),
});
export const ControllerUser = link('ControllerUser', 'controllerusers', 'controller_users', 'User', 'user', {
  kuser_id: backendId('Keystone user id'),
  kuser_password: { type: 'secret', readOnly: true, hidden: true, nullable: true, maxLength: 1024 },
});
export const ControllerSlice = link('ControllerSlice', 'controllerslices', 'controller_slices', 'Slice', 'slice', {
  tenant_id: backendId('Project id'),
});
export const ControllerImage = link('ControllerImage', 'controllerimages', 'controller_images', 'Image', 'image', {
  glance_image_id: backendId('Glance image id'),
});
export const ControllerNetwork = link('ControllerNetwork', 'controllernetworks', 'controller_networks', 'Network', 'network', {
  net_id: backendId('Network id'),
  subnet_id: backendId('Subnet id'),
  router_id: backendId('Router id'),
  subnet: { type: 'cidr', nullable: true, readOnly: true },
  controller_url: { type: 'string', maxLength: 1024, nullable: true, readOnly: true, help: 'tcp:<address>:<port> of its SDN controller' },
  controller_instance_id: backendId('SDN controller server id'),
});
export const ControllerAddressPool = link('ControllerAddressPool', 'controlleraddresspools', 'controller_address_pools', 'AddressPool', 'address_pool', {
  net_id: backendId('External network id'),
  subnet_id: backendId('Subnet id'),
});
export const ControllerSitePrivilege = link(
  'ControllerSitePrivilege',
  'controllersiteprivileges',
  'controller_site_privileges',
  'SitePrivilege',
  'site_privilege',
  { role_id: backendId('Role id') },
);
export const ControllerSlicePrivilege = link(
  'ControllerSlicePrivilege',
  'controllersliceprivileges',
  'controller_slice_privileges',
  'SlicePrivilege',
  'slice_privilege',
  { role_id: backendId('Role id') },
);
