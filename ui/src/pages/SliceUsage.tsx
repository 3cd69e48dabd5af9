// The slice page's Usage tab: its instances, vCPUs and RAM as XOS has them against max_instances,
// and on each cluster where it has a project, that project's use against the cluster's quota
// (read live by GET /api/core/slices/:id/usage). A cluster that cannot be read is shown failing,
// with the reason. It refreshes when the slice's instances change.
import { api } from '../api';
import { useQuery } from '../hooks';
import { ErrorAlert, Icon, Loading, fmtInt } from '../components/ui';
import type { QuotaUse } from '../../../src/ops/slice-usage-types';

const mb = (n: number) => (n >= 1024 ? `${(n / 1024).toLocaleString('en', { maximumFractionDigits: 1 })} GB` : `${fmtInt(n)} MB`);

// One figure against its limit: a meter (when there is a limit) and the words.
function Gauge({ label, used, limit, fmt = fmtInt }: { label: string; used: number; limit: number | null; fmt?: (n: number) => string }) {
  const text = limit == null ? `${fmt(used)} (no limit)` : `${fmt(used)} of ${fmt(limit)}`;
  const full = limit != null && used >= limit;
  return (
    <div className={`gauge${full ? ' gauge-full' : ''}`}>
      <span className="gauge-label">{label}</span>
      {limit != null && <meter min={0} max={Math.max(limit, 1)} value={Math.min(used, Math.max(limit, 1))} high={limit * 0.8} optimum={0} aria-label={`${label}: ${text}`} />}
      <span className="gauge-text">{text}</span>
    </div>
  );
}

function QuotaCell({ q, label, fmt }: { q: QuotaUse; label: string; fmt?: (n: number) => string }) {
  return <Gauge label={label} used={q.used} limit={q.limit} fmt={fmt} />;
}

export function SliceUsagePanel({ sliceId }: { sliceId: number }) {
  const usage = useQuery(
    `slices/${sliceId}/usage`,
    () => api.sliceUsage(sliceId),
    (n) => n.model === 'Instance' || n.model === 'ControllerSlice' || (n.model === 'Slice' && n.id === sliceId) || n.model === '*',
    2000, // each refresh reads the clusters: not more often than this
  );
  if (usage.error && !usage.data) return <ErrorAlert error={usage.error} what="read the slice's usage" />;
  if (!usage.data) return <Loading label="Reading usage and quotas…" />;
  const { xos, clusters } = usage.data;
  return (
    <div className="usage" data-testid="slice-usage">
      <section className="card" aria-labelledby="usage-xos-title">
        <h2 id="usage-xos-title" className="card-title">
          In use
        </h2>
        <div className="gauges">
          <Gauge label="Instances" used={xos.instances} limit={xos.max_instances} />
          <Gauge label="vCPUs" used={xos.vcpus} limit={null} />
          <Gauge label="RAM" used={xos.ram_mb} limit={null} fmt={mb} />
        </div>
        <p className="muted small">Counted from the slice's instances and their flavors; the instances limit is the slice's "Max instances".</p>
      </section>
      <section className="card" aria-labelledby="usage-clusters-title">
        <div className="card-head">
          <h2 id="usage-clusters-title" className="card-title">
            Cluster quotas
          </h2>
          <button type="button" className="btn btn-small" onClick={usage.reload} disabled={usage.loading}>
            <Icon name="retry" size={14} />
            {usage.loading ? 'Reading…' : 'Refresh'}
          </button>
        </div>
        {clusters.length === 0 ? (
          <p className="empty">The slice has no project on any cluster yet: it gets one when it has an instance there.</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">The slice's project on each cluster: use against the cluster's quota</caption>
              <thead>
                <tr>
                  <th scope="col">Cluster</th>
                  <th scope="col">Instances</th>
                  <th scope="col">vCPUs</th>
                  <th scope="col">RAM</th>
                </tr>
              </thead>
              <tbody>
                {clusters.map((c) => (
                  <tr key={c.controller} data-cluster={c.name} data-state={c.status}>
                    <th scope="row">
                      {c.name}
                      {c.project_id && (
                        <div className="muted small mono" title={`project ${c.project_id}`}>
                          project {c.project_id.length > 12 ? `${c.project_id.slice(0, 8)}…` : c.project_id}
                        </div>
                      )}
                    </th>
                    {c.quota ? (
                      <>
                        <td>
                          <QuotaCell q={c.quota.instances} label="Instances" />
                        </td>
                        <td>
                          <QuotaCell q={c.quota.cores} label="vCPUs" />
                        </td>
                        <td>
                          <QuotaCell q={c.quota.ram_mb} label="RAM" fmt={mb} />
                        </td>
                      </>
                    ) : (
                      <td colSpan={3}>
                        <span className={`status status-${c.status === 'error' ? 'error' : 'pending'}`}>
                          <span className="status-pill">
                            <Icon name={c.status === 'error' ? 'error' : 'pending'} size={14} />
                            {c.status === 'error' ? 'Cannot read' : 'Pending'}
                          </span>
                          <span className="usage-why">{c.message}</span>
                        </span>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
