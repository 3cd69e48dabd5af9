import { baseFields, name, ref, syncFields } from '../common.js';
import { defineModel } from '../define.js';
import type { FieldError, ModelContext } from '../types.js';

export const User = defineModel({
  name: 'User',
  plural: 'users',
  table: 'users',
  label: 'User',
  titleField: 'email',
  nav: 'Tenancy',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    email: { type: 'email', required: true, maxLength: 255, unique: true, index: true, help: 'Also the login name' },
    password: { type: 'password', minLength: 8, maxLength: 256, help: 'At least 8 characters; stored hashed' },
    firstname: name(200, { index: false, label: 'First name' }),
    lastname: name(200, { index: false, label: 'Last name' }),
    phone: { type: 'string', maxLength: 100, nullable: true },
    user_url: { type: 'url', maxLength: 512, nullable: true },
    site: ref('Site', { required: true, help: 'Home site' }),
    public_key: { type: 'text', maxLength: 16384, nullable: true, label: 'SSH public key' },
    is_active: { type: 'boolean', default: true },
    is_admin: { type: 'boolean', default: false, adminOnly: true, help: 'Root admin: may do anything' },
    is_readonly: { type: 'boolean', default: false, adminOnly: true, help: 'May read but never write' },
    timezone: { type: 'string', maxLength: 100, default: 'UTC' },
  },
  read: { kind: 'all' },
  write: { kind: 'custom', name: 'user' },
  guard: lastAdministrator,
  validate: (v) => {
    const key = v.public_key;
    if (typeof key === 'string' && key.trim() && !/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+) [A-Za-z0-9+/=]+/.test(key.trim()))
      return [{ field: 'public_key', message: 'is not an OpenSSH public key ("ssh-ed25519 AAAA... comment")' }];
    return [];
  },
  listFields: ['id', 'email', 'firstname', 'lastname', 'site', 'is_admin', 'backend_status'],
  searchFields: ['email', 'firstname', 'lastname'],
});

// An administrator who can still administer: active, and not read-only. (Spelled out rather than
// Rows['User']: User's own type would then depend on itself.)
type Account = { is_admin?: boolean | null; is_active?: boolean | null; is_readonly?: boolean | null; deleted?: boolean | null };
const administers = (u: Account | null) => Boolean(u && u.is_admin === true && u.is_active !== false && u.is_readonly !== true && u.deleted !== true);

// Deleting, deactivating or demoting the last such administrator would leave nobody who can
// manage XOS through its API.
async function lastAdministrator(after: Account | null, before: (Account & { id: number; email: string }) | null, ctx: ModelContext): Promise<string | null> {
  if (!administers(before) || administers(after)) return null;
  const others = await ctx.count('User', { is_admin: true, is_active: true, is_readonly: false }, before!.id);
  return others
    ? null
    : `${before!.email} is the last active administrator; make another user an administrator before ${after ? 'taking this away' : 'deleting this one'}`;
}

const roleModel = <const N extends string, const P extends string, const C extends readonly string[]>(n: N, plural: P, table: string, choices: C) =>
  defineModel({
    name: n,
    plural,
    table,
    label: n.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().replace(/^./, (c) => c.toUpperCase()),
    titleField: 'role',
    nav: 'Tenancy',
    fields: { ...baseFields, role: { type: 'enum', choices, required: true, unique: true } },
    read: { kind: 'all' },
    write: { kind: 'admin' },
    listFields: ['id', 'role'],
  });

export const SiteRole = roleModel('SiteRole', 'siteroles', 'site_roles', ['admin', 'pi', 'tech', 'billing']);
export const SliceRole = roleModel('SliceRole', 'sliceroles', 'slice_roles', ['admin', 'access']);
export const DeploymentRole = roleModel('DeploymentRole', 'deploymentroles', 'deployment_roles', ['admin']);

const privUser = ref('User', { required: true, onDelete: 'cascade' });

