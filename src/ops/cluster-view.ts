// One cluster as the operator tools show it, built from the collectors' stored reports: the
// services and agents with their heartbeat ages (counted from now, not from the poll), the
// capacity summed over Placement's providers, servers by status, API latencies, each collector's
// last outcome, and a health verdict with the problems behind it, worst first.
import type { ClusterRow, ReportRow } from '../store/cluster-reports.js';
import { COLLECTORS, type CollectorData, type CollectorName, type ResourceInfo } from './cluster-probe.js';

export type Health = 'ok' | 'warning' | 'critical' | 'unknown';

export interface CollectorStatus {
  ok: boolean | null; // null: never ran
  attempted: string | null;
  last_success: string | null;
  last_error: string | null;
  last_error_kind: string | null;
  duration_ms: number | null;
  requests: number | null;
}

export interface Capacity extends ResourceInfo {
  usable: number; // (total - reserved) * allocation_ratio
  free: number;
}

export interface ClusterView {
  id: number;
  name: string;
  deployment: number;
  deployment_name: string | null;
  auth_url: string;
  health: Health;
  problems: { severity: 'warning' | 'critical'; text: string }[];
  collectors: Record<CollectorName, CollectorStatus>;
  services: (CollectorData['services'][number] & { heartbeat_age_s: number | null })[];
  agents: (CollectorData['agents'][number] & { heartbeat_age_s: number | null })[];
  hypervisors: CollectorData['capacity']['hypervisors'];
  providers: CollectorData['capacity']['providers'];
  capacity: Record<string, Capacity>;
  servers: { total: number; by_status: Record<string, number> } | null;
  server_errors: CollectorData['servers']['errors'];
  servers_building: CollectorData['servers']['building'];
  networks: CollectorData['networks'] | null;
  latency: CollectorData['latency'];
}

const ageS = (t: string | null, now: number) => (t ? Math.max(0, Math.round((now - Date.parse(t)) / 1000)) : null);

export function sumCapacity(providers: CollectorData['capacity']['providers']): Record<string, Capacity> {
  const out: Record<string, Capacity> = {};
  for (const p of providers)
    for (const [rc, r] of Object.entries(p.resources)) {
      const c = (out[rc] ??= { total: 0, reserved: 0, used: 0, allocation_ratio: 0, usable: 0, free: 0 });
      c.total += r.total;
      c.reserved += r.reserved;
      c.used += r.used;
      c.usable += (r.total - r.reserved) * r.allocation_ratio;
    }
  for (const c of Object.values(out)) {
    c.allocation_ratio = c.total - c.reserved > 0 ? Math.round((c.usable / (c.total - c.reserved)) * 100) / 100 : 0;
    c.usable = Math.floor(c.usable);
    c.free = Math.max(0, c.usable - c.used);
  }
  return out;
}

export function clusterView(c: ClusterRow, reports: ReportRow[], now = Date.now()): ClusterView {
  const mine = new Map(reports.filter((r) => r.controller === c.id).map((r) => [r.collector, r]));
  const data = <K extends CollectorName>(k: K): CollectorData[K] | null => (mine.get(k)?.data as CollectorData[K] | undefined) ?? null;
  const collectors = Object.fromEntries(
    COLLECTORS.map((k) => {
      const r = mine.get(k);
      const s: CollectorStatus = r
        ? { ok: r.ok, attempted: r.attempted, last_success: r.last_success, last_error: r.ok ? null : r.last_error, last_error_kind: r.ok ? null : r.last_error_kind, duration_ms: r.duration_ms, requests: r.requests }
        : { ok: null, attempted: null, last_success: null, last_error: null, last_error_kind: null, duration_ms: null, requests: null };
      return [k, s];
    }),
  ) as Record<CollectorName, CollectorStatus>;
  const services = (data('services') ?? []).map((s) => ({ ...s, heartbeat_age_s: ageS(s.updated_at, now) }));
  const agents = (data('agents') ?? []).map((a) => ({ ...a, heartbeat_age_s: ageS(a.heartbeat_at, now) }));
  const cap = data('capacity');
  const servers = data('servers');
  const problems: ClusterView['problems'] = [];
  const failing = COLLECTORS.filter((k) => collectors[k].ok === false);
  if (failing.length) {
    const first = collectors[failing[0]];
    problems.push({ severity: 'critical', text: `${failing.length === COLLECTORS.length ? 'cluster unreachable' : `collectors failing (${failing.join(', ')})`}: ${first.last_error}` });
  }
  for (const s of services)
    if (s.state === 'down' && s.status === 'enabled')
      problems.push({ severity: 'critical', text: `${s.binary} on ${s.host} is down (last heartbeat ${s.heartbeat_age_s ?? '?'} s ago)` });
  for (const a of agents)
    if (!a.alive && a.admin_state_up) problems.push({ severity: 'critical', text: `${a.agent_type} on ${a.host} is dead (last heartbeat ${a.heartbeat_age_s ?? '?'} s ago)` });
  for (const s of services) if (s.status === 'disabled') problems.push({ severity: 'warning', text: `${s.binary} on ${s.host} is disabled${s.disabled_reason ? `: ${s.disabled_reason}` : ''}` });
  if (servers?.by_status.ERROR) problems.push({ severity: 'warning', text: `${servers.by_status.ERROR} server(s) in ERROR` });
  problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  const ran = COLLECTORS.some((k) => collectors[k].ok !== null);
  const health: Health = !ran ? 'unknown' : problems.some((p) => p.severity === 'critical') ? 'critical' : problems.length ? 'warning' : 'ok';
  return {
    id: c.id,
    name: c.name,
    deployment: c.deployment,
    deployment_name: c.deployment_name,
    auth_url: c.auth_url,
    health,
    problems,
    collectors,
    services,
    agents,
    hypervisors: cap?.hypervisors ?? [],
    providers: cap?.providers ?? [],
    capacity: sumCapacity(cap?.providers ?? []),
    servers: servers ? { total: servers.total, by_status: servers.by_status } : null,
    server_errors: servers?.errors ?? [],
    servers_building: servers?.building ?? [],
    networks: data('networks'),
    latency: data('latency') ?? [],
  };
}

const RANK: Record<Health, number> = { critical: 0, warning: 1, unknown: 2, ok: 3 };
// Problems first, then by name.
export const byHealth = (a: ClusterView, b: ClusterView) => RANK[a.health] - RANK[b.health] || a.name.localeCompare(b.name);
