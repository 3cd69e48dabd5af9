// Keystone: a project per site and per slice on each controller that needs them, a user per XOS
// user, and site and slice privileges as role assignments. Everything XOS creates carries a tag
// or a description naming its XOS object, and is looked up by name before it is created, so a
// crash between the cloud call and the database write adopts the resource instead of doubling it.
import crypto from 'node:crypto';
import { model } from '../../model/registry.js';
import type { ModelName, Rows } from '../../model/rows.js';
import { SyncError, type ModelReconciler, type Outcome, type Reconciler, type SyncCache, type SyncContext } from '../../sync/types.js';
import { collect, OpenStackError, type OpenStackClient, type Project } from '../client/index.js';
import { clientFor, type ConnectOptions, type ControllerAccess } from '../connect.js';
import { toSyncError } from '../sync-errors.js';
import { controllerOfLink, notReady, xosTag } from '../../sync/placement.js';

// The Keystone id of the controller's domain, looked up once (kept in the engine's cache).
async function domainId(cache: SyncCache, cloud: OpenStackClient, controller: Pick<Rows['Controller'], 'id' | 'domain'>): Promise<string> {
  const name = controller.domain ?? 'Default';
  if (name.toLowerCase() === 'default') return 'default';
  const key = `openstack:domain:${controller.id}:${name}`;
  const known = cache.get<string>(key);
  if (known) return known;
  for await (const d of cloud.identity.domains.list({ name })) {
    cache.set(key, d.id);
    return d.id;
  }
  throw new SyncError(`Keystone has no domain "${name}"`, 'configuration');
}

async function role(cloud: OpenStackClient, name: string) {
  const r = (await cloud.identity.findRole(name)) ?? (await cloud.identity.roles.create({ name }));
  return r;
}

// XOS roles as Keystone roles. Keystone's own "admin" is cloud-wide in most policies, so no XOS
// role maps to it: managing a project is "member", looking is "reader".
export const keystoneRole: Record<string, string> = { admin: 'member', pi: 'member', tech: 'reader', access: 'member', billing: 'reader' };

async function ensureProject(
  ctx: SyncContext,
  cloud: OpenStackClient,
  controller: Pick<Rows['Controller'], 'id' | 'domain'>,
  name: string,
  description: string,
  tag: string,
) {
  const domain = await domainId(ctx.cache, cloud, controller);
  const adopt = async (found: Project) => {
    if (!found.tags?.includes(tag)) await cloud.identity.projects.update(found.id, { tags: [...(found.tags ?? []), 'xos', tag] });
    return found;
  };
  const found = await cloud.identity.findProject(name, domain);
  if (found) return adopt(found);
  try {
    return await cloud.identity.projects.create({ name, domain_id: domain, description, tags: ['xos', tag] });
  } catch (e) {
    // Made meanwhile (another worker, or a create whose answer was lost): it is ours to adopt.
    const raced = e instanceof OpenStackError && e.status === 409 ? await cloud.identity.findProject(name, domain) : undefined;
    if (raced) return adopt(raced);
    throw e;
  }
}

// The slice's rows still being removed whose cloud resources live in its project on this
// controller (instances, network links): a waiting outcome on the last of them, or null.
async function leavingRows(row: Rows['ControllerSlice'], ctx: SyncContext): Promise<Outcome | null> {
  const instances = (await ctx.findAll('Instance', { slice: row.slice })).filter((i) => i.deleted);
  if (instances.length) return { kind: 'waiting', on: `the ${instances.length} instances of the slice being removed`, until: { model: 'Instance', id: instances[instances.length - 1].id } };
  for (const n of await ctx.findAll('Network', { owner: row.slice })) {
    const [link] = (await ctx.findAll('ControllerNetwork', { network: n.id, controller: row.controller })).filter((l) => l.deleted);
    if (link) return { kind: 'waiting', on: `network ${n.name} being removed`, until: { model: 'ControllerNetwork', id: link.id } };
  }
  return null;
}

async function removeProject(cloud: OpenStackClient, id: string | null, tag: string) {
  if (!id) return;
  try {
    const p = await cloud.identity.projects.get(id);
    if (!p.tags?.includes(tag)) return; // never delete what XOS did not make
    await cloud.identity.projects.delete(p.id, { ignoreMissing: true });
  } catch (e) {
    if ((e as { status?: number }).status !== 404) throw e;
  }
}

