// The doctor's checks of XOS itself: the synchronizer's backlog and the objects in error, grouped
// by cause.
import type { BacklogRow } from '../../store/cluster-reports.js';
import type { ErrorGroup } from '../error-groups.js';
import type { Finding } from './finding.js';

const WARN_AGE_S = 600;
const CRIT_AGE_S = 3600;

export function backlogFindings(rows: BacklogRow[], now = Date.now()): Finding[] {
  const pending = rows.filter((r) => r.pending > 0);
  const total = pending.reduce((n, r) => n + r.pending, 0);
  const oldest = pending.map((r) => r.oldest_pending).filter((t): t is string => Boolean(t)).sort()[0] ?? null;
  const ageS = oldest ? Math.round((now - Date.parse(oldest)) / 1000) : 0;
  const evidence = { pending: total, oldest_pending: oldest, oldest_age_s: ageS, per_model: Object.fromEntries(pending.map((r) => [r.model, r.pending])) };
  if (ageS < WARN_AGE_S)
    return [{ code: 'SYNC_BACKLOG', severity: 'ok', cluster: null, object: 'synchronizer', symptom: `${total} object(s) waiting to be synchronized${total ? `, the oldest for ${ageS} s` : ''}`, cause: '', remedy: '', evidence }];
  return [
    {
      code: 'SYNC_BACKLOG',
      severity: ageS >= CRIT_AGE_S ? 'critical' : 'warning',
      cluster: null,
      object: 'synchronizer',
      symptom: `${total} object(s) wait to be synchronized; the oldest has waited ${ageS} s`,
      cause: 'The synchronizer is not running ([observer] enabled), is stuck, or its clusters are slow or unreachable (see the cluster findings).',
      remedy: 'Check that an XOS process runs the synchronizer and its log; fix the unreachable clusters; objects that wait on a dead cluster go on once it is back.',
      evidence,
    },
  ];
}

export function errorFindings(groups: ErrorGroup[]): Finding[] {
  return groups.map((g) => ({
    code: g.controller ? 'OBJECTS_BLOCKED_BY_CONTROLLER' : 'OBJECTS_IN_ERROR',
    severity: 'warning',
    cluster: g.controller?.name ?? null,
    object: Object.entries(g.models).map(([m, n]) => `${n} ${m}`).join(', '),
    symptom: `${g.count} object(s) in error: ${g.cause}`,
    cause: g.controller ? `Their controller ${g.controller.name} is in error itself; they fail for that one reason.` : 'They fail with the same message.',
    remedy: g.controller ? `Fix controller ${g.controller.name} (see its finding); its objects are retried once it is OK, or retry them at once from the dashboard.` : 'Fix what the message says, then retry them (POST /api/core/<plural>/<id>/retry, or from the dashboard).',
    evidence: { count: g.count, models: g.models, samples: g.samples },
    instances: g.samples.filter((x) => x.model === 'Instance').map((x) => x.id),
  }));
}
