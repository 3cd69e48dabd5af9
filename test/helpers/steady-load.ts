// A steady stream of API requests from a few clients over keep-alive connections, as a process
// manager's reload or stop would meet it: reads and acknowledged writes, each outcome recorded.
import http from 'node:http';

export interface Outcome {
  kind: 'read' | 'write';
  status: number | null; // null: no HTTP answer
  error?: string; // the socket error code when there was no answer
  at: number; // when the answer (or the error) came
  ms: number; // how long it took
  id?: number; // the row a write made
}

export interface Load {
  outcomes: Outcome[];
  stop: () => Promise<void>;
}

export function steadyLoad(o: { port: number; token: string; clients?: number; prefix: string; siteId?: number }): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients ?? 4 });
  const outcomes: Outcome[] = [];
  let running = true;
  let n = 0;
  const call = (method: string, path: string, body?: object) =>
    new Promise<{ status: number | null; error?: string; json?: { id?: number } }>((resolve) => {
      const data = body ? JSON.stringify(body) : undefined;
      const req = http.request(
        {
          host: '127.0.0.1',
          port: o.port,
          method,
          path,
          agent,
          headers: { authorization: `Bearer ${o.token}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => {
            let json: { id?: number } | undefined;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? null, json });
          });
          res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: null, error: e.code ?? e.message }));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: null, error: e.code ?? e.message }));
      req.setTimeout(60_000, () => req.destroy(Object.assign(new Error('no answer in 60 s'), { code: 'TIMEOUT' })));
      req.end(data);
    });
  const client = async () => {
    while (running) {
      const i = n++;
      const t0 = Date.now();
      if (i % 3 === 2) {
        const r = await call('POST', '/api/core/slices', { name: `${o.prefix}${i}`, site: o.siteId ?? 1 });
        outcomes.push({ kind: 'write', status: r.status, error: r.error, at: Date.now(), ms: Date.now() - t0, id: r.json?.id });
      } else {
        const r = await call('GET', '/api/core/sites?limit=5');
        outcomes.push({ kind: 'read', status: r.status, error: r.error, at: Date.now(), ms: Date.now() - t0 });
      }
    }
  };
  const clients = Array.from({ length: o.clients ?? 4 }, () => client());
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      agent.destroy();
    },
  };
}
