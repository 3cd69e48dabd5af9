// Logical objects (Site, User, Slice, Network, Image, privileges, Flavor) have no single cloud
// resource: their state is that of their link rows on the controllers that need them. Their
// reconcilers add the link rows policy calls for and report how those stand, so an error on a
// cluster shows on the object people look at.
import { model } from '../model/registry.js';
import type { ModelName, Rows, SyncState } from '../model/rows.js';
import type { ModelReconciler, Outcome, Reconciler, SyncContext } from './types.js';

// A link row: one object's state on one controller.
export type LinkState = SyncState & { controller: number };

export async function rollUp(links: LinkState[], ctx: SyncContext): Promise<Outcome> {
  if (!links.length) return { kind: 'done', message: 'OK (no controller needs it yet)' };
  const names = async (l: LinkState) => (await ctx.get('Controller', l.controller))?.name ?? `controller ${l.controller}`;
  const failed = links.find((l) => l.backend_code === 2);
  if (failed) return { kind: 'error', message: `on ${await names(failed)}: ${failed.backend_status.replace(/^2 - /, '')}`, reason: 'dependency' };
  // A link that changes state wakes this row (the engine's recheck), so waiting here backs off
  // rather than polling.
  const pending = links.find((l) => l.backend_code !== 1 || l.enacted == null);
  if (pending) return { kind: 'waiting', on: `controller ${await names(pending)} (in progress there)` };
  return { kind: 'done', message: `OK on ${(await Promise.all(links.map(names))).join(', ')}` };
}

// The reconciler of a logical object: its policy adds the link rows it needs, and its state is
// that of its link rows (none: it has no state of its own, as a Flavor).
function aggregate<M extends ModelName>(
  name: M,
  spec: { links?: (row: Rows[M], ctx: SyncContext) => Promise<LinkState[]>; policy?: (row: Rows[M], ctx: SyncContext) => Promise<void> } = {},
): ModelReconciler<M> {
  return {
    model: model(name),
    reconcile: async (row, ctx) => {
      await spec.policy?.(row, ctx);
      return spec.links ? rollUp(await spec.links(row, ctx), ctx) : { kind: 'done' };
    },
    // Link rows were soft-deleted with the object; the engine purges it once they are gone.
    remove: async () => ({ kind: 'done' }),
  };
}

async function servedControllers(pool: Rows['AddressPool'], ctx: SyncContext): Promise<Rows['Controller'][]> {
  const candidates =
    pool.controller != null
      ? [await ctx.get('Controller', pool.controller)].filter((c): c is Rows['Controller'] => !!c && !c.deleted)
      : pool.deployment != null
        ? await ctx.find('Controller', { deployment: pool.deployment })
        : []; // a pool has one of the two (its validator), and no controller is in no deployment
  const out: Rows['Controller'][] = [];
  for (const c of candidates) if ((await ctx.addresses.poolFor(c))?.id === pool.id) out.push(c);
  return out;
}

export function aggregateReconcilers(): Reconciler[] {
  return [
    aggregate('Site', { links: (s, ctx) => ctx.find('ControllerSite', { site: s.id }) }),
    aggregate('User', { links: (u, ctx) => ctx.find('ControllerUser', { user: u.id }) }),
    aggregate('SitePrivilege', {
      links: (p, ctx) => ctx.find('ControllerSitePrivilege', { site_privilege: p.id }),
      // Wherever the site has a project, its privileges become role assignments.
      policy: async (p, ctx) => {
        for (const cs of await ctx.find('ControllerSite', { site: p.site })) {
          await ctx.ensure('ControllerUser', { controller: cs.controller, user: p.user });
          await ctx.ensure('ControllerSitePrivilege', { controller: cs.controller, site_privilege: p.id });
        }
      },
    }),
    aggregate('Slice', {
      links: (s, ctx) => ctx.find('ControllerSlice', { slice: s.id }),
      // Every slice has a private network and NAT access through the shared NAT network (made on a
      // cluster only when an instance goes there).
      policy: async (s, ctx) => {
        for (const [template, suffix] of [['Private', 'private'], ['Public shared IPv4', 'nat']]) {
          const [t] = await ctx.find('NetworkTemplate', { name: template });
          // A long slice name is cut, not the suffix, so that its two networks are told apart.
          if (t && !(await ctx.find('Network', { owner: s.id, template: t.id })).length)
            await ctx.ensure('Network', { name: `${s.name.slice(0, 32 - suffix.length - 1)}-${suffix}`, template: t.id, owner: s.id });
        }
      },
    }),
    aggregate('SlicePrivilege', {
      links: (p, ctx) => ctx.find('ControllerSlicePrivilege', { slice_privilege: p.id }),
      policy: async (p, ctx) => {
        for (const cs of await ctx.find('ControllerSlice', { slice: p.slice })) {
          await ctx.ensure('ControllerUser', { controller: cs.controller, user: p.user });
          await ctx.ensure('ControllerSlicePrivilege', { controller: cs.controller, slice_privilege: p.id });
        }
      },
    }),
    aggregate('Image', {
      links: (img, ctx) => ctx.find('ControllerImage', { image: img.id }),
      // An image enabled in a deployment goes to that deployment's clusters.
      policy: async (img, ctx) => {
        for (const en of await ctx.find('ImageDeployment', { image: img.id }))
          for (const c of await ctx.find('Controller', { deployment: en.deployment })) await ctx.ensure('ControllerImage', { controller: c.id, image: img.id });
      },
    }),
    aggregate('Network', {
      links: (n, ctx) => ctx.find('ControllerNetwork', { network: n.id }),
      // A Port's forwarding follows its network's `ports`: a port last looked at before the
      // network changed is due again, as if it had changed itself.
      policy: async (n, ctx) => {
        const changed = new Date(n.updated).getTime();
        for (const p of await ctx.find('Port', { network: n.id }))
          if (p.last_sync != null && new Date(p.last_sync).getTime() < changed)
            await ctx.markDue('Port', p.id);
      },
    }),
    aggregate('Flavor'), // checked, or created, on each cluster when an instance uses it
    aggregate('AddressPool', {
      links: (p, ctx) => ctx.find('ControllerAddressPool', { address_pool: p.id }),
      // The controllers it serves: its own, or those of its deployment without a pool of their own.
      policy: async (p, ctx) => {
        for (const c of await servedControllers(p, ctx)) await ctx.ensure('ControllerAddressPool', { controller: c.id, address_pool: p.id });
      },
    }),
  ];
}
