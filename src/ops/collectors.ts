// The cluster collectors: every [ops] interval, each live controller is read by every collector
// (clusters in parallel, and the collectors of one cluster in parallel), each call bounded by
// [ops] timeout, and the outcome stored (store/cluster-reports.ts). They run beside the
// synchronizer, not in its worker slots, so a dead cluster never takes a slot from a sync, and a
// slow sync never delays a health reading. A cluster whose previous poll is still running is
// skipped, not polled twice.
import { model } from '../model/registry.js';
import type { Store } from '../store/repository.js';
import type { XosConfig } from '../config/schema.js';
import { COLLECTORS, ProbeError, type ClusterProbe, type CollectorName } from './cluster-probe.js';

export interface PollOptions {
  timeoutMs: number; // per API call
  controllers?: number[]; // default: every live controller
  collectors?: readonly CollectorName[];
  signal?: AbortSignal;
}

export interface CollectorRun {
  controller: number;
  collector: CollectorName;
  ok: boolean;
  durationMs: number;
  requests: number;
  error?: string;
}

const busy = new Set<number>(); // controllers being polled in this process

// One poll of the given (or every) controller; resolves when all have been recorded.
export async function pollClusters(store: Store, probe: ClusterProbe, o: PollOptions): Promise<CollectorRun[]> {
  const clusters = await store.clusters.clusters(o.controllers ? { ids: o.controllers } : {});
  const runs = await Promise.all(
    clusters.map(async (c) => {
      if (busy.has(c.id)) return [];
      busy.add(c.id);
      try {
        return await pollOne(store, probe, c.id, o);
      } finally {
        busy.delete(c.id);
      }
    }),
  );
  return runs.flat();
}

async function pollOne(store: Store, probe: ClusterProbe, id: number, o: PollOptions): Promise<CollectorRun[]> {
  const row = await store.raw(model('Controller'), id);
  if (!row || row.deleted) return [];
  return Promise.all(
    (o.collectors ?? COLLECTORS).map(async (collector): Promise<CollectorRun> => {
      const t0 = performance.now();
      // A collector makes a few calls in a row: it gets a few call timeouts in all.
      const deadline = AbortSignal.timeout(o.timeoutMs * 3);
      const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
      try {
        const r = await probe.collect(row, collector, { signal, timeoutMs: o.timeoutMs });
        const durationMs = Math.round(performance.now() - t0);
        await store.clusters.record(id, collector, { ok: true, data: r.data, durationMs, requests: r.requests });
        return { controller: id, collector, ok: true, durationMs, requests: r.requests };
      } catch (e) {
        const durationMs = Math.round(performance.now() - t0);
        const f =
          e instanceof ProbeError
            ? e.failure
            : deadline.aborted
              ? { kind: 'timeout', message: `no complete answer within ${o.timeoutMs * 3} ms`, service: null, url: null }
              : { kind: 'other', message: (e as Error).message, service: null, url: null };
        if (o.signal?.aborted) return { controller: id, collector, ok: false, durationMs, requests: 0, error: 'stopped' };
        const requests = e instanceof ProbeError ? (e.requests ?? 0) : 0;
        await store.clusters.record(id, collector, { ok: false, error: { kind: f.kind, message: f.message, detail: f }, durationMs, requests });
        return { controller: id, collector, ok: false, durationMs, requests, error: f.message };
      }
    }),
  );
}

export interface Collectors {
  stop(): Promise<void>;
  pollNow(): Promise<CollectorRun[]>;
}

// Polls at once, then every [ops] interval, until stop().
export function startCollectors(store: Store, config: Pick<XosConfig, 'ops'>, probe: ClusterProbe, log: (msg: string) => void = () => {}): Collectors {
  const abort = new AbortController();
  const timeoutMs = config.ops.timeout * 1000;
  const inFlight = new Set<Promise<CollectorRun[]>>();
  const poll = () => {
    const p = pollClusters(store, probe, { timeoutMs, signal: abort.signal }).catch((e: unknown) => {
      if (!abort.signal.aborted) log(`cluster collectors: ${(e as Error).message}`);
      return [] as CollectorRun[];
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };
  void poll();
  const timer = setInterval(() => void poll(), config.ops.interval * 1000);
  timer.unref();
  return {
    // A poll after the one running (if any) has finished, so that it reads every cluster.
    async pollNow() {
      await Promise.all(inFlight);
      return poll();
    },
    async stop() {
      clearInterval(timer);
      abort.abort();
      await Promise.all(inFlight);
    },
  };
}
