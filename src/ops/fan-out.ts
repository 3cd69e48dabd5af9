// `xos cluster run services|agents|servers`: one built-in read on every chosen cluster at once,
// each bounded by its own timeout, each reporting ok, failed, timeout or unreachable.
import { model } from '../model/registry.js';
import type { Store } from '../store/repository.js';
import { ProbeError, type ClusterProbe, type CollectorData } from './cluster-probe.js';

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

export type ClusterState = RunResult['state'];

// One cluster's part of a run, bounded by its own deadline: what `f` returns, or how it failed
// (a cluster that cannot be reached is "unreachable", not "failed").
export async function withinDeadline<T>(timeoutMs: number, f: (signal: AbortSignal) => Promise<T>): Promise<{ value: T } | { state: Exclude<ClusterState, 'ok'>; error: string }> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const timeout = new Promise<never>((_, rej) => deadline.addEventListener('abort', () => rej(new Error('timeout')), { once: true }));
  try {
    return { value: await Promise.race([f(deadline), timeout]) };
  } catch (e) {
    if (deadline.aborted) return { state: 'timeout', error: `no answer within ${timeoutMs} ms` };
    const kind = e instanceof ProbeError ? e.failure.kind : 'other';
    return { state: UNREACHABLE.has(kind) ? 'unreachable' : kind === 'timeout' ? 'timeout' : 'failed', error: (e as Error).message };
  }
}

export async function fanOut(store: Store, probe: ClusterProbe, command: Builtin, o: { deployments?: number[]; names?: string[]; timeoutMs: number }): Promise<RunResult[]> {
  const clusters = await store.clusters.clusters({ deployments: o.deployments, names: o.names });
  return Promise.all(
    clusters.map(async (c): Promise<RunResult> => {
      const t0 = performance.now();
      const done = (r: Omit<RunResult, 'cluster' | 'duration_ms'>): RunResult => ({ cluster: c.name, duration_ms: Math.round(performance.now() - t0), ...r });
      const r = await withinDeadline(o.timeoutMs, async (signal) => probe.collect((await store.raw(model('Controller'), c.id))!, BUILTINS[command], { signal, timeoutMs: o.timeoutMs }));
      if (!('value' in r)) return done({ ...r, columns: [], rows: [] });
      if (command === 'services') {
        const d = r.value.data as CollectorData['services'];
        return done({ state: 'ok', error: null, columns: ['Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At'], rows: d.map((s) => [s.binary, s.host, s.zone, s.status, s.state, s.updated_at]) });
      }
      if (command === 'agents') {
        const d = r.value.data as CollectorData['agents'];
        return done({ state: 'ok', error: null, columns: ['Agent Type', 'Host', 'Alive', 'State', 'Binary'], rows: d.map((a) => [a.agent_type, a.host, a.alive ? ':-)' : 'XXX', a.admin_state_up ? 'UP' : 'DOWN', a.binary]) });
      }
      const d = r.value.data as CollectorData['servers'];
      return done({ state: 'ok', error: null, columns: ['Status', 'Count'], rows: Object.entries(d.by_status).sort().map(([s, n]) => [s, n]) });
    }),
  );
}

// clush -b: identical output of several clusters shown once, under their names.
export function groupOutputs<R extends { cluster: string; state: string; error: string | null }>(results: R[], render: (r: R) => string): { clusters: string[]; text: string }[] {
  const groups = new Map<string, string[]>();
  for (const r of results) {
    const text = r.state === 'ok' ? render(r) : `${r.state}: ${r.error}`;
    groups.set(text, [...(groups.get(text) ?? []), r.cluster]);
  }
  return [...groups].map(([text, clusters]) => ({ clusters, text }));
}
