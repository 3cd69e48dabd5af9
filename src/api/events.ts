// GET /api/events: the change feed as server-sent events, so open pages update without polling.
// Each event names a model, an id, the operation and the row's new version; clients fetch the
// row through the API, under their own privileges. Events about rows the caller cannot see are
// not sent.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { model as modelNamed } from '../model/registry.js';
import { canReadModel, readScope } from '../auth/rules.js';
import type { Principal } from '../auth/principal.js';
import { CHANGES_CHANNEL } from '../store/db.js';
import { compile, ident, sql } from '../store/sql.js';
import type { ChangeNotice, Store } from '../store/repository.js';

type Listener = (n: ChangeNotice) => void;

export async function eventRoutes(app: FastifyInstance, opts: { store: Store; keepAliveMs?: number }) {
  const { store } = opts;
  // One LISTEN for the whole process, fanned out to every open stream.
  const listeners = new Set<Listener>();
  let stop: (() => Promise<void>) | null = null;
  const ensureListening = async () => {
    stop ??= await store.db.listen(CHANGES_CHANNEL, (payload) => {
      let n: ChangeNotice;
      try {
        n = JSON.parse(payload);
      } catch {
        return;
      }
      for (const l of listeners) l(n);
    });
  };
  app.addHook('onClose', async () => {
    await stop?.();
  });

  async function visible(p: Principal, n: ChangeNotice): Promise<boolean> {
    let m;
    try {
      m = modelNamed(n.model);
    } catch {
      return false;
    }
    if (!canReadModel(m, p)) return false;
    const scope = readScope(m, p);
    if (!scope || n.op === 'delete') return true;
    const q = compile(sql`SELECT 1 FROM ${ident(m.table)} t WHERE t.id = ${n.id} AND ${scope}`);
    return (await store.db.query(q.text, q.values)).length > 0;
  }

  app.get('/api/events', {
    schema: {
      tags: ['Meta'],
      summary: 'Changes as server-sent events (event "change", data {"model","id","op","version"})',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { models: { type: 'string', maxLength: 2000, description: 'Comma-separated model names to follow (default: all)' } },
      },
    },
    handler: async (req: FastifyRequest<{ Querystring: { models?: string } }>, reply) => {
      await ensureListening();
      const p = req.principal!;
      const only = req.query.models ? new Set(req.query.models.split(',').map((s) => s.trim())) : null;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // let nginx pass events through at once
      });
      res.write(': connected\nretry: 2000\n\n');
      let queue = Promise.resolve();
      const listener: Listener = (n) => {
        if (only && !only.has(n.model)) return;
        queue = queue.then(async () => {
          if (await visible(p, n).catch(() => false)) res.write(`event: change\ndata: ${JSON.stringify(n)}\n\n`);
        });
      };
      listeners.add(listener);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), opts.keepAliveMs ?? 20_000);
      const close = () => {
        clearInterval(keepAlive);
        listeners.delete(listener);
        app.server.off('close', close); // one listener per open stream, not per stream ever opened
      };
      req.raw.on('close', close);
      app.server.on('close', close);
    },
  });
}
