// The operator view's tables, every cluster in one table each, in the columns of Horizon's System
// Information (compute services, network agents) and Hypervisors panels, with a cluster column and
// problems first: a cluster whose collector fails heads the table with its error and last
// success; then services down, agents dead, disabled ones; then the rest by cluster.
import type { ReactNode } from 'react';
import type { OpsCluster } from '../api';
import { Link } from '../router';
import { fmtInt, RelTime } from './ui';

type Collector = 'services' | 'agents' | 'capacity';

// A heartbeat age as Horizon's "Last Updated" column shows it, in the largest fitting unit.
export function age(s: number | null): string {
  if (s === null) return 'never';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export function Flag({ kind, children }: { kind: 'error' | 'pending' | 'ok' | 'unknown'; children: ReactNode }) {
  return (
    <span className={`status status-${kind}`} data-flag={kind}>
      <span className="status-pill">{children}</span>
    </span>
  );
}

const ClusterCell = ({ c }: { c: OpsCluster }) => (
  <td className="ops-cluster">
    <Link to={`/controllers/${c.id}`}>{c.name}</Link>
  </td>
);

// The row that stands for a cluster's collector when it failed or never ran: its error and its
// last success, above what it read last (kept, marked as old).
function CollectorRows({ clusters, which, span }: { clusters: OpsCluster[]; which: Collector; span: number }) {
  return (
    <>
      {clusters
        .filter((c) => c.collectors[which].ok !== true)
        .map((c) => {
          const st = c.collectors[which];
          return (
            <tr key={`collector-${c.id}`} className={st.ok === false ? 'row-critical' : 'row-unknown'} data-failing={c.name}>
              <ClusterCell c={c} />
              <td colSpan={span}>
                {st.ok === false ? (
                  <>
                    <Flag kind="error">Collector failing</Flag> <span className="error-text">{st.last_error}</span>
                    <div className="muted small">
                      Last success: <RelTime iso={st.last_success} empty="never" />
                      {st.last_success && ' (its last reading is shown below)'} · last attempt <RelTime iso={st.attempted} />
                    </div>
                  </>
                ) : (
                  <span className="muted">Not read yet: the collectors have not reached this cluster.</span>
                )}
              </td>
            </tr>
          );
        })}
    </>
  );
}

const order = (clusters: OpsCluster[]) => new Map(clusters.map((c, i) => [c.id, i]));

export function ServicesTable({ clusters }: { clusters: OpsCluster[] }) {
  const pos = order(clusters);
  const rank = (s: OpsCluster['services'][number]) => (s.state === 'down' && s.status === 'enabled' ? 0 : s.status === 'disabled' ? 1 : 2);
  const rows = clusters
    .flatMap((c) => c.services.map((s) => ({ c, s })))
    .sort((a, b) => rank(a.s) - rank(b.s) || pos.get(a.c.id)! - pos.get(b.c.id)! || a.s.binary.localeCompare(b.s.binary) || a.s.host.localeCompare(b.s.host));
  return (
    <OpsTable caption="Compute services of every cluster, problems first" head={['Cluster', 'Name', 'Host', 'Zone', 'Status', 'State', 'Last updated']} testid="ops-services">
      <CollectorRows clusters={clusters} which="services" span={6} />
      {rows.map(({ c, s }) => (
        <tr key={`${c.id}-${s.id}`} className={rank(s) === 0 ? 'row-critical' : rank(s) === 1 ? 'row-warning' : undefined} data-cluster={c.name} data-host={s.host} data-binary={s.binary}>
          <ClusterCell c={c} />
          <td>{s.binary}</td>
          <td>{s.host}</td>
          <td>{s.zone ?? '—'}</td>
          <td>{s.status === 'enabled' ? 'Enabled' : <Flag kind="pending">Disabled</Flag>}</td>
          <td>{s.state === 'up' ? <Flag kind="ok">Up</Flag> : <Flag kind="error">Down</Flag>}</td>
          <td className="ops-age" title={s.updated_at ?? undefined}>
            {age(s.heartbeat_age_s)}
            {s.disabled_reason && <div className="muted small">{s.disabled_reason}</div>}
          </td>
        </tr>
      ))}
    </OpsTable>
  );
}

export function AgentsTable({ clusters }: { clusters: OpsCluster[] }) {
  const pos = order(clusters);
  const rank = (a: OpsCluster['agents'][number]) => (!a.alive && a.admin_state_up ? 0 : !a.admin_state_up ? 1 : 2);
  const rows = clusters
    .flatMap((c) => c.agents.map((a) => ({ c, a })))
    .sort((x, y) => rank(x.a) - rank(y.a) || pos.get(x.c.id)! - pos.get(y.c.id)! || x.a.agent_type.localeCompare(y.a.agent_type) || x.a.host.localeCompare(y.a.host));
  return (
    <OpsTable caption="Network agents of every cluster, problems first" head={['Cluster', 'Type', 'Name', 'Host', 'Zone', 'Status', 'State', 'Last heartbeat']} testid="ops-agents">
      <CollectorRows clusters={clusters} which="agents" span={7} />
      {rows.map(({ c, a }) => (
        <tr key={`${c.id}-${a.id}`} className={rank(a) === 0 ? 'row-critical' : rank(a) === 1 ? 'row-warning' : undefined} data-cluster={c.name} data-host={a.host}>
          <ClusterCell c={c} />
          <td>{a.agent_type}</td>
          <td>{a.binary}</td>
          <td>{a.host}</td>
          <td>{a.zone ?? '—'}</td>
          <td>{a.admin_state_up ? 'Enabled' : <Flag kind="pending">Disabled</Flag>}</td>
          <td>{a.alive ? <Flag kind="ok">Up</Flag> : <Flag kind="error">Down</Flag>}</td>
          <td className="ops-age" title={a.heartbeat_at ?? undefined}>
            {age(a.heartbeat_age_s)}
          </td>
        </tr>
      ))}
    </OpsTable>
  );
}

const usedOf = (used: number | null, total: number | null, unit = '') => (used === null || total === null ? '—' : `${fmtInt(used)}${unit} of ${fmtInt(total)}${unit}`);

export function HypervisorsTable({ clusters }: { clusters: OpsCluster[] }) {
  const pos = order(clusters);
  const rank = (h: OpsCluster['hypervisors'][number]) => (h.state === 'down' ? 0 : h.status === 'disabled' ? 1 : 2);
  const rows = clusters
    .flatMap((c) => c.hypervisors.map((h) => ({ c, h })))
    .sort((x, y) => rank(x.h) - rank(y.h) || pos.get(x.c.id)! - pos.get(y.c.id)! || x.h.name.localeCompare(y.h.name));
  return (
    <OpsTable caption="Hypervisors of every cluster, problems first" head={['Cluster', 'Hostname', 'Type', 'State', 'VCPUs used', 'RAM used', 'Local storage used', 'Instances']} testid="ops-hypervisors">
      <CollectorRows clusters={clusters} which="capacity" span={7} />
      {rows.map(({ c, h }) => (
        <tr key={`${c.id}-${h.name}`} className={rank(h) === 0 ? 'row-critical' : rank(h) === 1 ? 'row-warning' : undefined} data-cluster={c.name} data-host={h.name}>
          <ClusterCell c={c} />
          <td>{h.name}</td>
          <td>{h.type ?? '—'}</td>
          <td>
            {h.state === 'up' ? <Flag kind="ok">Up</Flag> : <Flag kind="error">Down</Flag>}
            {h.status === 'disabled' && <Flag kind="pending">Disabled</Flag>}
          </td>
          <td>{usedOf(h.vcpus_used, h.vcpus)}</td>
          <td>{usedOf(h.memory_mb_used === null ? null : Math.round(h.memory_mb_used / 1024), h.memory_mb === null ? null : Math.round(h.memory_mb / 1024), ' GB')}</td>
          <td>{usedOf(h.local_gb_used, h.local_gb, ' GB')}</td>
          <td>{h.running_vms === null ? '—' : fmtInt(h.running_vms)}</td>
        </tr>
      ))}
    </OpsTable>
  );
}

export function CollectorsTable({ clusters }: { clusters: OpsCluster[] }) {
  const rows = clusters.flatMap((c) => Object.entries(c.collectors).map(([k, st]) => ({ c, k, st })));
  rows.sort((a, b) => Number(a.st.ok !== false) - Number(b.st.ok !== false)); // failing first, else as the clusters come
  return (
    <OpsTable caption="Each collector of every cluster: its last run" head={['Cluster', 'Collector', 'Status', 'Last success', 'Last error', 'Duration']} testid="ops-collectors">
      {rows.map(({ c, k, st }) => (
        <tr key={`${c.id}-${k}`} className={st.ok === false ? 'row-critical' : undefined} data-cluster={c.name} data-collector={k}>
          <ClusterCell c={c} />
          <td>{k}</td>
          <td>{st.ok === null ? <Flag kind="unknown">Not run</Flag> : st.ok ? <Flag kind="ok">OK</Flag> : <Flag kind="error">Failing</Flag>}</td>
          <td>
            <RelTime iso={st.last_success} empty="never" />
          </td>
          <td className="error-text">{st.last_error ?? ''}</td>
          <td>{st.duration_ms === null ? '—' : `${fmtInt(st.duration_ms)} ms`}</td>
        </tr>
      ))}
    </OpsTable>
  );
}

function OpsTable({ caption, head, testid, children }: { caption: string; head: string[]; testid: string; children: ReactNode }) {
  return (
    <div className="table-wrap" data-testid={testid}>
      <table className="table table-compact ops-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
