// The list of one model: server-side paging, sort, search and filters, all kept in the URL so
// that links (from the dashboard, say) and the back button work. Rows update live.
import { useEffect, useState } from 'react';
import { fieldLabel, lower, pluralLabel, type FieldInfo, type ModelInfo } from '../meta';
import { useQuery } from '../hooks';
import { Link, setQuery, useLocation } from '../router';
import { useSession } from '../session';
import { DataTable, Pagination } from '../components/DataTable';
import { BulkActions } from '../components/BulkActions';
import { useSelection } from '../components/use-selection';
import { RefSelect } from '../components/RefSelect';
import { ErrorAlert, Icon, Loading, PageTitle } from '../components/ui';
import { takePrefetchedList } from '../boot';
import { fetchListPage, listRequest } from '../list-query';

// The fields a list can be filtered by with a control: choices, yes/no and references.
export function filterFields(m: ModelInfo): [string, FieldInfo][] {
  const out: [string, FieldInfo][] = [];
  if (m.synced) out.push(['backend_code', { type: 'enum', label: 'Status', choices: ['0', '1', '2'] }]);
  for (const f of m.list_fields) {
    const d = m.fields[f];
    if (d && ['enum', 'boolean', 'ref'].includes(d.type)) out.push([f, d]);
  }
  return out;
}

const STATUS_CHOICES: Record<string, string> = { '0': 'Pending', '1': 'OK', '2': 'Error' };

export function ListPage({ model }: { model: ModelInfo }) {
  const { readOnly } = useSession();
  const { query } = useLocation();
  const request = listRequest(model, query);
  const { limit, offset, sort, search, key, columns } = request;

  const [text, setText] = useState(search);
  useEffect(() => setText(search), [search]);
  useEffect(() => {
    if (text === search) return;
    const t = setTimeout(() => setQuery({ search: text || null, offset: null }), 250);
    return () => clearTimeout(t);
  }, [text, search]);

  const { data, error, loading, stale } = useQuery(
    key,
    // the first page may have been asked for at start-up, before this page rendered
    () => takePrefetchedList(key) ?? fetchListPage(model, request),
    (n) => n.model === model.name,
  );
  const plural = pluralLabel(model);
  const fields = filterFields(model);
  const sel = useSelection(key, data?.items);
  const active = fields.filter(([f]) => query.get(f) !== null).length;

  return (
    <>
      <div className="page-head">
        <PageTitle title={plural}>{plural}</PageTitle>
        {!readOnly && (
          <Link to={`/${model.plural}/new`} className="btn btn-primary">
            <Icon name="plus" size={14} />
            New {lower(model.label)}
          </Link>
        )}
      </div>
      <div className="toolbar" role="search" aria-label="Search and filters">
        {model.search_fields.length > 0 && (
          <div className="search">
            <label htmlFor="list-search" className="sr-only">
              Search {plural.toLowerCase()}
            </label>
            <Icon name="search" size={14} />
            <input
              id="list-search"
              type="search"
              placeholder={`Search ${model.search_fields.map((f) => fieldLabel(f, model.fields[f]).toLowerCase()).join(', ')}…`}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
        )}
        {fields.length > 0 && (
          <details className="filters" open={active > 0}>
            <summary>Filters{active ? ` (${active})` : ''}</summary>
            <div className="filter-row">
              {fields.map(([f, d]) => (
                <FilterControl key={f} name={f} field={d} value={query.get(f)} />
              ))}
              {active > 0 && (
                <button type="button" className="btn btn-small btn-quiet" onClick={() => setQuery(Object.fromEntries([...fields.map(([f]) => [f, null]), ['offset', null]]))}>
                  Clear filters
                </button>
              )}
            </div>
          </details>
        )}
      </div>
      <ErrorAlert error={error} what={`list ${plural.toLowerCase()}`} />
      {!data && loading && <Loading label={`Loading ${plural.toLowerCase()}…`} />}
      {data && (
        <>
          {!readOnly && <BulkActions model={model} rows={sel.rows} onDone={sel.keepOnly} onClear={sel.clear} />}
          {data.items.length === 0 ? (
            <div className="empty">
              <p>{search || active ? `No ${plural.toLowerCase()} match.` : `No ${plural.toLowerCase()} yet.`}</p>
            </div>
          ) : (
            <DataTable
              model={model}
              rows={data.items}
              columns={columns}
              sort={sort}
              onSort={(s) => setQuery({ sort: s, offset: null })}
              caption={`${plural}, sorted by ${sort.replace(/^-/, '')}${sort.startsWith('-') ? ' descending' : ''}`}
              busy={loading && stale}
              selection={readOnly ? undefined : sel.selection}
            />
          )}
          <Pagination
            total={data.total}
            exact={data.total_exact}
            limit={limit}
            offset={offset}
            label={plural}
            onPage={(o) => setQuery({ offset: o || null })}
            onLimit={(l) => setQuery({ limit: l === 50 ? null : l, offset: null })}
          />
        </>
      )}
    </>
  );
}

function FilterControl({ name, field, value }: { name: string; field: FieldInfo; value: string | null }) {
  const { byName } = useSession();
  const id = `filter-${name}`;
  const label = fieldLabel(name, field);
  const set = (v: string | number | null) => setQuery({ [name]: v, offset: null });
  if (field.type === 'ref') {
    const target = byName.get(field.ref!);
    if (!target) return null;
    return (
      <div className="filter">
        <label htmlFor={id}>{label}</label>
        <RefSelect id={id} target={target} value={value ? Number(value) : null} onChange={(v) => set(v)} clearable placeholder="Any" />
      </div>
    );
  }
  const choices = field.type === 'boolean' ? [['true', 'Yes'], ['false', 'No']] : (field.choices ?? []).map((c) => [c, name === 'backend_code' ? STATUS_CHOICES[c] : c]);
  return (
    <div className="filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => set(e.target.value || null)}>
        <option value="">Any</option>
        {choices.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}
