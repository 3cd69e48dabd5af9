// A deployment's access list decides who may place instances in it. As in XOS, an instance may
// go there when the caller, the slice's creator or any user privileged on the slice passes.
import { aclAllows, parseAcl } from '../model/acl.js';
import { ForbiddenError } from '../model/errors.js';
import type { ModelContext, Row } from '../model/types.js';
import type { Queryable } from '../store/db.js';

export async function checkDeploymentAcl(db: Queryable, ctx: ModelContext, callerId: number, row: Row, field: string) {
  const deployment = await ctx.get("Deployment", Number(row[field]));
  const slice = await ctx.get("Slice", Number(row.slice));
  if (!deployment || !slice) return; // reported as a missing reference by the store
  const { rules } = parseAcl(String(deployment.access_control ?? ''));
  const candidates = await db.query<{ email: string; site_name: string; login_base: string }>(
    `SELECT u.email, s.name AS site_name, s.login_base FROM users u JOIN sites s ON s.id = u.site
      WHERE u.deleted = false AND (u.id = $1 OR u.id = $2 OR u.id IN
        (SELECT "user" FROM slice_privileges WHERE slice = $3 AND deleted = false))`,
    [callerId, slice.creator ?? 0, slice.id],
  );
  const allowed = candidates.some((c) => aclAllows(rules, { email: c.email, siteNames: [c.site_name, c.login_base] }));
  if (!allowed)
    throw new ForbiddenError(`deployment ${deployment.name} does not admit slice ${slice.name} (its access list denies it)`, [
      { field: 'deployment', message: `the access list of ${deployment.name} does not allow this slice's users or site` },
    ]);
}
