// Logical objects (Site, User, Slice, Network, Image, privileges, Flavor) have no single cloud
// resource: their state is that of their link rows on the controllers that need them. Their
// reconcilers add the link rows policy calls for and report how those stand, so an error on a
// cluster shows on the object people look at.
import { model } from '../../model/registry.js';
import type { Row } from '../../model/types.js';
import type { Outcome, Reconciler, SyncContext } from '../../sync/types.js';

interface Spec {
  model: string;
  link?: { model: string; field: string };
  policy?: (row: Row, ctx: SyncContext) => Promise<void>;
}

export async function rollUp(row: Row, ctx: SyncContext, link: Spec['link']): Promise<Outcome> {
  if (!link) return { kind: 'done' };
  const links = await ctx.find(link.model, { [link.field]: row.id });
  if (!links.length) return { kind: 'done', message: 'OK (no controller needs it yet)' };
  const names = async (l: Row) => (await ctx.get('Controller', Number(l.controller)))?.name ?? `controller ${l.controller}`;
  const failed = links.find((l) => l.backend_code === 2);
  if (failed) return { kind: 'error', message: `on ${await names(failed)}: ${String(failed.backend_status).replace(/^2 - /, '')}`, reason: 'dependency' };
  // A link that changes state wakes this row (the engine's recheck), so waiting here backs off
  // rather than polling.
  const pending = links.find((l) => l.backend_code !== 1 || l.enacted == null);
  if (pending) return { kind: 'waiting', on: `controller ${await names(pending)} (in progress there)` };
  return { kind: 'done', message: `OK on ${(await Promise.all(links.map(names))).join(', ')}` };
}

const specs: Spec[] = [
  { model: 'Site', link: { model: 'ControllerSite', field: 'site' } },
  { model: 'User', link: { model: 'ControllerUser', field: 'user' } },
  {
    model: 'SitePrivilege',
    link: { model: 'ControllerSitePrivilege', field: 'site_privilege' },
    // Wherever the site has a project, its privileges become role assignments.
    policy: async (p, ctx) => {
      for (const cs of await ctx.find('ControllerSite', { site: p.site })) {
        await ctx.ensure('ControllerUser', { controller: cs.controller, user: p.user });
        await ctx.ensure('ControllerSitePrivilege', { controller: cs.controller, site_privilege: p.id });
      }
    },
  },
  {
    model: 'Slice',
    link: { model: 'ControllerSlice', field: 'slice' },
    // Every slice has a private network and NAT access through the shared NAT network (made on a
    // cluster only when an instance goes there).
    policy: async (s, ctx) => {
      for (const [template, suffix] of [['Private', 'private'], ['Public shared IPv4', 'nat']]) {
        const [t] = await ctx.find('NetworkTemplate', { name: template });
        // A long slice name is cut, not the suffix, so that its two networks are told apart.
        if (t && !(await ctx.find('Network', { owner: s.id, template: t.id })).length)
          await ctx.ensure('Network', { name: `${String(s.name).slice(0, 32 - suffix.length - 1)}-${suffix}`, template: t.id, owner: s.id });
      }
    },
  },
  {
    model: 'SlicePrivilege',
    link: { model: 'ControllerSlicePrivilege', field: 'slice_privilege' },
    policy: async (p, ctx) => {
      for (const cs of await ctx.find('ControllerSlice', { slice: p.slice })) {
        await ctx.ensure('ControllerUser', { controller: cs.controller, user: p.user });
        await ctx.ensure('ControllerSlicePrivilege', { controller: cs.controller, slice_privilege: p.id });
      }
    },
  },
  {
    model: 'Image',
    link: { model: 'ControllerImage', field: 'image' },
    // An image enabled in a deployment goes to that deployment's clusters.
    policy: async (img, ctx) => {
      for (const en of await ctx.find('ImageDeployment', { image: img.id }))
        for (const c of await ctx.find('Controller', { deployment: en.deployment })) await ctx.ensure('ControllerImage', { controller: c.id, image: img.id });
    },
  },
  {
    model: 'Network',
    link: { model: 'ControllerNetwork', field: 'network' },
    // A Port's forwarding follows its network's `ports`: a port last looked at before the
    // network changed is due again, as if it had changed itself.
    policy: async (n, ctx) => {
      const changed = new Date(n.updated as string).getTime();
      for (const p of await ctx.find('Port', { network: n.id }))
        if (p.last_sync != null && new Date(p.last_sync as string).getTime() < changed)
          await ctx.setFields('Port', Number(p.id), { updated: new Date(), next_retry: null, retry_count: 0 });
    },
  },
  { model: 'Flavor' }, // checked, or created, on each cluster when an instance uses it
];

export function aggregateReconcilers(): Reconciler[] {
  return specs.map((s) => ({
    model: model(s.model),
    reconcile: async (row, ctx) => {
      await s.policy?.(row, ctx);
      return rollUp(row, ctx, s.link);
    },
    // Link rows were soft-deleted with the object; the engine purges it once they are gone.
    remove: async () => ({ kind: 'done' }),
  }));
}
