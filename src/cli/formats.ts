// The output formats of every command that prints a list (`-o table|json|yaml|csv`). A table and
// CSV show the columns a person reads; JSON and YAML give the data as the API returned it, for
// scripts.
import { createRequire } from 'node:module';
import { Option } from 'commander';
import { textTable as table, type Widths } from './text-table.js';

// YAML is loaded when first used: few commands print it, and reading the package costs more
// start-up time than any command's own work.
const load = createRequire(import.meta.url);
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

export { table, type Widths };

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
