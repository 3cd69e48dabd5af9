// Where an object goes and what it waits for. Objects go only to the controllers that need them:
// an instance to the controller of its node or of its slice's site in its deployment, and with
// it its slice, site, users, image and networks — never to every cluster.
import type { Rows, SyncState } from '../model/rows.js';
import type { ModelDef, Row } from '../model/types.js';
import { SyncError, type SyncContext } from './types.js';
import { originOf } from './row-origin.js';

// The controller a row of a synced model belongs to (null: none, or no single one): it picks the
// backend that reconciles the row and the worker lane it waits in.
export async function controllerOfRow(m: ModelDef, row: Row, ctx: SyncContext): Promise<number | null> {
  if (m.name === 'Controller') return Number(row.id);
  if (m.fields.controller?.ref === 'Controller' && m.fields.controller.required) return row.controller == null ? null : Number(row.controller);
  if (m.name === 'Instance') return (await controllerForInstance(row as Rows['Instance'], ctx))?.id ?? null;
  if (m.name === 'Port') {
    const inst = row.instance != null ? await ctx.get('Instance', Number(row.instance)) : null;
    return inst ? ((await controllerForInstance(inst, ctx))?.id ?? null) : null;
  }
  return null;
}

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
// It names the link row, when known, so that the engine wakes the caller as soon as that row's
// state changes.
export function notReady(link: SyncState, what: string): { kind: 'waiting'; on: string; failed: boolean; until?: { model: string; id: number } } | null {
  if (link.backend_code === 1 && link.enacted != null) return null;
  const failed = link.backend_code === 2;
  const state = failed ? `, which failed: ${link.backend_status.replace(/^2 - /, '')}` : '';
  return { kind: 'waiting', on: `${what}${state}`, failed, until: originOf(link) };
}

export async function controllerOfLink(row: { controller: number }, ctx: SyncContext): Promise<Rows['Controller']> {
  const c = await ctx.get('Controller', row.controller);
  if (!c) throw new SyncError(`controller ${row.controller} is gone`, 'configuration');
  return c;
}

// Private subnets are deterministic per link row, as XOS always did: 10.<hi>.<lo>.0/24.
export const privateCidr = (linkId: number) => `10.${(linkId >> 8) & 0xff}.${linkId & 0xff}.0/24`;

export const xosTag = (model: string, id: number) => `xos-${model.toLowerCase()}-${id}`;
