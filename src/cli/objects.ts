// Object commands generated from the model definitions: list, show, create, update, delete for
// every model, named in the singular or the plural (`xos show slice 3`, `xos list slices`).
import type { Command } from 'commander';
import { models } from '../model/registry.js';
import type { FieldDef, ModelDef, Row } from '../model/types.js';
import type { ListPage } from '../api/contract.js';
import { api, type Connection } from './client.js';
import { formatRow, listColumns, listRows } from './output.js';
import { formatOf, outputOption, render } from './formats.js';
import { refNames } from './ref-names.js';

export function findModel(word: string): ModelDef {
  const w = word.toLowerCase().replace(/[-_ ]/g, '');
  const m = models.find((x) => x.name.toLowerCase() === w || x.plural === w);
  if (!m) throw new Error(`unknown object type "${word}"; one of: ${models.map((x) => x.plural).join(', ')}`);
  return m;
}

function parseValue(m: ModelDef, field: string, d: FieldDef | undefined, raw: string): unknown {
  if (raw === 'null') return null;
  if (!d) return raw; // the API names the unknown field
  switch (d.type) {
    case 'integer':
    case 'ref':
    case 'float':
      return raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return /^(true|yes|1)$/i.test(raw) ? true : /^(false|no|0)$/i.test(raw) ? false : raw;
    case 'json':
    case 'int_array':
      try {
        return JSON.parse(raw);
      } catch {
        if (d.type === 'int_array') return raw.split(',').filter(Boolean).map(Number);
        throw new Error(`${m.name}.${field}: "${raw}" is not JSON`);
      }
    default:
      return raw;
  }
}

export function parseAssignments(m: ModelDef, pairs: string[]): Row {
  const out: Row = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`"${p}" is not field=value`);
    const field = p.slice(0, i);
    out[field] = parseValue(m, field, m.fields[field], p.slice(i + 1));
  }
  return out;
}

const id = (raw: string) => {
  if (!/^\d+$/.test(raw)) throw new Error(`"${raw}" is not an id`);
  return raw;
};

export function addObjectCommands(program: Command, conn: () => Connection) {
  program
    .command('list <type> [filters...]')
    .description('List objects: xos list slices site=1 name__contains=web')
    .option('--sort <fields>', 'sort by fields, "-" for descending')
    .option('--search <text>', 'text to look for')
    .option('--limit <n>', 'rows to show', '50')
    .option('--offset <n>', 'rows to skip', '0')
    .option('--ids', 'show references as ids, not names')
    .addOption(outputOption())
    .option('--json', 'print JSON (-o json)')
    .action(async (type: string, filters: string[], o) => {
      const m = findModel(type);
      const q = new URLSearchParams({ limit: o.limit, offset: o.offset });
      if (o.sort) q.set('sort', o.sort);
      if (o.search) q.set('search', o.search);
      for (const f of filters) {
        const i = f.indexOf('=');
        if (i <= 0) throw new Error(`"${f}" is not field=value`);
        q.set(f.slice(0, i), f.slice(i + 1));
      }
      const c = conn();
      const res = await api<ListPage<Row>>(c, 'GET', `/api/core/${m.plural}?${q}`);
      const format = formatOf(o);
      const columns = listColumns(m);
      // JSON and YAML are the API's page as it is: ids, for scripts
      const names = o.ids || format === 'json' || format === 'yaml' ? new Map() : await refNames(c, m, res.items, columns);
      process.stdout.write(render(format, { columns, rows: listRows(m, res.items, names), data: res }));
      if (format === 'table') console.log(`${res.items.length} of ${res.total} ${m.plural}`);
    });

  program
    .command('show <type> <id>')
    .description('Show one object: xos show slice 3')
    .option('--ids', 'show references as ids only')
    .option('--json', 'print JSON')
    .action(async (type: string, raw: string, o) => {
      const m = findModel(type);
      const c = conn();
      const row = await api<Row>(c, 'GET', `/api/core/${m.plural}/${id(raw)}`);
      if (o.json) return console.log(JSON.stringify(row, null, 2));
      console.log(formatRow(m, row, o.ids ? new Map() : await refNames(c, m, [row], Object.keys(row))));
    });

  program
    .command('create <type> <fields...>')
    .description('Create an object: xos create slice name=mysite_web site=1')
    .option('--json', 'print JSON')
    .action(async (type: string, pairs: string[], o) => {
      const m = findModel(type);
      const row = await api<Row>(conn(), 'POST', `/api/core/${m.plural}`, parseAssignments(m, pairs));
      if (o.json) console.log(JSON.stringify(row, null, 2));
      else console.log(`created ${m.name.toLowerCase()} ${row.id}${row[m.titleField] !== row.id ? ` (${row[m.titleField]})` : ''}`);
    });

  program
    .command('update <type> <id> <fields...>')
    .description('Change fields of an object: xos update slice 3 description="web servers"')
    .option('--json', 'print JSON')
    .action(async (type: string, raw: string, pairs: string[], o) => {
      const m = findModel(type);
      const row = await api<Row>(conn(), 'PATCH', `/api/core/${m.plural}/${id(raw)}`, parseAssignments(m, pairs));
      if (o.json) console.log(JSON.stringify(row, null, 2));
      else console.log(`updated ${m.name.toLowerCase()} ${row.id} (version ${row.version})`);
    });

  program
    .command('delete <type> <id>')
    .description('Delete an object: xos delete slice 3')
    .action(async (type: string, raw: string) => {
      const m = findModel(type);
      await api(conn(), 'DELETE', `/api/core/${m.plural}/${id(raw)}`);
      console.log(`deleted ${m.name.toLowerCase()} ${raw}`);
    });
}