export function keystoneReconcilers(opts: ConnectOptions): Reconciler[] {
  const cloudOf = async (row: { controller: number }, ctx: SyncContext) => {
    const controller = await controllerOfLink(row, ctx);
    return { controller, cloud: clientFor(controller, ctx, opts) };
  };
  const wrap =
    <R>(what: (row: R) => string, fn: (row: R, ctx: SyncContext) => Promise<Outcome>) =>
    async (row: R, ctx: SyncContext) => {
      try {
        return await fn(row, ctx);
      } catch (e) {
        throw toSyncError(e, what(row));
      }
    };

  const site: Reconciler<'ControllerSite'> = {
    model: model('ControllerSite'),
    reconcile: wrap(() => 'site project', async (row, ctx) => {
      const s = await ctx.get('Site', row.site);
      if (!s) return { kind: 'waiting', on: `site ${row.site}` };
      const { controller, cloud } = await cloudOf(row, ctx);
      const p = await ensureProject(ctx, cloud, controller, s.login_base, s.name, xosTag('site', s.id));
      return { kind: 'done', fields: { tenant_id: p.id } };
    }),
    remove: wrap(() => 'site project removal', async (row, ctx) => {
      const { cloud } = await cloudOf(row, ctx);
      await removeProject(cloud, row.tenant_id, xosTag('site', row.site));
      return { kind: 'done' };
    }),
  };

  const slice: Reconciler<'ControllerSlice'> = {
    model: model('ControllerSlice'),
    reconcile: wrap(() => 'slice project', async (row, ctx) => {
      const sl = await ctx.get('Slice', row.slice);
      if (!sl) return { kind: 'waiting', on: `slice ${row.slice}` };
      const siteLink = await ctx.ensure('ControllerSite', { controller: row.controller, site: sl.site });
      const wait = notReady(siteLink, `the project of site ${sl.site} on this controller`);
      if (wait) return wait;
      // The slice's members get accounts and roles here, where the slice lives.
      for (const p of await ctx.find('SlicePrivilege', { slice: sl.id })) {
        await ctx.ensure('ControllerUser', { controller: row.controller, user: p.user });
        await ctx.ensure('ControllerSlicePrivilege', { controller: row.controller, slice_privilege: p.id });
      }
      if (sl.creator != null) await ctx.ensure('ControllerUser', { controller: row.controller, user: sl.creator });
      const { controller, cloud } = await cloudOf(row, ctx);
      const p = await ensureProject(ctx, cloud, controller, sl.name, sl.description ?? sl.name, xosTag('slice', sl.id));
      // XOS's own account (the cluster's admin already) works inside slice projects with a
      // scoped token; it needs "admin" there too, to pin servers to a node.
      const [me] = await collect(cloud.identity.users.list({ name: controller.admin_user }));
      if (me) {
        const r = await role(cloud, 'admin');
        if (!(await cloud.identity.hasProjectRole(p.id, me.id, r.id))) await cloud.identity.grantProjectRole(p.id, me.id, r.id);
      }
      await cloud.compute.updateQuotaSet(p.id, { instances: sl.max_instances });
      return { kind: 'done', fields: { tenant_id: p.id } };
    }),
    remove: wrap(() => 'slice project removal', async (row, ctx) => {
      // Deleting a project leaves its servers and networks behind, unowned: wait for the rows
      // that remove them to be purged (which wakes this one), then check with the cloud.
      const leaving = await leavingRows(row, ctx);
      if (leaving) return leaving;
      const { cloud } = await cloudOf(row, ctx);
      if (row.tenant_id) {
        const servers = await collect(cloud.compute.servers.list({ all_tenants: true, project_id: row.tenant_id }));
        const nets = await collect(cloud.network.networks.list({ project_id: row.tenant_id }));
        if (servers.length || nets.length)
          return { kind: 'requeue', afterSeconds: 2, message: `waiting for ${servers.length} servers and ${nets.length} networks of the project to go` };
      }
      await removeProject(cloud, row.tenant_id, xosTag('slice', row.slice));
      return { kind: 'done' };
    }),
  };

  const user: Reconciler<'ControllerUser'> = {
    model: model('ControllerUser'),
    reconcile: wrap(() => 'Keystone user', async (row, ctx) => {
      const u = await ctx.get('User', row.user);
      if (!u) return { kind: 'waiting', on: `user ${row.user}` };
      const { controller, cloud } = await cloudOf(row, ctx);
      const domain = await domainId(ctx.cache, cloud, controller);
      // Each controller gets its own random password for the user, stored encrypted; it is
      // never derived from the XOS password or its hash.
      const stored = ctx.secret(row.kuser_password);
      const password = stored ?? crypto.randomBytes(18).toString('base64url');
      const found = await cloud.identity.findUser(u.email, domain);
      const ku = found
        ? stored
          ? found
          : await cloud.identity.users.update(found.id, { password, description: xosTag('user', u.id) })
        : await cloud.identity.users.create({ name: u.email, email: u.email, domain_id: domain, password, enabled: u.is_active !== false, description: xosTag('user', u.id) });
      if (found && found.enabled !== (u.is_active !== false)) await cloud.identity.users.update(found.id, { enabled: u.is_active !== false });
      return { kind: 'done', fields: { kuser_id: ku.id, ...(stored ? {} : { kuser_password: ctx.encrypt(password) }) } };
    }),
    remove: wrap(() => 'Keystone user removal', async (row, ctx) => {
      const { cloud } = await cloudOf(row, ctx);
      if (row.kuser_id) {
        const u = await cloud.identity.users.get(row.kuser_id).catch(() => null);
        if (u && u.description === xosTag('user', row.user)) await cloud.identity.users.delete(u.id, { ignoreMissing: true });
      }
      return { kind: 'done' };
    }),
  };

  // A privilege is a role assignment of the user on the site's or the slice's project: what it
  // needs on this controller.
  interface Assignment {
    p: { user: number };
    projectLink: Rows['ControllerSite'] | Rows['ControllerSlice'] | undefined;
    userLink: Rows['ControllerUser'] | undefined;
    roleName: string;
  }
  const sitePrivilegeTarget = async (row: Rows['ControllerSitePrivilege'], ctx: SyncContext): Promise<Assignment | null> => {
    const p = await ctx.get('SitePrivilege', row.site_privilege);
    if (!p) return null;
    const [projectLink] = await ctx.find('ControllerSite', { controller: row.controller, site: p.site });
    const [userLink] = await ctx.find('ControllerUser', { controller: row.controller, user: p.user });
    const r = await ctx.get('SiteRole', p.role);
    return { p, projectLink, userLink, roleName: keystoneRole[r?.role ?? ''] ?? 'reader' };
  };
  const slicePrivilegeTarget = async (row: Rows['ControllerSlicePrivilege'], ctx: SyncContext): Promise<Assignment | null> => {
    const p = await ctx.get('SlicePrivilege', row.slice_privilege);
    if (!p) return null;
    const [projectLink] = await ctx.find('ControllerSlice', { controller: row.controller, slice: p.slice });
    const [userLink] = await ctx.find('ControllerUser', { controller: row.controller, user: p.user });
    const r = await ctx.get('SliceRole', p.role);
    return { p, projectLink, userLink, roleName: keystoneRole[r?.role ?? ''] ?? 'reader' };
  };

  // What the two privilege link models share (TypeScript reads a field of Rows[L] for a generic L
  // only through a type like this).
  type Shared = Pick<Rows['ControllerSitePrivilege'] | Rows['ControllerSlicePrivilege'], 'controller' | 'role_id'>;
  const privilege = <L extends 'ControllerSitePrivilege' | 'ControllerSlicePrivilege'>(
    name: L,
    privModel: ModelName,
    scope: 'site' | 'slice',
    privilegeId: (row: Rows[L]) => number,
    target: (row: Rows[L], ctx: SyncContext) => Promise<Assignment | null>,
  ): ModelReconciler<L> => ({
    model: model(name),
    reconcile: wrap(() => 'role assignment', async (row, ctx) => {
      const t = await target(row, ctx);
      if (!t) return { kind: 'waiting', on: `${privModel} ${privilegeId(row)}` };
      const { controller }: Shared = row;
      const userLink = t.userLink ?? (await ctx.ensure('ControllerUser', { controller, user: t.p.user }));
      const wait =
        (t.projectLink ? notReady(t.projectLink, `the ${scope}'s project`) : { kind: 'waiting' as const, on: `the ${scope}'s project on this controller` }) ??
        notReady(userLink, `the user's account on this controller`);
      if (wait) return wait;
      const { cloud } = await cloudOf(row, ctx);
      const r = await role(cloud, t.roleName);
      const projectLink = t.projectLink!; // else `wait` was set
      if (!(await cloud.identity.hasProjectRole(String(projectLink.tenant_id), String(userLink.kuser_id), r.id)))
        await cloud.identity.grantProjectRole(String(projectLink.tenant_id), String(userLink.kuser_id), r.id);
      return { kind: 'done', fields: { role_id: r.id } };
    }),
    remove: wrap(() => 'role assignment removal', async (row, ctx) => {
      const t = await target(row, ctx).catch(() => null);
      const { role_id }: Shared = row;
      if (t?.projectLink?.tenant_id && t.userLink?.kuser_id && role_id) {
        const { cloud } = await cloudOf(row, ctx);
        await cloud.identity.revokeProjectRole(t.projectLink.tenant_id, t.userLink.kuser_id, role_id);
      }
      return { kind: 'done' }; // a project or user that is gone took its assignments along
    }),
  });

  return [
    site,
    user,
    slice,
    privilege('ControllerSitePrivilege', 'SitePrivilege', 'site', (row) => row.site_privilege, sitePrivilegeTarget),
    privilege('ControllerSlicePrivilege', 'SlicePrivilege', 'slice', (row) => row.slice_privilege, slicePrivilegeTarget),
  ];
}

