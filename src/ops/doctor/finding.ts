// One finding of the doctor: a stable code, how bad it is, where, what is seen, why, what to do,
// and the facts it rests on. Exit codes follow the Nagios and oslo.upgradecheck convention.
export type Severity = 'ok' | 'warning' | 'critical';

export interface Finding {
  code: string;
  severity: Severity;
  cluster: string | null; // null: XOS itself
  object: string; // what it is about: "nova-compute@compute1", "Instance 12", "synchronizer"
  symptom: string;
  cause: string;
  remedy: string;
  evidence: Record<string, unknown>;
  instances?: number[]; // the XOS instances it concerns, so that a page can link each one
}

export interface DoctorReport {
  findings: (Finding & { instances: number[] })[];
  summary: Record<Severity, number>;
  exit_code: 0 | 1 | 2;
  clusters: string[];
  checked_at: string;
  duration_ms: number;
}

const ORDER: Record<Severity, number> = { critical: 0, warning: 1, ok: 2 };

export function report(findings: Finding[], clusters: string[], t0: number): DoctorReport {
  const sorted = findings.map((f) => ({ ...f, instances: f.instances ?? [] })).sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || (a.cluster ?? '').localeCompare(b.cluster ?? '') || a.code.localeCompare(b.code));
  const summary = { ok: 0, warning: 0, critical: 0 };
  for (const f of sorted) summary[f.severity]++;
  return {
    findings: sorted,
    summary,
    exit_code: summary.critical ? 2 : summary.warning ? 1 : 0,
    clusters,
    checked_at: new Date().toISOString(),
    duration_ms: Math.round(performance.now() - t0),
  };
}
