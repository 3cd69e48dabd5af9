// The output formats of every command that prints a list (`-o table|json|yaml|csv`). A table and
// CSV show the columns a person reads; JSON and YAML give the data as the API returned it, for
// scripts.
import { createRequire } from 'node:module';
import { Option } from 'commander';
import type TableClass from 'cli-table3';

// Loaded when first used: most commands print no YAML, and `--help` no table; every module
// read costs start-up time.
const load = createRequire(import.meta.url);
export const newTable = (...args: ConstructorParameters<typeof TableClass>): InstanceType<typeof TableClass> =>
  new (load('cli-table3') as typeof TableClass)(...args);
const yaml = (data: unknown): string => (load('yaml') as typeof import('yaml')).stringify(data);

export const FORMATS = ['table', 'json', 'yaml', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

// `-o, --output <format>`, with `--json` kept as the short way to say `-o json`.
export const outputOption = () => new Option('-o, --output <format>', 'output format').choices(FORMATS).default('table');

export function formatOf(o: { output?: string; json?: boolean }): Format {
  return o.json ? 'json' : ((o.output ?? 'table') as Format);
}

// A field of CSV as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break,
// with its quotes doubled.
export const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function csv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return [columns, ...rows].map((r) => r.map(csvField).join(',') + '\r\n').join('');
}

// `widths`: columns to wrap at that many characters (null: as wide as the column's text).
export type Widths = readonly (number | null)[];

export function table(columns: readonly string[], rows: readonly (readonly string[])[], widths?: Widths): string {
  const wrap = widths ? { colWidths: [...widths] as number[], wordWrap: true } : {};
  const t = newTable({ head: [...columns], style: { head: [], border: [] }, ...wrap });
  for (const r of rows) t.push([...r]);
  // a rule under the heading only, none between rows
  let rules = 0;
  return t
    .toString()
    .split('\n')
    .filter((line) => !line.startsWith('├') || rules++ === 0)
    .join('\n');
}

// What a listing prints in the format asked for. `data` is what JSON and YAML show; the table
// and CSV show `columns` and `rows`.
export function render(format: Format, v: { columns: readonly string[]; rows: readonly (readonly string[])[]; data: unknown; widths?: Widths }): string {
  switch (format) {
    case 'json':
      return JSON.stringify(v.data, null, 2) + '\n';
    case 'yaml':
      return yaml(v.data);
    case 'csv':
      return csv(v.columns, v.rows);
    default:
      return table(v.columns, v.rows, v.widths) + '\n';
  }
}
