// Who is calling, and every privilege they hold, loaded once per request.
import type { Store } from '../store/repository.js';
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

export async function loadPrincipal(store: Store, user: Row): Promise<Principal> {
  const id = Number(user.id);
  const { sites, slices, deployments } = await store.accounts.privileges(id);
  return {
    user,
    id,
    email: String(user.email),
    isAdmin: user.is_admin === true,
    readOnly: user.is_readonly === true,
    siteRoles: group(sites, 'site'),
    sliceRoles: group(slices, 'slice'),
    deploymentAdmin: new Set(deployments),
  };
}

export const sitesWithRole = (p: Principal, roles: readonly string[]) =>
  [...p.siteRoles].filter(([, rs]) => roles.some((r) => rs.has(r))).map(([site]) => site);
