// GET /api/events: the change feed as server-sent events, so open pages update without polling.
// Each event names a model, an id, the operation and the row's new version; clients fetch the
// row through the API, under their own privileges. Events about rows the caller cannot see are
// not sent. A stream outlives the request that opened it, so it checks every few seconds that its
// credentials still hold, ending when they do not, and follows the caller's current privileges.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChangeNotice, Store } from '../store/repository.js';
import { EventFilter } from './event-filter.js';
import { reidentify } from './authn.js';
import { loadPrincipal } from '../auth/principal.js';
import { isDatabaseUnavailable } from '../store/unavailable.js';

type Listener = (n: ChangeNotice) => void;

const CATCH_UP_MARGIN_MS = 10_000;
const CATCH_UP_LIMIT = 5_000;

export async function eventRoutes(app: FastifyInstance, opts: { store: Store; keepAliveMs?: number; recheckMs?: number }) {
  const { store } = opts;
  // One LISTEN for the whole process, fanned out to every open stream.
  const listeners = new Set<Listener>();
  let stop: (() => Promise<void>) | null = null;
  const fanOut = (n: ChangeNotice) => {
    for (const l of listeners) l(n);
  };
  // After the feed was interrupted (the database restarted), the rows that changed meanwhile are
  // found by a scan and sent as notices: a stream that stayed open misses nothing. The scan starts
  // a little before the loss, for the clocks of this host and the database's; a notice sent twice
  // only makes a client read a row again.
  const catchUp = async (lostAt: Date) => {
    try {
      const missed = await store.changesSince(new Date(lostAt.getTime() - CATCH_UP_MARGIN_MS), CATCH_UP_LIMIT);
      missed.forEach(fanOut);
      app.log.info({ notices: missed.length }, 'change feed back: notices caught up');
    } catch (e) {
      app.log.warn({ err: e }, 'change feed back, but what changed meanwhile could not be read');
    }
  };
  const ensureListening = async () => {
    stop ??= await store.onChange(fanOut, (lostAt) => void catchUp(lostAt));
  };
  app.addHook('onClose', async () => {
    await stop?.();
  });

  app.get('/api/events', {
    schema: {
      tags: ['Meta'],
      summary: 'Changes as server-sent events (event "change", data {"model","id","op","version"})',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { models: { type: 'string', maxLength: 2000, description: 'Comma-separated model names to follow (default: all)' } },
      },
      response: {
        200: { description: 'The stream, until the client leaves or its credentials end', content: { 'text/event-stream': { schema: { type: 'string' } } } },
      },
    },
    handler: async (req: FastifyRequest<{ Querystring: { models?: string } }>, reply) => {
      await ensureListening();
      const filter = new EventFilter(store, req.principal!);
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
      // Notices and credential checks take turns, so each notice is judged by the privileges of
      // the last check before it.
      let queue = Promise.resolve();
      let open = true;
      const listener: Listener = (n) => {
        if (only && !only.has(n.model)) return;
        queue = queue.then(async () => {
          if (!open) return;
          const allowed = await filter.allows(n).catch(() => false);
          if (allowed && open) res.write(`event: change\ndata: ${JSON.stringify(n)}\n\n`);
        });
      };
      listeners.add(listener);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), opts.keepAliveMs ?? 20_000);
      // Logout, an expired session, a revoked token, a changed password or a deactivated user end
      // the stream; the client's reconnect then meets the 401. A failed check ends it too, except
      // while the database is unreachable: nothing can change credentials then, and no notice
      // arrives, so the stream stays open and is checked again once the database is back.
      const recheck = setInterval(() => {
        queue = queue.then(async () => {
          if (!open) return;
          let unreachable = false;
          const failed = (e: unknown) => ((unreachable = isDatabaseUnavailable(e)), null);
          const user = await reidentify(store, req).catch(failed);
          const p = user && (await loadPrincipal(store, user).catch(failed));
          if (unreachable) return;
          if (p) filter.setPrincipal(p);
          else if (open) {
            res.end(': the credentials of this stream no longer hold\n\n');
            close();
          }
        });
      }, opts.recheckMs ?? 5_000);
      const close = () => {
        open = false;
        clearInterval(keepAlive);
        clearInterval(recheck);
        listeners.delete(listener);
        app.server.off('close', close); // one listener per open stream, not per stream ever opened
      };
      req.raw.on('close', close);
      app.server.on('close', close);
    },
  });
}
