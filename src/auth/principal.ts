// Who is calling, and every privilege they hold, loaded once per request.
import type { Queryable } from '../store/db.js';
import type { Row } from '../model/types.js';

export interface Principal {
  user: Row;
  id: number;
  email: string;
  isAdmin: boolean; // root: may read everything, and write everything unless read-only
  readOnly: boolean;
  siteRoles: Map<number, Set<string>>;
  sliceRoles: Map<number, Set<string>>;
  deploymentAdmin: Set<number>;
}

function group(rows: Row[], key: string): Map<number, Set<string>> {
  const m = new Map<number, Set<string>>();
  for (const r of rows) {
    const k = Number(r[key]);
    if (!m.has(k)) m.set(k, new Set());
    m.get(k)!.add(String(r.role));
  }
  return m;
}

export async function loadPrincipal(db: Queryable, user: Row): Promise<Principal> {
  const id = Number(user.id);
  const [sites, slices, deployments] = await Promise.all([
    db.query(
      'SELECT p.site, r.role FROM site_privileges p JOIN site_roles r ON r.id = p.role WHERE p."user" = $1 AND p.deleted = false',
      [id],
    ),
    db.query(
      'SELECT p.slice, r.role FROM slice_privileges p JOIN slice_roles r ON r.id = p.role WHERE p."user" = $1 AND p.deleted = false',
      [id],
    ),
    db.query(
      `SELECT p.deployment FROM deployment_privileges p JOIN deployment_roles r ON r.id = p.role
        WHERE p."user" = $1 AND p.deleted = false AND r.role = 'admin'`,
      [id],
    ),
  ]);
  return {
    user,
    id,
    email: String(user.email),
    isAdmin: user.is_admin === true,
    readOnly: user.is_readonly === true,
    siteRoles: group(sites, 'site'),
    sliceRoles: group(slices, 'slice'),
    deploymentAdmin: new Set(deployments.map((r) => Number(r.deployment))),
  };
}

export const sitesWithRole = (p: Principal, roles: readonly string[]) =>
  [...p.siteRoles].filter(([, rs]) => roles.some((r) => rs.has(r))).map(([site]) => site);
