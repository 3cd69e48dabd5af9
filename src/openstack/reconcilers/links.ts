// Where an object goes and what it waits for. Objects go only to the controllers that need them:
// an instance to the controller of its node or of its slice's site in its deployment, and with
// it its slice, site, users, image and networks — never to every cluster.
import type { Rows, SyncState } from '../../model/rows.js';
import { SyncError, type SyncContext } from '../../sync/types.js';

export async function controllerForInstance(inst: Pick<Rows['Instance'], 'node' | 'slice' | 'deployment'>, ctx: SyncContext): Promise<Rows['Controller'] | null> {
  if (inst.node != null) {
    const node = await ctx.get('Node', inst.node);
    const sd = node ? await ctx.get('SiteDeployment', node.site_deployment) : null;
    if (sd?.controller != null) return ctx.get('Controller', sd.controller);
  }
  const slice = await ctx.get('Slice', inst.slice);
  if (slice) {
    const [sd] = (await ctx.find('SiteDeployment', { site: slice.site, deployment: inst.deployment })).filter((r) => r.controller != null);
    if (sd?.controller != null) return ctx.get('Controller', sd.controller);
  }
  const [c] = await ctx.find('Controller', { deployment: inst.deployment });
  return c ?? null;
}

// A link row that must be in sync before the caller can go on: the outcome to return while it
// is not, or null when it is ready.
export function notReady(link: SyncState, what: string): { kind: 'waiting'; on: string; failed: boolean } | null {
  if (link.backend_code === 1 && link.enacted != null) return null;
  const failed = link.backend_code === 2;
  const state = failed ? `, which failed: ${link.backend_status.replace(/^2 - /, '')}` : '';
  return { kind: 'waiting', on: `${what}${state}`, failed };
}

export async function controllerOfLink(row: { controller: number }, ctx: SyncContext): Promise<Rows['Controller']> {
  const c = await ctx.get('Controller', row.controller);
  if (!c) throw new SyncError(`controller ${row.controller} is gone`, 'configuration');
  return c;
}

// Private subnets are deterministic per link row, as XOS always did: 10.<hi>.<lo>.0/24.
export const privateCidr = (linkId: number) => `10.${(linkId >> 8) & 0xff}.${linkId & 0xff}.0/24`;

export const xosTag = (model: string, id: number) => `xos-${model.toLowerCase()}-${id}`;
