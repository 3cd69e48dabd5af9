// Reading GET /api/events over a real connection, for as long as a test needs: the "change"
// events as they arrive, and whether (and when) the server ended the stream.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

export interface Notice {
  model: string;
  id: number;
  op: string;
  version: number;
}

export interface EventStream {
  events: Notice[];
  ended: () => boolean;
  // Wait until `pred` holds of the events (true) or `ms` pass (false).
  waitFor: (pred: (events: Notice[]) => boolean, ms?: number) => Promise<boolean>;
  // Wait until the server ends the stream (true) or `ms` pass (false).
  waitForEnd: (ms: number) => Promise<boolean>;
  close: () => Promise<void>;
}

// The base URL of a server listening on 127.0.0.1 (started here if it is not yet listening).
export async function listening(app: FastifyInstance): Promise<string> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Resolves once the server has sent its first comment, when the stream's listener is in place.
export async function openEvents(base: string, headers: Record<string, string>): Promise<EventStream> {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/api/events`, { headers, signal: ctrl.signal });
  assert.equal(res.status, 200, await (res.status === 200 ? '' : res.text()));
  const events: Notice[] = [];
  let done = false;
  let connected = () => {};
  const isConnected = new Promise<void>((r) => (connected = r));
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  const reading = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (block.startsWith(': connected')) connected();
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: change$/m.test(block) && data) events.push(JSON.parse(data[1]));
        }
      }
    } catch {
      /* aborted by close() */
    }
    done = true;
  })();
  await Promise.race([isConnected, reading]);
  const until = async (cond: () => boolean, ms: number) => {
    const t0 = Date.now();
    while (!cond() && Date.now() - t0 < ms) await sleep(20);
    return cond();
  };
  return {
    events,
    ended: () => done,
    waitFor: (pred, ms = 5000) => until(() => pred(events), ms),
    waitForEnd: (ms) => until(() => done, ms),
    close: async () => {
      ctrl.abort();
      await reading;
    },
  };
}
