// The operator view: every cluster side by side as the collectors last read it (GET
// /api/ops/clusters), problems first. The collectors' readings make no change notices, so the page
// reads them again every [ops] interval (and at once when a controller changes).
import { useEffect, type ReactNode } from 'react';
import { api, type OpsCluster } from '../api';
import { useQuery } from '../hooks';
import { Link } from '../router';
import { ErrorAlert, fmtInt, Loading, PageTitle, RelTime } from '../components/ui';
import { AgentsTable, CollectorsTable, Flag, HypervisorsTable, ServicesTable } from '../components/OpsTables';

const HEALTH = {
  critical: { kind: 'error', label: 'Critical' },
  warning: { kind: 'pending', label: 'Warning' },
  ok: { kind: 'ok', label: 'OK' },
  unknown: { kind: 'unknown', label: 'Not read yet' },
} as const;

export function OpsPage() {
  const q = useQuery('ops-clusters', () => api.opsClusters(), (n) => n.model === 'Controller', 1000);
  const interval = q.data?.interval_s;
  const reload = q.reload;
  useEffect(() => {
    if (!interval) return;
    const t = setInterval(reload, interval * 1000);
    return () => clearInterval(t);
  }, [interval, reload]);
  const d = q.data;
  const bad = d ? d.items.filter((c) => c.health === 'critical' || c.health === 'warning').length : 0;
  return (
    <>
      <div className="page-head">
        <PageTitle title="Operator view">Operator view</PageTitle>
        <div className="actions">
          <Link to="/ops/doctor" className="btn btn-small">
            Run the doctor
          </Link>
          {d?.nagios_url && (
            <a href={d.nagios_url} className="btn btn-small btn-quiet" target="_blank" rel="noreferrer" data-testid="nagios-link">
              Nagios view
            </a>
          )}
          <button type="button" className="btn btn-small btn-quiet" onClick={reload} disabled={q.loading}>
            Refresh
          </button>
        </div>
      </div>
      {d && (
        <p className="muted small" data-testid="ops-refresh">
          The collectors read every cluster every {d.interval_s} s; this page reads their results again every {d.interval_s} s. Updated{' '}
          <RelTime iso={d.time} />.
        </p>
      )}
      <ErrorAlert error={q.error} what="use the operator tools" />
      {!d ? (
        !q.error && <Loading label="Reading the clusters' reports…" />
      ) : d.items.length === 0 ? (
        <p className="empty">
          No clusters you can see. An administrator registers each OpenStack cluster as a <Link to="/controllers">controller</Link>.
        </p>
      ) : (
        <>
          <section aria-labelledby="ops-clusters-title">
            <h2 id="ops-clusters-title" className="card-title">
              Clusters{' '}
              {bad > 0 && (
                <span className="count-badge count-error" title="clusters with problems">
                  {bad} with problems
                </span>
              )}
            </h2>
            <ul className="ops-grid">
              {d.items.map((c) => (
                <ClusterCard key={c.id} c={c} />
              ))}
            </ul>
          </section>
          <Panel id="services" title="Compute services">
            <ServicesTable clusters={d.items} />
          </Panel>
          <Panel id="agents" title="Network agents">
            <AgentsTable clusters={d.items} />
          </Panel>
          <Panel id="hypervisors" title="Hypervisors">
            <HypervisorsTable clusters={d.items} />
          </Panel>
          <Panel id="collectors" title="Collectors">
            <CollectorsTable clusters={d.items} />
          </Panel>
        </>
      )}
    </>
  );
}

function Panel({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={`ops-${id}-title`}>
      <h2 id={`ops-${id}-title`} className="card-title">
        {title}
      </h2>
      {children}
    </section>
  );
}

const RESOURCES: [string, string, (n: number) => string][] = [
  ['VCPU', 'vCPUs', fmtInt],
  ['MEMORY_MB', 'RAM', (n) => `${fmtInt(Math.round(n / 1024))} GB`],
  ['DISK_GB', 'Disk', (n) => `${fmtInt(n)} GB`],
];

function ClusterCard({ c }: { c: OpsCluster }) {
  const h = HEALTH[c.health];
  const attempts = Object.values(c.collectors)
    .map((x) => x.attempted)
    .filter((x): x is string => !!x)
    .sort();
  const failing = Object.values(c.collectors).some((x) => x.ok === false);
  const lastSuccess = Object.values(c.collectors)
    .map((x) => x.last_success)
    .filter((x): x is string => !!x)
    .sort()
    .at(-1);
  const up = (b: string) => c.services.filter((s) => s.binary === b && s.state === 'up').length;
  const computes = c.services.filter((s) => s.binary === 'nova-compute').length;
  const facts: [string, string][] = [
    ['Compute', c.collectors.services.last_success ? `${up('nova-compute')} of ${computes} up` : '—'],
    ['Agents', c.collectors.agents.last_success ? `${c.agents.filter((a) => a.alive).length} of ${c.agents.length} alive` : '—'],
    ...RESOURCES.map(([rc, label, fmt]): [string, string] => [label, c.capacity[rc] ? `${fmt(c.capacity[rc].used)} of ${fmt(c.capacity[rc].usable)}` : '—']),
    ['Servers', c.servers ? `${fmtInt(c.servers.total)}${c.servers.by_status.ERROR ? ` (${c.servers.by_status.ERROR} in ERROR)` : ''}` : '—'],
  ];
  return (
    <li className={`card ops-card ops-${c.health}`} data-cluster={c.name} data-health={c.health} aria-labelledby={`ops-card-${c.id}`}>
      <div className="card-head">
        <h3 className="ops-card-title" id={`ops-card-${c.id}`}>
          <Link to={`/controllers/${c.id}`}>{c.name}</Link>
        </h3>
        <Flag kind={h.kind}>{h.label}</Flag>
      </div>
      <p className="muted small">
        {c.deployment_name ?? `deployment ${c.deployment}`} · read <RelTime iso={attempts.at(-1)} empty="never" />
      </p>
      {c.problems.length > 0 && (
        <ul className="ops-problems">
          {c.problems.map((p, i) => (
            <li key={i} className={p.severity === 'critical' ? 'error-text' : 'warn-text'}>
              <strong>{p.severity === 'critical' ? 'Critical' : 'Warning'}:</strong> {p.text}
            </li>
          ))}
        </ul>
      )}
      {failing && (
        <p className="small" data-testid="last-success">
          Last successful reading: <RelTime iso={lastSuccess} empty="never" />
        </p>
      )}
      <dl className="ops-facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </li>
  );
}
