import Table from 'cli-table3';
import type { ModelDef, Row } from '../model/types.js';

const cell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
};

export function printTable(m: ModelDef, rows: Row[]) {
  const cols = [...(m.listFields ?? ['id'])];
  const t = new Table({ head: cols, style: { head: [], border: [] } });
  for (const r of rows) t.push(cols.map((c) => cell(r[c])));
  console.log(t.toString());
}

export function printRow(row: Row) {
  const t = new Table({ style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(row)) t.push({ [k]: typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '') });
  console.log(t.toString());
}
