// Closed-loop load at a fixed concurrency for a fixed time, two ways: HTTP requests from a worker
// thread (the server under test keeps the main thread to itself) and plain async calls on the
// main thread (the raw-database reference). Both count a call when it completes inside the
// measured window, after a warm-up that is not recorded.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

export interface Stats {
  requests: number; // completed in the measured window
  errors: number;
  seconds: number;
  rps: number;
  p50: number; // milliseconds
  p99: number;
  mean: number;
  max: number;
}

// Latencies of the calls completed in one measured window.
export interface Sample {
  latenciesMs: Float64Array;
  seconds: number;
}

// Several windows (rounds) of the same load, as one set of figures.
export function combine(samples: Sample[]): Stats {
  const n = samples.reduce((a, s) => a + s.latenciesMs.length, 0);
  const all = new Float64Array(n);
  let at = 0;
  for (const s of samples) {
    all.set(s.latenciesMs, at);
    at += s.latenciesMs.length;
  }
  return summarize(all, 0, samples.reduce((a, s) => a + s.seconds, 0));
}

export function summarize(lat: Float64Array, errors: number, seconds: number): Stats {
  const sorted = Float64Array.from(lat).sort();
  const pick = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    requests: sorted.length,
    errors,
    seconds,
    rps: sorted.length / seconds,
    p50: pick(0.5),
    p99: pick(0.99),
    mean: sorted.length ? sum / sorted.length : NaN,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

export interface Window {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export type HttpRequests =
  | { method: 'GET'; paths: string[] }
  | { method: 'POST'; path: string; bodies: { template: Record<string, unknown>; rotate?: Record<string, unknown[]>; nameField?: string; namePrefix?: string } };

const workerFile = new URL('./http-load.worker.mjs', import.meta.url);

// Runs one HTTP load in a fresh worker thread and ends it; rejects when any request failed.
export function runHttp(w: Window & { baseUrl: string; token: string; requests: HttpRequests; expectStatus: number }): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: w });
    let settled = false;
    worker.once('message', (r: { latenciesMs: Float64Array; errors: number; sampleError: string | null }) => {
      settled = true;
      void worker.terminate();
      if (r.errors) reject(new Error(`${r.errors} requests failed, e.g. ${r.sampleError}`));
      else resolve({ latenciesMs: r.latenciesMs, seconds: w.durationMs / 1000 });
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code} before reporting`));
    });
  });
}

// The reference: `op(i)` called by `concurrency` loops on this thread.
export async function runRaw(w: Window, op: (i: number) => Promise<void>): Promise<Sample> {
  const lat = new Float64Array(4_000_000);
  let n = 0;
  let seq = 0;
  let errors = 0;
  let sample: unknown = null;
  const t0 = performance.now();
  const from = t0 + w.warmupMs;
  const to = from + w.durationMs;
  const loop = async () => {
    while (performance.now() < to) {
      const start = performance.now();
      try {
        await op(seq++);
      } catch (e) {
        errors++;
        sample ??= e;
        continue;
      }
      const end = performance.now();
      if (end >= from && end <= to && n < lat.length) lat[n++] = end - start;
    }
  };
  await Promise.all(Array.from({ length: w.concurrency }, loop));
  if (errors) throw new Error(`${errors} raw calls failed, e.g. ${(sample as Error)?.message ?? sample}`);
  return { latenciesMs: lat.slice(0, n), seconds: w.durationMs / 1000 };
}
