// The request a list page makes for the URL it shows (its paging, sort, search and filters), in
// one place: the page asks with it, and so does the start-up prefetch (boot.ts) before the page
// has rendered.
import { api, type Query } from './api';
import type { ModelInfo } from './meta';
import { prefetchRefs, withRefNames } from './titles';

const RESERVED = new Set(['search', 'sort', 'offset', 'limit']);

export function listRequest(model: ModelInfo, params: URLSearchParams) {
  const limit = Math.min(1000, Math.max(1, Number(params.get('limit')) || 50));
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const sort = params.get('sort') ?? (model.title_field !== 'id' ? model.title_field : 'id');
  const search = params.get('search') ?? '';
  const filters: Query = {};
  for (const [k, v] of params) if (!RESERVED.has(k) && (model.fields[k.split('__')[0]] || k === 'backend_code')) filters[k] = v;
  const query: Query = { ...filters, limit, offset, sort, search: search || undefined };
  return {
    limit,
    offset,
    sort,
    search,
    query,
    key: `${model.plural}?${JSON.stringify(query)}`,
    columns: model.list_fields.filter((c) => c === 'id' || model.fields[c]),
  };
}

// One page of rows, answered once the names of what they refer to are known (or 300 ms have
// passed), so that the table renders once, with the names.
export async function fetchListPage(model: ModelInfo, { query, columns }: Pick<ReturnType<typeof listRequest>, 'query' | 'columns'>) {
  const r = await api.list(model.plural, query);
  return withRefNames(r, prefetchRefs(model, r.items, columns));
}
