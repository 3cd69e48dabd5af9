// A table of rows of one model: sortable headers (buttons, with aria-sort), the name column links
// to the row's page, references show their target's name. On a phone the status comes right after
// the name, so that the column a person looks for is on screen before the table scrolls.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Row } from '../api';
import { fieldLabel, rowTitle, type ModelInfo } from '../meta';
import { Link } from '../router';
import { useTitles } from '../titles';
import { Value } from './Value';

// Rows picked for a bulk action: a checkbox per row and one for every row on the page.
export interface Selection {
  selected: ReadonlySet<number>;
  onChange: (rows: Row[], on: boolean) => void;
}

export interface Extra {
  key: string;
  header: string;
  cell: (row: Row) => ReactNode;
}

const NARROW = '(max-width: 600px)';
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => typeof window !== 'undefined' && window.matchMedia(NARROW).matches);
  useEffect(() => {
    const q = window.matchMedia(NARROW);
    const on = () => setNarrow(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return narrow;
}

export function DataTable({
  model,
  rows,
  columns: given,
  sort,
  onSort,
  caption,
  extra = [],
  busy = false,
  selection,
}: {
  model: ModelInfo;
  rows: Row[];
  columns: string[];
  sort?: string;
  onSort?: (sort: string) => void;
  caption: string;
  extra?: Extra[];
  busy?: boolean;
  selection?: Selection;
}) {
  const narrow = useNarrow();
  const nameCol = given.includes(model.title_field) ? model.title_field : given.includes('id') ? 'id' : given[0];
  const columns =
    narrow && given.includes('backend_status')
      ? given.flatMap((c) => (c === 'backend_status' ? [] : c === nameCol ? [c, 'backend_status'] : [c]))
      : given;
  const refs: [string, number][] = [];
  for (const r of rows)
    for (const c of columns) {
      const f = model.fields[c];
      if (f?.type === 'ref' && r[c] != null) refs.push([f.ref!, Number(r[c])]);
    }
  useTitles(refs);
  const linkCol = columns.includes(model.title_field) ? model.title_field : columns.includes('id') ? 'id' : columns[0];
  const key = sort?.replace(/^-/, '');
  const desc = sort?.startsWith('-');
  const sortable = (c: string) => onSort && model.fields[c] && !['json', 'int_array', 'secret', 'password'].includes(model.fields[c].type);
  return (
    <div className="table-wrap" aria-busy={busy || undefined}>
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {selection && (
              <th scope="col" className="col-select">
                <SelectAll rows={rows} selection={selection} />
              </th>
            )}
            {columns.map((c) => {
              const f = model.fields[c];
              const label = c === 'backend_status' ? 'Status' : c === 'id' ? 'ID' : fieldLabel(c, f);
              const active = key === c;
              return (
                <th key={c} scope="col" aria-sort={active ? (desc ? 'descending' : 'ascending') : undefined} className={c === 'id' ? 'col-id' : undefined}>
                  {sortable(c) ? (
                    <button
                      type="button"
                      className={`sort${active ? ' sort-active' : ''}`}
                      onClick={() => onSort!(active && !desc ? `-${c}` : c)}
                      aria-label={`${label}: sort ${active && !desc ? 'descending' : 'ascending'}`}
                    >
                      {label}
                      <span className={`sort-arrow${active ? '' : ' sort-idle'}`} aria-hidden="true">
                        {active ? (desc ? '▼' : '▲') : '↕'}
                      </span>
                    </button>
                  ) : (
                    label
                  )}
                </th>
              );
            })}
            {extra.map((x) => (
              <th key={x.key} scope="col">
                {x.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-id={r.id} aria-selected={selection ? selection.selected.has(r.id) : undefined}>
              {selection && (
                <td className="col-select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${rowTitle(model, r)}`}
                    checked={selection.selected.has(r.id)}
                    onChange={(e) => selection.onChange([r], e.target.checked)}
                  />
                </td>
              )}
              {columns.map((c) => {
                const f = model.fields[c];
                return (
                  <td key={c} className={c === 'id' ? 'col-id' : undefined}>
                    {c === linkCol ? (
                      <Link to={`/${model.plural}/${r.id}`} className="row-link">
                        {c === 'id' && model.title_field === 'id' ? rowTitle(model, r) : c === 'id' ? String(r.id) : r[c] == null || r[c] === '' ? rowTitle(model, r) : String(r[c])}
                      </Link>
                    ) : f ? (
                      <Value name={c} field={f} row={r} />
                    ) : (
                      String(r[c] ?? '')
                    )}
                  </td>
                );
              })}
              {extra.map((x) => (
                <td key={x.key}>{x.cell(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SelectAll({ rows, selection }: { rows: Row[]; selection: Selection }) {
  const ref = useRef<HTMLInputElement>(null);
  const on = rows.filter((r) => selection.selected.has(r.id)).length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = on > 0 && on < rows.length;
  }, [on, rows.length]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select every row on this page"
      checked={rows.length > 0 && on === rows.length}
      onChange={(e) => selection.onChange(rows, e.target.checked)}
    />
  );
}

export function Pagination({
  total,
  exact = true,
  limit,
  offset,
  onPage,
  onLimit,
  label,
}: {
  total: number;
  exact?: boolean; // false: total is the server's estimate (a very long list)
  limit: number;
  offset: number;
  onPage: (offset: number) => void;
  onLimit?: (limit: number) => void;
  label: string;
}) {
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  const fmt = new Intl.NumberFormat('en');
  const about = exact ? '' : 'about ';
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <p className="pager-count" aria-live="polite">
        {total === 0 ? 'No rows' : `${fmt.format(offset + 1)}–${fmt.format(Math.min(offset + limit, total))} of ${about}${fmt.format(total)}`}
      </p>
      <div className="pager-buttons">
        <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(0)} aria-label="First page">
          «
        </button>
        <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(Math.max(0, offset - limit))}>
          Previous
        </button>
        <span className="pager-page">
          Page {fmt.format(page)} of {about}
          {fmt.format(pages)}
        </span>
        <button type="button" className="btn btn-small" disabled={page >= pages} onClick={() => onPage(offset + limit)}>
          Next
        </button>
        {/* The last page of an estimate is not known, and reaching it would read the whole list. */}
        <button
          type="button"
          className="btn btn-small"
          disabled={page >= pages || !exact}
          title={exact ? undefined : 'The total is an estimate: sort the other way to see the end'}
          onClick={() => onPage((pages - 1) * limit)}
          aria-label="Last page"
        >
          »
        </button>
        {onLimit && (
          <label className="pager-size">
            Rows per page
            <select value={limit} onChange={(e) => onLimit(Number(e.target.value))}>
              {[25, 50, 100, 200].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
    </nav>
  );
}
