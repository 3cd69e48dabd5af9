import { baseFields, name, ref, syncFields } from '../common.js';
import { defineModel } from '../define.js';
import type { FieldError, Row } from '../types.js';
import net from 'node:net';
import { parseAcl } from '../acl.js';
import { isCidr } from '../cidr.js';

export const Deployment = defineModel({
  name: 'Deployment',
  plural: 'deployments',
  table: 'deployments',
  label: 'Deployment',
  titleField: 'name',
  nav: 'Infrastructure',
  fields: {
    ...baseFields,
    name: name(200, { unique: true }),
    access_control: {
      type: 'text',
      maxLength: 4096,
      default: 'allow all',
      label: 'Access control',
      help: 'Rules "allow|deny site|user|all <pattern>", one per line; the first match wins, then deny.',
    },
  },
  read: { kind: 'all' },
  write: { kind: 'deployment', path: 'id', create: 'admin' },
  validate: (v) =>
    parseAcl(v.access_control ?? '').errors.map((message) => ({ field: 'access_control', message })),
  listFields: ['id', 'name', 'access_control'],
  searchFields: ['name'],
});


export const Controller = defineModel({
  name: 'Controller',
  plural: 'controllers',
  table: 'controllers',
  label: 'Controller',
  titleField: 'name',
  nav: 'Infrastructure',
  synced: true,
  fields: {
    ...baseFields,
    ...syncFields,
    name: name(200, { unique: true }),
    deployment: ref('Deployment', { required: true }),
    backend_type: {
      type: 'string',
      maxLength: 32,
      default: 'OpenStack',
      help: 'The synchronizer backend that drives this cluster (XOS ships "OpenStack")',
    },
    backend_version: { type: 'string', maxLength: 200, nullable: true, label: 'Version', help: 'OpenStack release, e.g. Zed' },
    auth_url: { type: 'url', required: true, maxLength: 1024, label: 'Auth URL', help: 'Keystone v3 endpoint' },
    admin_user: { type: 'string', maxLength: 200, required: true },
    admin_password: {
      type: 'secret',
      maxLength: 1024,
      required: true,
      help: 'Stored encrypted. Cleared when the endpoint or account changes, unless given with the change.',
      boundTo: ['auth_url', 'domain', 'admin_user', 'admin_tenant', 'ca_bundle', 'endpoint_rewrite'],
    },
    admin_tenant: { type: 'string', maxLength: 200, default: 'admin', label: 'Admin project' },
    domain: { type: 'string', maxLength: 200, default: 'Default', help: 'Keystone v3 domain' },
    region: { type: 'string', maxLength: 200, nullable: true, help: 'Catalog region; the first one when empty' },
    ca_bundle: { type: 'text', maxLength: 65536, nullable: true, label: 'CA bundle', help: 'PEM certificates to trust' },
    endpoint_rewrite: {
      type: 'json',
      default: [],
      help: 'Rules [{"from": "10.0.0.0/8", "to": "host"}] mapping catalog addresses to a reachable host',
    },
  },
  read: { kind: 'custom', name: 'controller' },
  write: { kind: 'deployment', path: 'deployment' },
  validate: (v) => {
    const rules = v.endpoint_rewrite;
    const bad = { field: 'endpoint_rewrite', message: 'must be a list of {"from": "<address or CIDR>", "to": "<host>"}' };
    if (!Array.isArray(rules)) return [bad];
    for (const r of rules) {
      if (typeof r !== 'object' || r === null) return [bad];
      const { from, to, ...rest } = r as Record<string, unknown>;
      if (Object.keys(rest).length || typeof from !== 'string' || typeof to !== 'string' || !to.trim()) return [bad];
      if (!(net.isIP(from) || isCidr(from))) return [{ field: 'endpoint_rewrite', message: `"${from}" is not an address or CIDR` }];
    }
    return [];
  },
  listFields: ['id', 'name', 'deployment', 'auth_url', 'region', 'backend_status'],
  searchFields: ['name', 'auth_url'],
});

export const Site = defineModel({
  name: 'Site',
  plural: 'sites',
  table: 'sites',
  label: 'Site',
  titleField: 'name',
  nav: 'Infrastructure',
  synced: true,
  includes: [{ model: 'SiteDeployment', field: 'site' }], // the controllers that serve it
  fields: {
    ...baseFields,
    ...syncFields,
    name: name(200),
    login_base: name(50, {
      unique: true,
      pattern: '^[a-z0-9][a-z0-9-]*$',
      patternHelp: 'lower-case letters, digits and dashes',
      createOnly: true,
      help: 'Prefix of the site\'s slice names and its project name',
    }),
    abbreviated_name: { type: 'string', maxLength: 80, nullable: true },
    site_url: { type: 'url', maxLength: 512, nullable: true },
    enabled: { type: 'boolean', default: true },
    is_public: { type: 'boolean', default: true },
    hosts_nodes: { type: 'boolean', default: true },
    hosts_users: { type: 'boolean', default: true },
    longitude: { type: 'float', nullable: true, min: -180, max: 180 },
    latitude: { type: 'float', nullable: true, min: -90, max: 90 },
  },
  read: { kind: 'all' },
  write: { kind: 'site', path: 'id', roles: ['admin', 'pi'], create: 'admin' },
  listFields: ['id', 'name', 'login_base', 'enabled', 'backend_status'],
  searchFields: ['name', 'login_base', 'abbreviated_name'],
});

export const SiteDeployment = defineModel({
  name: 'SiteDeployment',
  plural: 'sitedeployments',
  table: 'site_deployments',
  label: 'Site deployment',
  titleField: 'id',
  nav: 'Infrastructure',
  fields: {
    ...baseFields,
    site: ref('Site', { required: true, onDelete: 'cascade' }),
    deployment: ref('Deployment', { required: true, onDelete: 'cascade' }),
    controller: ref('Controller', { nullable: true, onDelete: 'set_null' }),
    availability_zone: { type: 'string', maxLength: 200, nullable: true },
  },
  uniqueTogether: [['site', 'deployment', 'controller']],
  read: { kind: 'all' },
  write: { kind: 'deployment', path: 'deployment' },
  validate: async (v, _b, ctx): Promise<FieldError[]> => {
    if (v.controller == null) return [];
    const c = await ctx.get('Controller', v.controller);
    return c && c.deployment !== v.deployment
      ? [{ field: 'controller', message: `controller ${c.name} belongs to another deployment` }]
      : [];
  },
  listFields: ['id', 'site', 'deployment', 'controller', 'availability_zone'],
});

export const Node = defineModel({
  name: 'Node',
  plural: 'nodes',
  table: 'nodes',
  label: 'Node',
  titleField: 'name',
  nav: 'Infrastructure',
  fields: {
    ...baseFields,
    name: name(200, { unique: true, help: 'The compute host name as Nova knows it' }),
    site_deployment: ref('SiteDeployment', { required: true }),
    site: ref('Site', { readOnly: true, nullable: true, help: 'From the site deployment' }),
  },
  read: { kind: 'all' },
  write: { kind: 'site', path: 'site', roles: ['admin', 'tech'] },
  derive: async (v, ctx): Promise<Row> => {
    const sd = v.site_deployment == null ? null : await ctx.get('SiteDeployment', v.site_deployment);
    return { site: sd ? sd.site : null };
  },
  listFields: ['id', 'name', 'site', 'site_deployment'],
  searchFields: ['name'],
});