export const SitePrivilege = defineModel({
  name: 'SitePrivilege',
  plural: 'siteprivileges',
  table: 'site_privileges',
  label: 'Site privilege',
  titleField: 'id',
  nav: 'Tenancy',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    user: privUser,
    site: ref('Site', { required: true, onDelete: 'cascade' }),
    role: ref('SiteRole', { required: true }),
  },
  uniqueTogether: [['user', 'site', 'role']],
  grantsTo: 'user',
  read: { kind: 'custom', name: 'site_privilege' },
  write: { kind: 'site', path: 'site', roles: ['admin', 'pi'] },
  validate: activeUser,
  listFields: ['id', 'user', 'site', 'role', 'backend_status'],
});

export const DeploymentPrivilege = defineModel({
  name: 'DeploymentPrivilege',
  plural: 'deploymentprivileges',
  table: 'deployment_privileges',
  label: 'Deployment privilege',
  titleField: 'id',
  nav: 'Tenancy',
  fields: {
    ...baseFields,
    user: privUser,
    deployment: ref('Deployment', { required: true, onDelete: 'cascade' }),
    role: ref('DeploymentRole', { required: true }),
  },
  uniqueTogether: [['user', 'deployment', 'role']],
  grantsTo: 'user',
  read: { kind: 'custom', name: 'deployment_privilege' },
  write: { kind: 'deployment', path: 'deployment' },
  listFields: ['id', 'user', 'deployment', 'role'],
});

export const Slice = defineModel({
  name: 'Slice',
  plural: 'slices',
  table: 'slices',
  label: 'Slice',
  titleField: 'name',
  nav: 'Tenancy',
  synced: true,
  includes: [{ model: 'NetworkSlice', field: 'slice' }], // the networks its instances join
  fields: {
    ...baseFields,
    ...syncFields,
    name: name(80, {
      unique: true,
      pattern: '^[A-Za-z0-9_.-]+$',
      patternHelp: 'letters, digits, "_", "." and "-" (no spaces)',
      createOnly: true,
      help: 'Starts with the site\'s login base and "_", e.g. mysite_web',
    }),
    site: ref('Site', { required: true, createOnly: true }),
    enabled: { type: 'boolean', default: true },
    description: { type: 'text', maxLength: 4096, nullable: true },
    slice_url: { type: 'url', maxLength: 512, nullable: true },
    max_instances: { type: 'integer', default: 10, min: 0, max: 100000, label: 'Max instances' },
    creator: ref('User', { nullable: true, adminOnly: true, onDelete: 'set_null', help: 'Set to the caller on create' }),
    default_image: ref('Image', { nullable: true, onDelete: 'set_null' }),
    default_flavor: ref('Flavor', { nullable: true, onDelete: 'set_null' }),
  },
  read: { kind: 'slice', path: 'id' },
  write: { kind: 'custom', name: 'slice' },
  validate: async (v, before, ctx): Promise<FieldError[]> => {
    if (before) return [];
    const site = await ctx.get('Site', v.site);
    if (!site) return [];
    const prefix = `${site.login_base}_`;
    const n = v.name;
    if (!n.startsWith(prefix)) return [{ field: 'name', message: `must start with the site's login base "${prefix}"` }];
    if (n === prefix) return [{ field: 'name', message: `needs a name after "${prefix}"` }];
    return [];
  },
  listFields: ['id', 'name', 'site', 'max_instances', 'enabled', 'backend_status'],
  searchFields: ['name', 'description'],
});

export const SlicePrivilege = defineModel({
  name: 'SlicePrivilege',
  plural: 'sliceprivileges',
  table: 'slice_privileges',
  label: 'Slice privilege',
  titleField: 'id',
  nav: 'Tenancy',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    user: privUser,
    slice: ref('Slice', { required: true, onDelete: 'cascade' }),
    role: ref('SliceRole', { required: true }),
  },
  uniqueTogether: [['user', 'slice', 'role']],
  grantsTo: 'user',
  read: { kind: 'slice', path: 'slice' },
  write: { kind: 'slice', path: 'slice' },
  validate: activeUser,
  listFields: ['id', 'user', 'slice', 'role', 'backend_status'],
});

// Privileges go only to active users (an inactive one could not use them, and it hides mistakes).
async function activeUser(v: { user: number }, before: { user: number } | null, ctx: ModelContext): Promise<FieldError[]> {
  if (before && before.user === v.user) return [];
  const u = await ctx.get('User', v.user);
  return u && u.is_active === false ? [{ field: 'user', message: `${u.email} is not active` }] : [];
}
