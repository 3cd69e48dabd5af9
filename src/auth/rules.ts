// The privilege rules of XOS, interpreted from each model's `read` and `write` declarations.
// Root admins see and (unless read-only) change everything. Everyone else:
// - sees the rows a model's read rule grants (as a SQL filter, so lists, counts and gets agree);
// - changes rows when the write rule grants it on the row before and after the change.
import { model as modelNamed } from '../model/registry.js';
import type { ModelContext, ModelDef, Row } from '../model/types.js';
import type { ModelName } from '../model/rows.js';
import { ForbiddenError } from '../model/errors.js';
import { ident, raw, sql, type Frag } from '../store/sql.js';
import type { Authorize } from '../store/repository.js';
import { sitesWithRole, type Principal } from './principal.js';

// ---- reading ---------------------------------------------------------------------------------

// Which rows along a read path count. Normally only live ones; `withDeleted` counts soft-deleted
// rows too, for judging a row that has itself been deleted: by then a cascade (a slice with its
// instances) has deleted the whole path in the same transaction, and the deleted rows still say
// who could read the row. References to a deleted row are cascaded or set to null, so the deleted
// rows on a path are the ones the row had when it was deleted.
export interface ScopeOptions {
  withDeleted?: boolean;
}
const live = (o: ScopeOptions, alias: string) => raw(o.withDeleted ? 'true' : `${alias}deleted = false`);

// The slices a user can see: those they hold a privilege on, those they created, and all slices
// of the sites where they are admin or PI.
function visibleSlices(p: Principal, o: ScopeOptions): Frag {
  return sql`SELECT id FROM slices WHERE ${live(o, '')} AND (id = ANY(${[...p.sliceRoles.keys()]}::int[]) OR creator = ${p.id} OR site = ANY(${sitesWithRole(p, ['admin', 'pi'])}::int[]))`;
}

// A SQL condition on alias `t` that holds when the row's slice, reached along `path`, is visible.
function slicePathScope(m: ModelDef, path: string, p: Principal, o: ScopeOptions): Frag {
  const [head, ...rest] = path.split('.');
  if (head === 'id' && m.name === 'Slice') return sql`t.id IN (${visibleSlices(p, o)})`;
  const target = modelNamed(m.fields[head].ref!);
  if (!rest.length) return sql`t.${ident(head)} IN (${visibleSlices(p, o)})`;
  // Follow one more reference: t.head IN (SELECT id FROM target t WHERE <rest>)
  const inner = slicePathScope(target, rest.join('.'), p, o);
  return sql`t.${ident(head)} IN (SELECT t.id FROM ${ident(target.table)} t WHERE ${live(o, 't.')} AND ${inner})`;
}

const customReads: Record<string, (p: Principal, o: ScopeOptions) => Frag> = {
  controller: (p) => sql`t.deployment = ANY(${[...p.deploymentAdmin]}::int[])`,
  site_privilege: (p) => sql`(t."user" = ${p.id} OR t.site = ANY(${sitesWithRole(p, ['admin', 'pi'])}::int[]))`,
  deployment_privilege: (p) => sql`(t."user" = ${p.id} OR t.deployment = ANY(${[...p.deploymentAdmin]}::int[]))`,
  // permitted_slices is a plain list of ids, kept when a slice is deleted: only live slices count
  // there, or a slice deleted long ago would still open its networks.
  network: (p, o) =>
    sql`(t.owner IN (${visibleSlices(p, o)}) OR t.permit_all_slices OR t.permitted_slices && ARRAY(${visibleSlices(p, {})}))`,
};

// undefined: no filter (the caller sees every row).
export function readScope(m: ModelDef, p: Principal, o: ScopeOptions = {}): Frag | undefined {
  if (p.isAdmin) return undefined;
  const r = m.read;
  switch (r.kind) {
    case 'all':
      return undefined;
    case 'admin':
      return raw('false');
    case 'slice':
      return slicePathScope(m, r.path, p, o);
    case 'custom':
      return customReads[r.name](p, o);
  }
}

// ---- writing ---------------------------------------------------------------------------------

export const canReadModel = (m: ModelDef, p: Principal) => p.isAdmin || m.read.kind !== 'admin';

// The id reached from a row along a dotted path of references ('network.owner').
async function follow(m: ModelDef, row: Row, path: string, ctx: ModelContext): Promise<number | null> {
  const [head, ...rest] = path.split('.');
  if (head === 'id') return Number(row.id);
  const v = row[head];
  if (v == null) return null;
  if (!rest.length) return Number(v);
  const target = modelNamed(m.fields[head].ref!);
  const next = await ctx.get(target.name as ModelName, Number(v));
  return next ? follow(target, next, rest.join('.'), ctx) : null;
}

const hasSiteRole = (p: Principal, site: number | null, roles: readonly string[]) =>
  site != null && roles.some((r) => p.siteRoles.get(site)?.has(r));

// XOS's can_update_slice: the creator, a site admin or PI of the slice's site, or a slice admin.
function canUpdateSlice(p: Principal, slice: Row | null) {
  if (!slice) return false;
  return (
    slice.creator === p.id ||
    hasSiteRole(p, Number(slice.site), ['admin', 'pi']) ||
    Boolean(p.sliceRoles.get(Number(slice.id))?.has('admin'))
  );
}

type Check = (p: Principal, row: Row, ctx: ModelContext, op: 'create' | 'update' | 'delete') => Promise<boolean>;

