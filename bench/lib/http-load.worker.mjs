// HTTP load generator for the benchmarks, run in a worker thread so that the clients do not share
// the server's event loop (the server, and PGlite with it, run on the main thread).
//
// Plain JavaScript on purpose: worker threads do not inherit tsx's loader.
//
// Input (workerData or one message): {
//   baseUrl, token, concurrency, warmupMs, durationMs,
//   requests: { method: 'GET', paths: [...] } | { method: 'POST', path, bodies: { template, rotate: { field: [...] }, nameField, namePrefix } },
//   expectStatus
// }
// Output (one message): { latenciesMs: Float64Array, measured, errors, sampleError, elapsedMs }. A request
// counts when it completes inside the measured window (after the warm-up, before the end).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

// One request on a kept-alive connection with node:http, which costs the client a fraction of
// what fetch does: on a machine of two cores the clients share the CPU with the server measured.
function send(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers, agent, timeout: 30_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(job) {
  const { baseUrl, token, concurrency, warmupMs, durationMs, requests, expectStatus } = job;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const postHeaders = { ...headers, 'content-type': 'application/json' };
  let seq = 0;
  const next = () => {
    const i = seq++;
    if (requests.method === 'GET') return { method: 'GET', url: baseUrl + requests.paths[i % requests.paths.length] };
    const b = { ...requests.bodies.template };
    for (const [field, values] of Object.entries(requests.bodies.rotate ?? {})) b[field] = values[i % values.length];
    if (requests.bodies.nameField) b[requests.bodies.nameField] = `${requests.bodies.namePrefix}${i}`;
    return { method: 'POST', url: baseUrl + requests.path, body: JSON.stringify(b) };
  };

  const latencies = new Float64Array(4_000_000);
  let measured = 0;
  let errors = 0;
  let sampleError = null;
  const t0 = performance.now();
  const measureFrom = t0 + warmupMs;
  const measureTo = measureFrom + durationMs;

  async function client() {
    while (performance.now() < measureTo) {
      const r = next();
      const start = performance.now();
      let ok = false;
      try {
        // The whole body: the client has received the answer.
        const res = await send(agent, r.method, r.url, r.body ? postHeaders : headers, r.body);
        ok = res.status === expectStatus;
        if (!ok && !sampleError) sampleError = `${r.method} ${r.url} -> ${res.status} ${res.text.slice(0, 300)}`;
      } catch (e) {
        if (!sampleError) sampleError = `${r.method} ${r.url} -> ${e.message}`;
      }
      const end = performance.now();
      if (!ok) errors++;
      else if (end >= measureFrom && end <= measureTo && measured < latencies.length) latencies[measured++] = end - start;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  agent.destroy();
  const out = latencies.slice(0, measured);
  return { latenciesMs: out, measured, errors, sampleError, elapsedMs: durationMs };
}

if (workerData) {
  const result = await run(workerData);
  parentPort.postMessage(result, [result.latenciesMs.buffer]);
}
