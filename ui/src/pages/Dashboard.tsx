// The home page: how many objects of each kind, which are in error, how each controller is
// doing, and the statistics panel (the mini-dashboard) unless [gui] disable_minidashboard is set.
import { api, type InstanceCounts, type Stats } from '../api';
import { navGroups, pluralLabel } from '../meta';
import { useQuery } from '../hooks';
import { Link } from '../router';
import { useSession } from '../session';
import { RetryButton } from '../components/SyncPanel';
import { ErrorAlert, fmtInt, Loading, PageTitle, RelTime, StatusBadge } from '../components/ui';

const MAIN = ['sites', 'slices', 'instances', 'users', 'networks', 'controllers'];

export function Dashboard() {
  const s = useSession();
  // Any change may move a number; the feed is throttled to one refetch a second.
  const { data, error } = useQuery('stats', () => api.stats(), () => true, 1000);
  return (
    <>
      <div className="page-head">
        <PageTitle title="Dashboard">Dashboard</PageTitle>
        {data && (
          <p className="muted small">
            Updated <RelTime iso={data.time} />
          </p>
        )}
      </div>
      <ErrorAlert error={error} />
      {!data ? (
        !error && <Loading label="Loading the dashboard…" />
      ) : (
        <>
          <section aria-labelledby="summary-title">
            <h2 id="summary-title" className="sr-only">
              Summary
            </h2>
            <ul className="summary">
              {MAIN.map((p) => data.counts.find((c) => c.plural === p))
                .filter((c): c is Stats['counts'][number] => !!c)
                .map((c) => (
                  <li key={c.plural} className="summary-card">
                    <Link to={`/${c.plural}`} className="summary-link">
                      <span className="summary-n" data-count={c.plural}>
                        {fmtInt(c.count)}
                      </span>
                      <span className="summary-label">{pluralLabel(s.byName.get(c.model)!)}</span>
                    </Link>
                    {c.errors ? (
                      <Link to={`/${c.plural}?backend_code=2`} className="summary-errors">
                        {fmtInt(c.errors)} in error
                      </Link>
                    ) : c.errors === 0 ? (
                      <span className="summary-ok">none in error</span>
                    ) : null}
                  </li>
                ))}
            </ul>
          </section>
          <ErrorsCard data={data} />
          <ControllersCard data={data} />
          {data.minidashboard && !s.config.disable_minidashboard && <MiniDashboard mini={data.minidashboard} />}
          <CountsCard data={data} />
        </>
      )}
    </>
  );
}

// Objects in error, one entry per root cause (grouped by the API): a dead controller is one entry
// listing the objects that fail because of it, not one copy of its error per object.
function ErrorsCard({ data }: { data: Stats }) {
  const { byName } = useSession();
  const total = data.counts.reduce((n, c) => n + (c.errors ?? 0), 0);
  return (
    <section className="card" aria-labelledby="errors-title">
      <h2 id="errors-title" className="card-title">
        Objects in error {total > 0 && <span className="count-badge count-error">{fmtInt(total)}</span>}
      </h2>
      {data.error_groups.length === 0 ? (
        <p className="empty-ok">Nothing is in error.</p>
      ) : (
        <ul className="error-groups">
          {data.error_groups.map((g) => (
            <li key={g.cause} className="error-group" data-testid="error-group" data-count={g.count}>
              <div className="error-group-head">
                <span className="error-text error-cause">{g.cause}</span>
                <span className="count-badge count-error">
                  {fmtInt(g.count)} object{g.count === 1 ? '' : 's'}
                </span>
              </div>
              {g.controller && (
                <p className="small">
                  Root cause: controller <Link to={`/controllers/${g.controller.id}`}>{g.controller.name}</Link> is in error itself; these objects fail
                  because of it and are retried once it is OK.
                </p>
              )}
              <p className="muted small">
                {Object.entries(g.models)
                  .map(([m, n]) => `${n} ${byName.get(m) ? (n === 1 ? byName.get(m)!.label : pluralLabel(byName.get(m)!)).toLowerCase() : m}`)
                  .join(', ')}
              </p>
              <ul className="error-samples">
                {g.samples.map((e) => (
                  <li key={`${e.model}-${e.id}`}>
                    <Link to={`/${e.plural}/${e.id}`}>{e.title}</Link> <span className="muted small">{e.label}</span>{' '}
                    {byName.get(e.model) && <RetryButton model={byName.get(e.model)!} row={{ id: e.id, [byName.get(e.model)!.title_field]: e.title }} small />}
                  </li>
                ))}
                {g.count > g.samples.length && <li className="muted small">and {fmtInt(g.count - g.samples.length)} more</li>}
              </ul>
            </li>
          ))}
        </ul>
      )}
      {data.error_groups_partial && <p className="muted small">More objects are in error than were grouped: the counts are lower bounds.</p>}
    </section>
  );
}

function Tally({ t }: { t: { ok: number; pending: number; error: number } | null }) {
  if (!t) return <span className="muted">—</span>;
  return (
    <span className="tally">
      <span className="t-ok" title="OK">
        {fmtInt(t.ok)} ok
      </span>
      {t.pending > 0 && (
        <span className="t-pending" title="Pending">
          {fmtInt(t.pending)} pending
        </span>
      )}
      {t.error > 0 && (
        <span className="t-error" title="In error">
          {fmtInt(t.error)} error
        </span>
      )}
    </span>
  );
}