function ruleCheck(m: ModelDef): Check {
  const w = m.write;
  switch (w.kind) {
    case 'admin':
      return async () => false;
    case 'site':
      return async (p, row, ctx, op) =>
        !(op === 'create' && w.create === 'admin') && hasSiteRole(p, await follow(m, row, w.path, ctx), w.roles);
    case 'deployment':
      return async (p, row, ctx, op) => {
        if (op === 'create' && w.create === 'admin') return false;
        const d = await follow(m, row, w.path, ctx);
        return d != null && p.deploymentAdmin.has(d);
      };
    case 'slice':
      return async (p, row, ctx) => {
        const id = await follow(m, row, w.path, ctx);
        return canUpdateSlice(p, id == null ? null : await ctx.get('Slice', id));
      };
    case 'custom':
      return customWrites[w.name];
  }
}

const customWrites: Record<string, Check> = {
  // Slices are created by the site's admins and PIs and then managed as can_update_slice says.
  slice: async (p, row, _ctx, op) =>
    op === 'create' ? hasSiteRole(p, Number(row.site), ['admin', 'pi']) : canUpdateSlice(p, row),
  // Users: site admins and PIs manage the users of their site; everyone edits their own record.
  user: async (p, row, _ctx, op) =>
    hasSiteRole(p, Number(row.site), ['admin', 'pi']) ||
    (op === 'update' && row.id === p.id),
};

// Fields that only some of those allowed to write a row may change.
function fieldLimits(m: ModelDef, p: Principal, before: Row | null): Set<string> {
  const limited = new Set(Object.entries(m.fields).filter(([, d]) => d.adminOnly).map(([f]) => f));
  if (m.name === 'User' && before) {
    const siteAdmin = hasSiteRole(p, Number(before.site), ['admin']);
    const sitePi = hasSiteRole(p, Number(before.site), ['pi']);
    if (!siteAdmin && !sitePi) ['is_active', 'site'].forEach((f) => limited.add(f)); // only yourself
    else if (!siteAdmin) limited.add('site');
  }
  return limited;
}

const label = (m: ModelDef, row: Row) => `${m.name} ${row[m.titleField] ?? row.id}`;

// Rules about one's own account and privileges, for administrators too: a password is changed
// by giving the current one (POST /api/auth/password), so a stolen session cannot lock its owner
// out.
function selfRules(m: ModelDef, p: Principal, after: Row | null, before: Row | null) {
  if (m.name === 'User' && before && after && Number(before.id) === p.id && after.password !== before.password)
    throw new ForbiddenError('change your own password with POST /api/auth/password, which asks for the current one', [
      { field: 'password', message: 'to change your own password, give the current one (POST /api/auth/password)' },
    ]);
}

// Rules that protect users from those who manage them: an administrator's account is changed by
// administrators only, another user's password is set by an administrator only (or given once,
// when the account is made), and nobody grants themself a role.
function accountRules(m: ModelDef, p: Principal, after: Row | null, before: Row | null) {
  if (m.name === 'User' && before) {
    if (before.is_admin === true) throw new ForbiddenError(`only administrators may change or delete an administrator's account (${before.email})`);
    if (after && Number(before.id) !== p.id && after.password !== before.password)
      throw new ForbiddenError(`only an administrator may set the password of ${before.email}`, [
        { field: 'password', message: "only an administrator may set another user's password" },
      ]);
  }
  if (m.grantsTo && after && Number(after[m.grantsTo]) === p.id)
    throw new ForbiddenError(`you may not grant yourself a role; someone else who manages this ${m.label.replace(/ privilege$/i, '').toLowerCase()} must`, [
      { field: m.grantsTo, message: 'you may not grant a role to yourself' },
    ]);
}

export function authorizeWrite(m: ModelDef, p: Principal, op: 'create' | 'update' | 'delete'): Authorize {
  // Callers who may never write here are refused before the store looks at the request, so they
  // get 403 whatever they send, not a 404, 409 or validation error about rows they may not touch.
  if (p.readOnly) throw new ForbiddenError(`${p.email} is a read-only user`);
  if (!p.isAdmin && m.write.kind === 'admin') throw new ForbiddenError(`only administrators may change ${m.plural}`);
  return async (after, before, ctx) => {
    if (p.readOnly) throw new ForbiddenError(`${p.email} is a read-only user`);
    selfRules(m, p, after, before);
    if (p.isAdmin) return;
    const check = ruleCheck(m);
    const verb = op === 'create' ? 'create' : op === 'update' ? 'change' : 'delete';
    if (before && !(await check(p, before, ctx, op))) throw new ForbiddenError(`you may not ${verb} ${label(m, before)}`);
    if (after && !(await check(p, after, ctx, op)))
      throw new ForbiddenError(op === 'create' ? `you may not create this ${m.label.toLowerCase()} (check its ${refFields(m)})` : `you may not move ${label(m, after)} there`);
    accountRules(m, p, after, before);
    if (after) {
      const limited = fieldLimits(m, p, before);
      const denied = [...limited].filter((f) => {
        const was = before ? before[f] : m.fields[f].default ?? null;
        const now = after[f] ?? null;
        if (!before && f === 'creator' && now === p.id) return false; // the store sets it to the caller
        return JSON.stringify(was ?? null) !== JSON.stringify(now);
      });
      if (denied.length)
        throw new ForbiddenError(
          `you may not set ${denied.join(', ')}`,
          denied.map((field) => ({ field, message: 'only an administrator may change this field' })),
        );
    }
  };
}

const refFields = (m: ModelDef) =>
  Object.entries(m.fields).filter(([, d]) => d.type === 'ref' && d.required).map(([f]) => f).join(', ') || 'fields';
