// How rows read in a terminal: a list's columns with references by name, and one row as a compact
// two-column view with the synchronizer's fields under their own heading.
import { baseFields, syncFields } from '../model/common.js';
import type { ModelDef, Row } from '../model/types.js';
import { refText, type RefNames } from './ref-names.js';

export const cell = (v: unknown, width = 60) => {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v) && !v.length) return 'none';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > width ? s.slice(0, width - 3) + '...' : s;
};

export const listColumns = (m: ModelDef): string[] => [...(m.listFields ?? ['id'])];

export function listRows(m: ModelDef, rows: readonly Row[], names: RefNames): string[][] {
  const cols = listColumns(m);
  return rows.map((r) => cols.map((c) => refText(names, c, r[c]) ?? cell(r[c])));
}

// Fields the synchronizer (or the cluster it reads) fills in: its bookkeeping and what it observed
// (no_sync is a person's setting).
export function isStatusField(m: ModelDef, f: string): boolean {
  if (f in syncFields) return f !== 'no_sync';
  const d = m.fields[f];
  return Boolean(d?.readOnly && d.type !== 'ref' && !(f in baseFields));
}

const RECORD = ['id', 'created', 'updated', 'version', 'deleted'];

export function formatRow(m: ModelDef, row: Row, names: RefNames): string {
  const shown = (f: string) => {
    const v = row[f];
    const name = names.get(f)?.get(v as number);
    return name !== undefined ? `${name} (${v})` : (refText(names, f, v) ?? cell(v, 200));
  };
  const keys = Object.keys(row);
  // settings every row has go last among the row's own fields; status fields show when set
  const settings = ['write_protect', 'no_sync'];
  const own = [...keys.filter((k) => !RECORD.includes(k) && !settings.includes(k) && !isStatusField(m, k)), ...settings.filter((k) => k in row)];
  const status = keys.filter((k) => isStatusField(m, k) && row[k] !== null && row[k] !== undefined);
  const record = RECORD.filter((k) => k in row);
  const width = Math.max(...keys.map((k) => k.length)) + 2;
  const lines = (fs: string[]) => fs.map((f) => `  ${f.padEnd(width)}${shown(f)}`.trimEnd());
  const title = row[m.titleField] !== row.id && row[m.titleField] != null ? ` (${row[m.titleField]})` : '';
  const out = [`${m.label.toLowerCase()} ${row.id}${title}`, ...lines(own)];
  if (status.length) out.push('status', ...lines(status));
  out.push('record', ...lines(record));
  return out.join('\n');
}
