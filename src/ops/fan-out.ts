// `xos cluster run services|agents|servers`: one built-in read on every chosen cluster at once,
// each bounded by its own timeout, each reporting ok, failed, timeout or unreachable.
import { model } from '../model/registry.js';
import type { Store } from '../store/repository.js';
import { ProbeError, type ClusterProbe } from './cluster-probe.js';

export const BUILTINS = { services: 'services', agents: 'agents', servers: 'servers' } as const;
export type Builtin = keyof typeof BUILTINS;

export interface RunResult {
  cluster: string;
  state: 'ok' | 'failed' | 'timeout' | 'unreachable';
  duration_ms: number;
  columns: string[];
  rows: (string | number | boolean | null)[][];
  error: string | null;
}

const UNREACHABLE = new Set(['keystone_unreachable', 'endpoint_unreachable', 'tls']);

export async function fanOut(store: Store, probe: ClusterProbe, command: Builtin, o: { deployments?: number[]; names?: string[]; timeoutMs: number }): Promise<RunResult[]> {
  const clusters = await store.clusters.clusters({ deployments: o.deployments, names: o.names });
  return Promise.all(
    clusters.map(async (c): Promise<RunResult> => {
      const t0 = performance.now();
      const done = (r: Omit<RunResult, 'cluster' | 'duration_ms'>): RunResult => ({ cluster: c.name, duration_ms: Math.round(performance.now() - t0), ...r });
      const deadline = AbortSignal.timeout(o.timeoutMs);
      try {
        const row = await store.raw(model('Controller'), c.id);
        const timeout = new Promise<never>((_, rej) => deadline.addEventListener('abort', () => rej(new Error('timeout')), { once: true }));
        const r = await Promise.race([probe.collect(row!, BUILTINS[command], { signal: deadline, timeoutMs: o.timeoutMs }), timeout]);
        if (command === 'services') {
          const d = r.data as import('./cluster-probe.js').CollectorData['services'];
          return done({ state: 'ok', error: null, columns: ['Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At'], rows: d.map((s) => [s.binary, s.host, s.zone, s.status, s.state, s.updated_at]) });
        }
        if (command === 'agents') {
          const d = r.data as import('./cluster-probe.js').CollectorData['agents'];
          return done({ state: 'ok', error: null, columns: ['Agent Type', 'Host', 'Alive', 'State', 'Binary'], rows: d.map((a) => [a.agent_type, a.host, a.alive ? ':-)' : 'XXX', a.admin_state_up ? 'UP' : 'DOWN', a.binary]) });
        }
        const d = r.data as import('./cluster-probe.js').CollectorData['servers'];
        return done({ state: 'ok', error: null, columns: ['Status', 'Count'], rows: Object.entries(d.by_status).sort().map(([s, n]) => [s, n]) });
      } catch (e) {
        if (deadline.aborted) return done({ state: 'timeout', error: `no answer within ${o.timeoutMs} ms`, columns: [], rows: [] });
        const kind = e instanceof ProbeError ? e.failure.kind : 'other';
        return done({ state: UNREACHABLE.has(kind) ? 'unreachable' : kind === 'timeout' ? 'timeout' : 'failed', error: (e as Error).message, columns: [], rows: [] });
      }
    }),
  );
}

// clush -b: identical output of several clusters shown once, under their names.
export function groupOutputs(results: RunResult[], render: (r: RunResult) => string): { clusters: string[]; text: string }[] {
  const groups = new Map<string, string[]>();
  for (const r of results) {
    const text = r.state === 'ok' ? render(r) : `${r.state}: ${r.error}`;
    groups.set(text, [...(groups.get(text) ?? []), r.cluster]);
  }
  return [...groups].map(([text, clusters]) => ({ clusters, text }));
}
