// Names for references: a row shows "MySite", not "site 3". Titles are fetched in batches (one
// request per model per tick) and cached; a live notice about a row forgets its title.
import { useEffect, useSyncExternalStore } from 'react';
import { api, type Row } from './api';
import { rowTitle, type ModelInfo } from './meta';
import { subscribeLive } from './live';

const titles = new Map<string, string>(); // "Site:3" → "MySite"
const wanted = new Map<string, Set<number>>(); // model name → ids to fetch
const inFlight = new Map<string, Promise<void>>(); // "Site:3" → the request that names it
const staleKeys = new Set<string>(); // shown until the fresh name arrives
const listeners = new Set<() => void>();
let version = 0;
let models: Map<string, ModelInfo> = new Map();
let timer: ReturnType<typeof setTimeout> | null = null;

const changed = () => {
  version++;
  listeners.forEach((l) => l());
};

// Names of several models are asked for at once and arrive within milliseconds of each other:
// the page re-renders (and lays out its table) once when the last arrives, not once per model,
// and at most SETTLE_MS after the first.
const SETTLE_MS = 50;
let settle: ReturnType<typeof setTimeout> | null = null;
const arrived = () => {
  if (inFlight.size === 0 && wanted.size === 0) {
    if (settle) clearTimeout(settle);
    settle = null;
    changed();
  } else
    settle ??= setTimeout(() => {
      settle = null;
      changed();
    }, SETTLE_MS);
};

export function setTitleModels(all: ModelInfo[]) {
  models = new Map(all.map((m) => [m.name, m]));
}

export function forgetTitle(model: string, id: number) {
  const key = `${model}:${id}`;
  if (titles.has(key) && !staleKeys.has(key)) {
    staleKeys.add(key);
    changed();
  }
}

export function rememberTitle(m: ModelInfo, row: Row) {
  const key = `${m.name}:${row.id}`;
  const t = describe(m, row);
  if (titles.get(key) !== t) {
    titles.set(key, t);
    changed();
  }
}

// A row's name; rows named only by an id ("Site deployment #3") are described by the names of
// their first two references ("MySite · MyDeployment") once those are known.
function describe(m: ModelInfo, row: Row): string {
  if (m.title_field !== 'id') return rowTitle(m, row);
  const parts = m.list_fields
    .filter((f) => m.fields[f]?.type === 'ref' && row[f] != null && f !== 'controller')
    .slice(0, 2)
    .map((f) => titles.get(`${m.fields[f].ref}:${row[f]}`));
  return parts.length && parts.every(Boolean) ? parts.join(' · ') : rowTitle(m, row);
}

async function load(modelName: string, ids: number[]) {
  const m = models.get(modelName);
  if (!m) return;
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    try {
      const { items } = await api.list(m.plural, { id__in: chunk.join(','), limit: 1000 });
      if (m.title_field === 'id') {
        // Name the references first (one level), then describe the rows with them.
        const refs = m.list_fields.filter((f) => m.fields[f]?.type === 'ref' && f !== 'controller').slice(0, 2);
        await Promise.all(
          refs.map((f) => {
            const target = m.fields[f].ref!;
            const need = [...new Set(items.map((r) => r[f]).filter((v) => v != null && !titles.has(`${target}:${v}`)))] as number[];
            return need.length && models.has(target) ? load(target, need) : Promise.resolve();
          }),
        );
      }
      for (const r of items) titles.set(`${modelName}:${r.id}`, describe(m, r));
      for (const id of chunk) if (!titles.has(`${modelName}:${id}`)) titles.set(`${modelName}:${id}`, `${m.label} #${id}`);
    } catch {
      for (const id of chunk) titles.set(`${modelName}:${id}`, `${m.label} #${id}`);
    } finally {
      for (const id of chunk) {
        inFlight.delete(`${modelName}:${id}`);
        staleKeys.delete(`${modelName}:${id}`);
      }
    }
  }
  arrived();
}

function flush() {
  timer = null;
  const batch = [...wanted];
  wanted.clear();
  for (const [name, ids] of batch) {
    const p = load(name, [...ids]);
    for (const id of ids) inFlight.set(`${name}:${id}`, p);
  }
}

function want(model: string, id: number) {
  const key = `${model}:${id}`;
  if ((titles.has(key) && !staleKeys.has(key)) || inFlight.has(key) || wanted.get(model)?.has(id) || !models.has(model)) return;
  if (!wanted.has(model)) wanted.set(model, new Set());
  wanted.get(model)!.add(id);
  timer ??= setTimeout(flush, 0);
}

// Ask for the names of a page of rows' references as soon as the rows arrive, before they render.
// Resolves when those names are known (or known to be missing), so that a page can render its
// table once, with the names, rather than once with ids and again when the names arrive.
export function prefetchRefs(m: ModelInfo, rows: Row[], fields: string[] = m.list_fields): Promise<void> {
  const keys = new Set<string>();
  for (const f of fields) {
    const d = m.fields[f];
    if (d?.type !== 'ref') continue;
    for (const r of rows)
      if (r[f] != null) {
        want(d.ref!, Number(r[f]));
        keys.add(`${d.ref}:${Number(r[f])}`);
      }
  }
  if (timer) {
    clearTimeout(timer);
    flush();
  }
  return Promise.all([...keys].map((k) => inFlight.get(k))).then(() => undefined);
}

// The rows, once their references' names are known or after `ms`, whichever is first: names
// slower than that re-render the page when they come.
export async function withRefNames<T>(rows: T, named: Promise<void>, ms = 300): Promise<T> {
  let timeout: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([named, new Promise<void>((r) => (timeout = setTimeout(r, ms)))]);
  clearTimeout(timeout);
  return rows;
}

export function titleOf(model: string, id: number): string {
  const t = titles.get(`${model}:${id}`);
  if (t) return t;
  const m = models.get(model);
  return m ? `${m.label} #${id}` : `#${id}`;
}

export const isKnown = (model: string, id: number) => titles.has(`${model}:${id}`);

// Re-render when titles arrive, and ask for the titles of these references.
export function useTitles(refs: [string, number][]): number {
  const v = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
  const key = refs.map(([m, id]) => `${m}:${id}`).join(',');
  useEffect(() => {
    for (const [m, id] of refs) want(m, id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, v]);
  return v;
}

// A row that changes may have a new name; after a reconnect every name may be stale.
subscribeLive((n) => {
  if (n.model === '*') {
    for (const k of titles.keys()) staleKeys.add(k);
    changed();
  } else if (n.op !== 'create' && n.op !== 'sync') forgetTitle(n.model, n.id);
});
