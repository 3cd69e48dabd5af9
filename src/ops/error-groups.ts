// Objects in error grouped by their root cause: one dead controller is one entry with its
// dependent objects, not one copy of the same ECONNREFUSED per object; other messages are grouped
// once ids, addresses and numbers are taken out of them.
import type { ErrorRow } from '../store/cluster-reports.js';

export interface ErrorGroup {
  cause: string;
  controller: { id: number; name: string } | null; // set when the controller itself is the cause
  count: number;
  models: Record<string, number>;
  samples: { model: string; id: number; title: string | null; status: string | null }[];
}

const strip = (s: string | null) => (s ?? '').replace(/^\d+ - /, '').trim();

// The message with what differs between objects of one cause replaced.
export function causeKey(status: string | null): string {
  return strip(status)
    .replace(/\s*\(request [^)]*\)/g, '')
    .replace(/req-[0-9a-f-]{36}/gi, '<request>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b[0-9a-f]{32}\b/gi, '<id>')
    .replace(/\/\d+\b/g, '/<n>')
    .replace(/\b(Instance|Slice|Network|Port|Site|User|Image|Controller\w*) \d+\b/g, '$1 <n>');
}

export function groupErrors(errors: ErrorRow[], controllers: { id: number; name: string; backend_code: number; backend_status: string | null }[], samples = 5): ErrorGroup[] {
  const dead = new Map(controllers.filter((c) => c.backend_code === 2).map((c) => [c.id, c]));
  const groups = new Map<string, ErrorGroup>();
  for (const e of errors) {
    const ctl = e.controller != null ? dead.get(e.controller) : undefined;
    const key = ctl ? `controller:${ctl.id}` : causeKey(e.backend_status);
    let g = groups.get(key);
    if (!g) {
      g = {
        cause: ctl ? `controller ${ctl.name}: ${strip(ctl.backend_status)}` : key || 'unknown error',
        controller: ctl ? { id: ctl.id, name: ctl.name } : null,
        count: 0,
        models: {},
        samples: [],
      };
      groups.set(key, g);
    }
    g.count++;
    g.models[e.model] = (g.models[e.model] ?? 0) + 1;
    if (g.samples.length < samples) g.samples.push({ model: e.model, id: e.id, title: e.title, status: e.backend_status });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause));
}
