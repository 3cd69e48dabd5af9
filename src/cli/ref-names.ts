// Names for the references in rows the CLI prints (`site MySite`, not `site 1`): one request per
// referenced model, asking the API for just the ids that appear, so the rows a caller may not read
// stay unread; such a reference shows as `#<id>`.
import { model } from '../model/registry.js';
import type { ModelDef, Row } from '../model/types.js';
import type { ListPage } from '../api/contract.js';
import { api, type Connection } from './client.js';

const PAGE = 1000; // the API's largest page

// field -> (id -> name) for the reference fields among `fields` whose target has a name.
export type RefNames = Map<string, Map<number, string>>;

export async function refNames(c: Connection, m: ModelDef, rows: readonly Row[], fields: readonly string[]): Promise<RefNames> {
  const byTarget = new Map<string, { fields: string[]; ids: Set<number> }>();
  for (const f of fields) {
    const d = m.fields[f];
    if (d?.type !== 'ref' || !d.ref || model(d.ref).titleField === 'id') continue;
    const entry = byTarget.get(d.ref) ?? byTarget.set(d.ref, { fields: [], ids: new Set() }).get(d.ref)!;
    entry.fields.push(f);
    for (const r of rows) if (typeof r[f] === 'number') entry.ids.add(r[f] as number);
  }
  const out: RefNames = new Map();
  await Promise.all(
    [...byTarget].map(async ([target, { fields: fs, ids }]) => {
      const t = model(target);
      const names = new Map<number, string>();
      const all = [...ids];
      for (let i = 0; i < all.length; i += PAGE) {
        const chunk = all.slice(i, i + PAGE);
        const q = new URLSearchParams({ id__in: chunk.join(','), limit: String(chunk.length) });
        const page = await api<ListPage<Row>>(c, 'GET', `/api/core/${t.plural}?${q}`);
        for (const r of page.items) names.set(r.id as number, String(r[t.titleField]));
      }
      for (const f of fs) out.set(f, names);
    }),
  );
  return out;
}

// How a reference reads: the target's name, `#<id>` when the caller may not read it.
export function refText(names: RefNames, field: string, v: unknown): string | undefined {
  const n = names.get(field);
  if (!n || typeof v !== 'number') return undefined;
  return n.get(v) ?? `#${v}`;
}
