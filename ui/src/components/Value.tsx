// How a stored value reads on a page.
import type { Row } from '../api';
import type { FieldInfo } from '../meta';
import { Link } from '../router';
import { useSession } from '../session';
import { titleOf } from '../titles';
import { RelTime, StatusBadge } from './ui';

export function RefLink({ model, id }: { model: string; id: number }) {
  const { byName } = useSession();
  const m = byName.get(model);
  const t = titleOf(model, id);
  return m ? <Link to={`/${m.plural}/${id}`}>{t}</Link> : <span>{t}</span>;
}

export function Value({ name, field, row }: { name: string; field: FieldInfo; row: Row }) {
  const v = row[name];
  if (name === 'backend_status') return <StatusBadge row={row} withMessage />;
  if (field.type === 'secret') return row[`has_${name}`] ? <span className="muted">Stored (hidden)</span> : <span className="muted">Not set</span>;
  if (v === null || v === undefined || v === '') return <span className="muted">—</span>;
  switch (field.type) {
    case 'ref':
      return <RefLink model={field.ref!} id={Number(v)} />;
    case 'boolean':
      return <span className={v ? 'yes' : 'no'}>{v ? 'Yes' : 'No'}</span>;
    case 'datetime':
      return <RelTime iso={String(v)} />;
    case 'json':
      // An empty list or object is "none" to a person, not "[ ]".
      if ((Array.isArray(v) && !v.length) || (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v as object).length)) return <span className="muted">none</span>;
      return <code className="json">{JSON.stringify(v)}</code>;
    case 'int_array':
      return (v as number[]).length ? <span className="mono">{(v as number[]).join(', ')}</span> : <span className="muted">none</span>;
    case 'url':
      return /^https?:\/\//i.test(String(v)) ? (
        <a href={String(v)} target="_blank" rel="noopener noreferrer">
          {String(v)}
        </a>
      ) : (
        <span>{String(v)}</span>
      );
    case 'ip':
    case 'cidr':
      return <span className="mono">{String(v)}</span>;
    case 'text':
      return <span className="pre">{String(v)}</span>;
    default:
      return <span>{String(v)}</span>;
  }
}