function ControllersCard({ data }: { data: Stats }) {
  return (
    <section className="card" aria-labelledby="ctl-title">
      <h2 id="ctl-title" className="card-title">
        Controllers
      </h2>
      {data.controllers.length === 0 ? (
        <p className="empty">
          No controllers you can see. An administrator registers each OpenStack cluster as a <Link to="/controllers">controller</Link>.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact">
            <caption className="sr-only">Synchronization state per controller</caption>
            <thead>
              <tr>
                <th scope="col">Controller</th>
                <th scope="col">Status</th>
                <th scope="col">Last sync</th>
                <th scope="col">Objects</th>
                <th scope="col">Instances</th>
              </tr>
            </thead>
            <tbody>
              {data.controllers.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/controllers/${c.id}`}>{c.name}</Link>
                    <div className="muted small">{c.deployment_name}</div>
                  </td>
                  <td>
                    <StatusBadge row={c} withMessage />
                  </td>
                  <td>
                    <RelTime iso={c.last_sync} empty="never" />
                  </td>
                  <td>
                    <Tally t={c.links} />
                  </td>
                  <td>
                    <Tally t={c.instances} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Bars({ rows, label, link }: { rows: ({ name: string; id: number } & InstanceCounts)[]; label: string; link: (id: number) => string }) {
  const max = Math.max(1, ...rows.map((r) => r.total));
  if (!rows.length) return <p className="empty">No instances yet.</p>;
  return (
    <ul className="bars" aria-label={label}>
      {rows.map((r) => (
        <li key={r.id} className="bar-row">
          <Link to={link(r.id)} className="bar-label">
            {r.name}
          </Link>
          <span className="bar" aria-hidden="true" title={`${r.ok} ok, ${r.pending} pending, ${r.error} in error`}>
            <span className="bar-ok" style={{ width: `${(r.ok / max) * 100}%` }} />
            <span className="bar-pending" style={{ width: `${(r.pending / max) * 100}%` }} />
            <span className="bar-error" style={{ width: `${(r.error / max) * 100}%` }} />
          </span>
          <span className="bar-n">
            {fmtInt(r.total)}
            <span className="sr-only">
              {' '}
              instances: {r.ok} ok, {r.pending} pending, {r.error} in error
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}

function MiniDashboard({ mini }: { mini: NonNullable<Stats['minidashboard']> }) {
  return (
    <section className="card mini" aria-labelledby="mini-title" data-testid="minidashboard">
      <h2 id="mini-title" className="card-title">
        Statistics
      </h2>
      <div className="mini-grid">
        <div>
          <h3 className="h4">Instances per site</h3>
          <Bars rows={mini.instances_per_site.map((r) => ({ ...r, id: r.site }))} label="Instances per site" link={(id) => `/sites/${id}`} />
        </div>
        <div>
          <h3 className="h4">Instances per slice</h3>
          <Bars rows={mini.instances_per_slice.map((r) => ({ ...r, id: r.slice }))} label="Instances per slice" link={(id) => `/slices/${id}?tab=instances`} />
        </div>
        {mini.capacity !== null && (
          <div data-testid="capacity">
            <h3 className="h4">Cluster capacity</h3>
            {mini.capacity.length === 0 ? (
              <p className="empty">No clusters you can see.</p>
            ) : (
              <div className="table-wrap">
                <table className="table table-compact">
                  <caption className="sr-only">Cluster capacity: used of usable, as the collectors last read it</caption>
                  <thead>
                    <tr>
                      <th scope="col">Controller</th>
                      <th scope="col">vCPUs</th>
                      <th scope="col">RAM (GB)</th>
                      <th scope="col">Disk (GB)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {mini.capacity.map((c) => (
                      <tr key={c.controller} data-cluster={c.name}>
                        <td>
                          <Link to="/ops">{c.name}</Link>
                          {c.error && c.as_of !== null && (
                            <div className="error-text small" title={c.error}>
                              last reading failed
                            </div>
                          )}
                          <div className="muted small">
                            read <RelTime iso={c.as_of} empty="never" />
                          </div>
                        </td>
                        {c.as_of === null ? (
                          <td colSpan={3}>
                            <span className="muted">no reading</span>
                            {c.error && <div className="error-text small">{c.error}</div>}
                          </td>
                        ) : (
                          <>
                            <td>
                              {fmtInt(c.vcpus_used)} / {fmtInt(c.vcpus)}
                            </td>
                            <td>
                              {fmtInt(Math.round(c.ram_mb_used / 1024))} / {fmtInt(Math.round(c.ram_mb / 1024))}
                            </td>
                            <td>
                              {fmtInt(c.disk_gb_used)} / {fmtInt(c.disk_gb)}
                            </td>
                          </>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
      </div>
    </section>
  );
}

function CountsCard({ data }: { data: Stats }) {
  const { models } = useSession();
  const byName = new Map(data.counts.map((c) => [c.model, c]));
  return (
    <section className="card" aria-labelledby="counts-title">
      <h2 id="counts-title" className="card-title">
        All objects
      </h2>
      <div className="counts-grid">
        {navGroups(models).map((g) => (
          <div key={g.name}>
            <h3 className="h4">{g.label}</h3>
            <ul className="counts">
              {g.models.map((m) => {
                const c = byName.get(m.name);
                return (
                  <li key={m.name}>
                    <Link to={`/${m.plural}`}>{pluralLabel(m)}</Link>
                    <span className="counts-n">
                      {fmtInt(c?.count ?? 0)}
                      {c?.errors ? (
                        <Link to={`/${m.plural}?backend_code=2`} className="counts-err" aria-label={`${c.errors} ${pluralLabel(m).toLowerCase()} in error`}>
                          {fmtInt(c.errors)}!
                        </Link>
                      ) : null}
                    </span>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}
