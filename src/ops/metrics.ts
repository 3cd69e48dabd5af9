// GET /metrics in Prometheus' text format. Cluster series are rebuilt at each scrape from the
// collectors' stored reports (a cluster deleted since is gone, a failing one says so with
// xos_collector_up 0 and keeps its last values); process series (API request and reconcile
// durations) accumulate in this process. Every cluster series has a `cluster` label.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../store/repository.js';
import { clusterView, type ClusterView } from './cluster-view.js';

export class XosMetrics {
  readonly process = new Registry();
  private readonly requests = new Histogram({
    name: 'xos_api_request_duration_seconds',
    help: 'XOS API requests by method, route and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.process],
  });
  private readonly reconciles = new Histogram({
    name: 'xos_reconcile_duration_seconds',
    help: 'Reconciles by the synchronizer, by model and outcome (done, requeue, waiting, error)',
    labelNames: ['model', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.process],
  });
  private readonly reconcileErrors = new Counter({
    name: 'xos_reconcile_errors_total',
    help: 'Reconciles that ended in an error, by model',
    labelNames: ['model'],
    registers: [this.process],
  });

  observeRequest(method: string, route: string, status: number, seconds: number) {
    this.requests.observe({ method, route, status_code: String(status) }, seconds);
  }

  observeReconcile(model: string, outcome: string, seconds: number) {
    this.reconciles.observe({ model, outcome }, seconds);
    if (outcome === 'error') this.reconcileErrors.inc({ model });
  }

  // The text of a scrape: every cluster (or those of the given deployments), XOS's backlog, and
  // this process's series.
  async render(store: Store, o: { deployments?: number[] } = {}): Promise<{ text: string; contentType: string }> {
    const rows = await store.clusters.clusters({ deployments: o.deployments });
    const reports = await store.clusters.reports(rows.map((r) => r.id));
    const now = Date.now();
    const views = rows.map((r) => clusterView(r, reports, now));
    const scrape = clusterRegistry(views);
    if (!o.deployments) backlogSeries(scrape, await store.clusters.backlog(), now);
    const merged = Registry.merge([scrape, this.process]);
    return { text: await merged.metrics(), contentType: merged.contentType };
  }
}

const seconds = (t: string | null) => (t ? Date.parse(t) / 1000 : null);

