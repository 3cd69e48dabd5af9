// One object: its fields, its synchronization state with "Retry now", the lists of what refers to
// it (one tab each), and for administrators the Admin-Only tab with its controller link rows.
// Everything on the page follows the change feed.
import { useState, type ReactNode } from 'react';
import { api, isRowOf, type Row } from '../api';
import { detailFields, fieldLabel, isLinkModel, lower, pluralLabel, relations, rowTitle, type ModelInfo, type Relation } from '../meta';
import { useQuery } from '../hooks';
import { Link, navigate, setQuery, useLocation } from '../router';
import { useSession } from '../session';
import { DataTable, Pagination } from '../components/DataTable';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { SyncPanel } from '../components/SyncPanel';
import { Tabs, type TabDef } from '../components/Tabs';
import { useToast } from '../components/Toasts';
import { Value } from '../components/Value';
import { ErrorAlert, Icon, Loading, PageTitle, RelTime, StatusBadge } from '../components/ui';
import { prefetchRefs, rememberTitle, useTitles } from '../titles';
import { InstanceAccess, SliceTenant } from './SliceTenant';
import { SliceUsagePanel } from './SliceUsage';
import { SliceTopology } from './SliceTopology';
import { ConsoleLog, InstancePower, PowerBadge } from '../components/InstancePower';

// Pages with a tab of their own in place of a generic related list.
const CUSTOM_TABS: Record<string, { id: string; label: string; replaces?: string; render: (row: Row, model: ModelInfo, reload: () => void) => ReactNode }[]> = {
  Slice: [
    { id: 'instances', label: 'Instances', replaces: 'Instance.slice', render: (row, model) => isRowOf(model, 'slices', row) && <SliceTenant slice={row} /> },
    { id: 'usage', label: 'Usage', render: (row, model) => isRowOf(model, 'slices', row) && <SliceUsagePanel sliceId={row.id} /> },
    { id: 'topology', label: 'Topology', render: (row, model) => isRowOf(model, 'slices', row) && <SliceTopology slice={row} /> },
  ],
  Instance: [{ id: 'log', label: 'Log', render: (row, model) => isRowOf(model, 'instances', row) && <ConsoleLog instance={row} /> }],
};

