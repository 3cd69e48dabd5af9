// `xos doctor`: reads the clusters afresh (when a probe is given), then runs every check and
// reports every finding, not the first.
import type { Store } from '../../store/repository.js';
import type { ClusterProbe, ProbeFailure } from '../cluster-probe.js';
import { pollClusters } from '../collectors.js';
import { clusterView } from '../cluster-view.js';
import { groupErrors } from '../error-groups.js';
import { clusterFindings } from './cluster-checks.js';
import { backlogFindings, errorFindings } from './xos-checks.js';
import { report, type DoctorReport, type Finding } from './finding.js';

export type { DoctorReport, Finding, Severity } from './finding.js';

export interface DoctorOptions {
  deployments?: number[]; // the caller's clusters (undefined: all)
  controller?: string; // only this one
  probe?: ClusterProbe; // read the clusters now rather than use the collectors' last reading
  timeoutMs: number;
  intervalS: number;
  xos: boolean; // include the checks of XOS itself (administrators)
}

export async function runDoctor(store: Store, o: DoctorOptions): Promise<DoctorReport> {
  const t0 = performance.now();
  const clusters = await store.clusters.clusters({ deployments: o.deployments, ...(o.controller ? { names: [o.controller] } : {}) });
  if (o.probe && clusters.length) await pollClusters(store, o.probe, { timeoutMs: o.timeoutMs, controllers: clusters.map((c) => c.id) });
  const ids = clusters.map((c) => c.id);
  const [reports, instances, templates] = await Promise.all([store.clusters.reports(ids), store.clusters.instances(), store.clusters.sharedTemplates()]);
  const now = Date.now();
  const findings: Finding[] = [];
  for (const c of clusters) {
    const view = clusterView(c, reports, now);
    const failures = reports.filter((r) => r.controller === c.id && !r.ok).map((r) => (r.error_detail as ProbeFailure | null) ?? { kind: 'other' as const, message: r.last_error ?? 'failed', service: null, url: null });
    findings.push(...clusterFindings({ view, failures, instances: instances.filter((i) => i.controller === c.id), templates, intervalS: o.intervalS }, now));
  }
  if (o.xos) {
    findings.push(...backlogFindings(await store.clusters.backlog(), now));
    const all = await store.clusters.clusters();
    const instanceCtl = new Map(instances.map((i) => [i.id, i.controller]));
    const errors = (await store.clusters.errors()).map((e) => (e.model === 'Instance' ? { ...e, controller: instanceCtl.get(e.id) ?? null } : e));
    findings.push(...errorFindings(groupErrors(errors, all)));
  }
  return report(findings, clusters.map((c) => c.name), t0);
}
