// Which processes `xos serve` runs: the roles (api: the HTTP API and web UI; sync: the
// synchronizer; ops: the operator tools' collectors) spread over worker processes.
export const ROLES = ['api', 'sync', 'ops'] as const;
export type Role = (typeof ROLES)[number];

export function parseRoles(text: string, where: string): Role[] {
  const items = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!items.length) throw new Error(`${where}: no role given (use all, or some of ${ROLES.join(', ')})`);
  const out = new Set<Role>();
  for (const item of items) {
    if (item === 'all') ROLES.forEach((r) => out.add(r));
    else if ((ROLES as readonly string[]).includes(item)) out.add(item as Role);
    else throw new Error(`${where}: "${item}" is not a role (use all, or some of ${ROLES.join(', ')})`);
  }
  return ROLES.filter((r) => out.has(r));
}

export interface WorkerPlan {
  roles: Role[];
}

// One process with every role unless more API or sync processes are asked for; then N API
// processes, and M sync processes of which the first also runs the collectors. The embedded
// database admits one process (its data directory lock), hence one worker.
export function planWorkers(o: { roles: Role[]; workers: number; syncWorkers: number; embedded: boolean }): WorkerPlan[] {
  const has = (r: Role) => o.roles.includes(r);
  if (o.embedded && (o.workers > 1 || o.syncWorkers > 1))
    throw new Error(
      `${o.workers > 1 ? '--workers / [server] workers' : '[server] sync_workers'}: the embedded database admits one process; ` +
        'set [db] url to a PostgreSQL server to run more',
    );
  if (o.workers > 1 && !has('api')) throw new Error(`--workers: ${o.workers} API processes asked for, but the roles (${o.roles.join(', ')}) have no api`);
  if (o.syncWorkers > 1 && !has('sync')) throw new Error(`[server] sync_workers: ${o.syncWorkers} sync processes asked for, but the roles (${o.roles.join(', ')}) have no sync`);
  if (o.workers === 1 && o.syncWorkers === 1) return [{ roles: o.roles }];
  const plans: WorkerPlan[] = [];
  if (has('api')) for (let i = 0; i < o.workers; i++) plans.push({ roles: ['api'] });
  if (has('sync')) for (let i = 0; i < o.syncWorkers; i++) plans.push({ roles: i === 0 && has('ops') ? ['sync', 'ops'] : ['sync'] });
  else if (has('ops')) plans.push({ roles: ['ops'] });
  return plans;
}