export function DetailPage({ model, id }: { model: ModelInfo; id: number }) {
  const s = useSession();
  const { query } = useLocation();
  const toast = useToast();
  const [confirm, setConfirm] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const { data: row, error, reload, stale } = useQuery(
    `${model.plural}/${id}`,
    async () => {
      const r = await api.get(model.plural, id);
      rememberTitle(model, r);
      return r;
    },
    (n) => n.model === model.name && n.id === id,
  );
  const refs: [string, number][] = [];
  if (row) for (const [f, d] of Object.entries(model.fields)) if (d.type === 'ref' && row[f] != null) refs.push([d.ref!, Number(row[f])]);
  useTitles(refs);

  if (error && (!row || error.status === 404))
    return (
      <>
        <PageTitle title={`${model.label} ${id}`}>
          {model.label} #{id}
        </PageTitle>
        <ErrorAlert error={error} what={`see this ${lower(model.label)}`} />
        <p>
          <Link to={`/${model.plural}`}>Back to {pluralLabel(model).toLowerCase()}</Link>
        </p>
      </>
    );
  if (!row || stale) return <Loading />;

  const title = rowTitle(model, row);
  const { related, links } = relations(s.models, model);
  const custom = CUSTOM_TABS[model.name] ?? [];
  const replaced = new Set(custom.map((c) => c.replaces).filter(Boolean));
  const sameModelCount = (r: Relation) => related.filter((x) => x.model === r.model).length;
  const tabs: TabDef[] = [
    { id: 'details', label: 'Details', render: () => <Details model={model} row={row} reload={reload} /> },
    ...custom.map((c) => ({ id: c.id, label: c.label, render: () => c.render(row, model, reload) })),
    ...related
      .filter((r) => !replaced.has(`${r.model.name}.${r.field}`))
      .map((r) => ({
        id: `${r.model.plural}-${r.field}`,
        label: sameModelCount(r) > 1 || (r.field !== lower(model.name) && r.field !== 'owner') ? `${pluralLabel(r.model)} (${fieldLabel(r.field, r.model.fields[r.field]).toLowerCase()})` : pluralLabel(r.model),
        render: () => <RelatedList rel={r} parent={model} parentId={id} />,
      })),
  ];
  if (s.isAdmin && links.length)
    tabs.push({
      id: 'admin-only',
      label: (
        <>
          Admin-Only <span className="badge-admin">admin</span>
        </>
      ),
      render: () => <AdminOnly links={links} parent={model} parentId={id} />,
    });

  const remove = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.remove(model.plural, id);
      toast(`${model.label} ${title} deleted`);
      setConfirm(false);
      navigate(`/${model.plural}`, { replace: true });
    } catch (e) {
      setDeleteError((e as Error).message);
    } finally {
      setDeleting(false);
    }
  };

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/${model.plural}`}>{pluralLabel(model)}</Link>
        <span aria-hidden="true"> / </span>
        <span aria-current="page">{title}</span>
      </nav>
      <div className="page-head">
        <div>
          <PageTitle title={title}>{title}</PageTitle>
          <p className="subtitle">
            {model.label} #{row.id}
            {model.synced && (
              <>
                {' · '}
                <StatusBadge row={row} />
              </>
            )}
            {isRowOf(model, 'instances', row) && (
              <>
                {' · '}
                <PowerBadge row={row} />
              </>
            )}
          </p>
        </div>
        {!s.readOnly && (
          <div className="actions">
            <Link to={`/${model.plural}/${id}/edit`} className="btn">
              <Icon name="edit" size={14} />
              Edit
            </Link>
            <button type="button" className="btn btn-danger-quiet" onClick={() => setConfirm(true)}>
              <Icon name="trash" size={14} />
              Delete
            </button>
          </div>
        )}
      </div>
      {error && <ErrorAlert error={error} />}
      <Tabs label={`${model.label} sections`} tabs={tabs} selected={query.get('tab') ?? 'details'} onSelect={(t) => setQuery({ tab: t === 'details' ? null : t })} />
      <ConfirmDialog
        open={confirm}
        title={`Delete ${lower(model.label)} ${title}?`}
        confirmLabel={`Delete ${lower(model.label)}`}
        danger
        busy={deleting}
        onConfirm={remove}
        onCancel={() => {
          setConfirm(false);
          setDeleteError(null);
        }}
      >
        <p>Objects that belong to it are deleted with it{model.synced ? ', and its resources are removed from the clusters' : ''}.</p>
        {deleteError && (
          <p className="field-error" role="alert">
            {deleteError}
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

function Details({ model, row, reload }: { model: ModelInfo; row: Row; reload: () => void }) {
  return (
    <div className="detail-grid">
      <section className="card" aria-labelledby="props-title">
        <h2 id="props-title" className="card-title">
          Properties
        </h2>
        <dl className="props">
          {detailFields(model).map(([name, f]) => (
            <div key={name} className="prop">
              <dt title={f.help}>{fieldLabel(name, f)}</dt>
              <dd data-field={name}>
                <Value name={name} field={f} row={row} />
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <div className="detail-side">
        {model.synced && <SyncPanel model={model} row={row} onRetried={reload} />}
        {isRowOf(model, 'instances', row) && <InstancePower instance={row} onChanged={reload} />}
        {isRowOf(model, 'instances', row) && <InstanceAccess instance={row} />}
        <section className="card" aria-labelledby="record-title">
          <h2 id="record-title" className="card-title">
            Record
          </h2>
          <dl className="props props-compact">
            <dt>Created</dt>
            <dd>
              <RelTime iso={row.created} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <RelTime iso={row.updated} />
            </dd>
            <dt>Version</dt>
            <dd>{row.version}</dd>
          </dl>
        </section>
      </div>
    </div>
  );
}

// Rows of another model that refer to this one, with paging and an "Add" link prefilled.
export function RelatedList({ rel, parent, parentId, columns }: { rel: Relation; parent: ModelInfo; parentId: number; columns?: string[] }) {
  const { readOnly } = useSession();
  const [offset, setOffset] = useState(0);
  const m = rel.model;
  const limit = 25;
  const q = { [rel.field]: parentId, limit, offset, sort: m.title_field !== 'id' ? m.title_field : 'id' };
  const cols = columns ?? m.list_fields.filter((c) => c !== rel.field && (c === 'id' || m.fields[c]));
  const { data, error, loading } = useQuery(
    `${m.plural}?${JSON.stringify(q)}`,
    async () => {
      const r = await api.list(m.plural, q);
      prefetchRefs(m, r.items, cols);
      return r;
    },
    (n) => n.model === m.name,
  );
  const plural = pluralLabel(m);
  const canAdd = !readOnly && !m.fields[rel.field].readOnly && !isLinkModel(m);
  return (
    <section aria-label={plural}>
      <div className="section-head">
        <p className="muted">
          {plural} whose {fieldLabel(rel.field, m.fields[rel.field]).toLowerCase()} is this {lower(parent.label)}
        </p>
        {canAdd && (
          <Link to={`/${m.plural}/new?${rel.field}=${parentId}`} className="btn btn-small">
            <Icon name="plus" size={14} />
            Add {lower(m.label)}
          </Link>
        )}
      </div>
      <ErrorAlert error={error} />
      {!data && loading && <Loading />}
      {data &&
        (data.items.length ? (
          <>
            <DataTable model={m} rows={data.items} columns={cols} caption={plural} />
            {data.total > limit && <Pagination total={data.total} exact={data.total_exact} limit={limit} offset={offset} onPage={setOffset} label={plural} />}
          </>
        ) : (
          <p className="empty">None.</p>
        ))}
    </section>
  );
}

// The controller link rows of an object: on which cluster it exists, under which backend ids,
// in which state.
function AdminOnly({ links, parent, parentId }: { links: Relation[]; parent: ModelInfo; parentId: number }) {
  return (
    <div className="admin-only">
      <p className="muted">
        This object's state on each controller (cluster): the ids it has there and the synchronizer's status. Only administrators see this tab.
      </p>
      {links.map((l) => {
        const ids = Object.entries(l.model.fields)
          .filter(([f, d]) => d.readOnly && ((d.type === 'string' && d.label) || d.type === 'cidr') && f !== 'backend_status')
          .map(([f]) => f);
        return (
          <div key={`${l.model.name}.${l.field}`} className="admin-block">
            <h2 className="h3">{pluralLabel(l.model)}</h2>
            <RelatedList rel={l} parent={parent} parentId={parentId} columns={['id', 'controller', ...ids, 'backend_status', 'last_sync']} />
          </div>
        );
      })}
    </div>
  );
}
