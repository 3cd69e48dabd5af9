// The doctor: runs every check (GET /api/ops/doctor reads the clusters afresh) and shows every
// finding, critical first, with what was seen, why and what to do. A finding about XOS instances
// links each one: its page has the console for the diagnosis.
import { api, type Finding } from '../api';
import { useQuery } from '../hooks';
import { Link } from '../router';
import { ErrorAlert, Loading, PageTitle, RelTime } from '../components/ui';
import { Flag } from '../components/OpsTables';

const SEVERITY = {
  critical: { kind: 'error', label: 'Critical', rank: 0 },
  warning: { kind: 'pending', label: 'Warning', rank: 1 },
  ok: { kind: 'ok', label: 'OK', rank: 2 },
} as const;

export function DoctorPage() {
  const q = useQuery('doctor', () => api.doctor());
  const d = q.data;
  const findings = d ? [...d.findings].sort((a, b) => SEVERITY[a.severity].rank - SEVERITY[b.severity].rank) : [];
  return (
    <>
      <div className="page-head">
        <PageTitle title="Doctor">Doctor</PageTitle>
        <div className="actions">
          <Link to="/ops" className="btn btn-small btn-quiet">
            Operator view
          </Link>
          <button type="button" className="btn btn-small btn-primary" onClick={q.reload} disabled={q.loading}>
            {q.loading ? 'Running…' : 'Run again'}
          </button>
        </div>
      </div>
      <ErrorAlert error={q.error} what="run the doctor" />
      {q.loading && <Loading label="Reading every cluster and checking it…" />}
      {d && (
        <>
          <p className="muted small" data-testid="doctor-summary">
            {d.summary.critical ?? 0} critical, {d.summary.warning ?? 0} warning(s), {d.summary.ok ?? 0} fine · {d.clusters.length} cluster(s) checked{' '}
            <RelTime iso={d.checked_at} /> in {d.duration_ms} ms
          </p>
          {findings.length === 0 && <p className="empty-ok">Nothing to report.</p>}
          <ol className="findings">
            {findings.map((f, i) => (
              <FindingCard key={i} f={f} />
            ))}
          </ol>
        </>
      )}
    </>
  );
}

function FindingCard({ f }: { f: Finding }) {
  const s = SEVERITY[f.severity];
  return (
    <li className={`card finding finding-${f.severity}`} data-code={f.code} data-severity={f.severity}>
      <div className="card-head">
        <h2 className="finding-title">
          <Flag kind={s.kind}>{s.label}</Flag> <code>{f.code}</code> · {f.cluster ?? 'XOS'} · {f.object}
        </h2>
      </div>
      <dl className="finding-body">
        <div>
          <dt>Symptom</dt>
          <dd>{f.symptom}</dd>
        </div>
        {f.cause && (
          <div>
            <dt>Cause</dt>
            <dd>{f.cause}</dd>
          </div>
        )}
        {f.remedy && (
          <div>
            <dt>Remedy</dt>
            <dd>{f.remedy}</dd>
          </div>
        )}
        {f.instances.length > 0 && (
          <div>
            <dt>Instances</dt>
            <dd className="finding-links">
              {f.instances.map((id) => (
                <Link key={id} to={`/instances/${id}`}>
                  Instance {id}
                </Link>
              ))}
              <span className="muted small">(each page has its console)</span>
            </dd>
          </div>
        )}
        {Object.keys(f.evidence).length > 0 && (
          <div>
            <dt>Evidence</dt>
            <dd>
              <dl className="evidence">
                {Object.entries(f.evidence).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{v !== null && typeof v === 'object' ? <code>{JSON.stringify(v)}</code> : String(v)}</dd>
                  </div>
                ))}
              </dl>
            </dd>
          </div>
        )}
      </dl>
    </li>
  );
}