export function clusterRegistry(views: ClusterView[]): Registry {
  const r = new Registry();
  const g = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [r] });
  const up = g('xos_cluster_up', '1 when every collector read the cluster at its last attempt', ['cluster']);
  const cUp = g('xos_collector_up', '1 when the collector succeeded at its last attempt, 0 when it failed', ['cluster', 'collector']);
  const cLast = g('xos_collector_last_success_timestamp_seconds', 'When the collector last succeeded (Unix time)', ['cluster', 'collector']);
  const cDur = g('xos_collector_duration_seconds', "The collector's last attempt, in seconds", ['cluster', 'collector']);
  const cReq = g('xos_collector_requests', 'HTTP requests the last attempt of the collector made', ['cluster', 'collector']);
  const svc = g('xos_nova_service_up', '1 when Nova reports the service up', ['cluster', 'binary', 'host', 'zone', 'status']);
  const svcAge = g('xos_nova_service_heartbeat_age_seconds', "Seconds since the service's last heartbeat", ['cluster', 'binary', 'host']);
  const agent = g('xos_neutron_agent_alive', '1 when Neutron reports the agent alive', ['cluster', 'agent_type', 'binary', 'host', 'admin_state']);
  const agentAge = g('xos_neutron_agent_heartbeat_age_seconds', "Seconds since the agent's last heartbeat", ['cluster', 'binary', 'host']);
  const capTotal = g('xos_cluster_resource_capacity', "Placement inventory, summed over the cluster's providers (VCPU, MEMORY_MB, DISK_GB)", ['cluster', 'resource']);
  const capReserved = g('xos_cluster_resource_reserved', 'Placement reserved amount, summed', ['cluster', 'resource']);
  const capUsable = g('xos_cluster_resource_usable', '(capacity - reserved) * allocation ratio, summed', ['cluster', 'resource']);
  const capUsed = g('xos_cluster_resource_used', 'Placement usage, summed', ['cluster', 'resource']);
  const hostUsed = g('xos_host_resource_used', 'Placement usage per compute host', ['cluster', 'host', 'resource']);
  const hostUsable = g('xos_host_resource_usable', '(capacity - reserved) * allocation ratio per compute host', ['cluster', 'host', 'resource']);
  const servers = g('xos_cluster_servers', 'Servers of all projects by status', ['cluster', 'status']);
  const latency = g('xos_cluster_api_latency_seconds', 'Time of one small call to each service API at the last reading', ['cluster', 'service']);
  const latencyUp = g('xos_cluster_api_up', '1 when the service API answered at the last reading', ['cluster', 'service']);
  for (const v of views) {
    const cluster = v.name;
    const cs = Object.entries(v.collectors).filter(([, c]) => c.ok !== null);
    up.set({ cluster }, cs.length && cs.every(([, c]) => c.ok) ? 1 : 0);
    for (const [collector, c] of cs) {
      cUp.set({ cluster, collector }, c.ok ? 1 : 0);
      const last = seconds(c.last_success);
      if (last !== null) cLast.set({ cluster, collector }, last);
      if (c.duration_ms !== null) cDur.set({ cluster, collector }, c.duration_ms / 1000);
      if (c.requests !== null) cReq.set({ cluster, collector }, c.requests);
    }
    for (const s of v.services) {
      svc.set({ cluster, binary: s.binary, host: s.host, zone: s.zone ?? '', status: s.status }, s.state === 'up' ? 1 : 0);
      if (s.heartbeat_age_s !== null) svcAge.set({ cluster, binary: s.binary, host: s.host }, s.heartbeat_age_s);
    }
    for (const a of v.agents) {
      agent.set({ cluster, agent_type: a.agent_type, binary: a.binary, host: a.host, admin_state: a.admin_state_up ? 'up' : 'down' }, a.alive ? 1 : 0);
      if (a.heartbeat_age_s !== null) agentAge.set({ cluster, binary: a.binary, host: a.host }, a.heartbeat_age_s);
    }
    for (const [resource, c] of Object.entries(v.capacity)) {
      capTotal.set({ cluster, resource }, c.total);
      capReserved.set({ cluster, resource }, c.reserved);
      capUsable.set({ cluster, resource }, c.usable);
      capUsed.set({ cluster, resource }, c.used);
    }
    for (const p of v.providers)
      for (const [resource, x] of Object.entries(p.resources)) {
        hostUsed.set({ cluster, host: p.name, resource }, x.used);
        hostUsable.set({ cluster, host: p.name, resource }, Math.floor((x.total - x.reserved) * x.allocation_ratio));
      }
    for (const [status, n] of Object.entries(v.servers?.by_status ?? {})) servers.set({ cluster, status }, n);
    for (const l of v.latency) {
      latencyUp.set({ cluster, service: l.service }, l.ok ? 1 : 0);
      if (l.ms !== null) latency.set({ cluster, service: l.service }, l.ms / 1000);
    }
  }
  return r;
}

function backlogSeries(r: Registry, rows: Awaited<ReturnType<Store['clusters']['backlog']>>, now: number) {
  const pending = new Gauge({ name: 'xos_sync_pending', help: 'Objects waiting for the synchronizer, by model', labelNames: ['model'], registers: [r] });
  const oldest = new Gauge({ name: 'xos_sync_oldest_pending_age_seconds', help: 'How long the oldest waiting object has waited, by model', labelNames: ['model'], registers: [r] });
  const errors = new Gauge({ name: 'xos_sync_objects_in_error', help: 'Objects in error, by model', labelNames: ['model'], registers: [r] });
  for (const b of rows) {
    pending.set({ model: b.model }, b.pending);
    oldest.set({ model: b.model }, b.oldest_pending ? Math.max(0, (now - Date.parse(b.oldest_pending)) / 1000) : 0);
    errors.set({ model: b.model }, b.errors);
  }
}
