// GET /metrics for Prometheus: administrators, or whoever holds [ops] metrics_token (a scraper's
// bearer token). Every API request is timed into xos_api_request_duration_seconds.
import crypto from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/repository.js';
import type { XosConfig } from '../config/schema.js';
import type { XosMetrics } from '../ops/metrics.js';
import { sendProblem } from './problem.js';
import { errorResponses } from './contract.js';

function sameToken(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export const metricsRoutes = fp(async (app: FastifyInstance, opts: { store: Store; config: XosConfig; metrics: XosMetrics }) => {
  const { store, config, metrics } = opts;
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/metrics', {
    config: { public: true }, // the scraper's token is checked here, not by the login
    schema: {
      tags: ['Operations'],
      summary: "Prometheus metrics: every cluster's services, agents, capacity, collectors; the synchronizer's backlog; request and reconcile durations",
      description: 'For administrators, or with `Authorization: Bearer <[ops] metrics_token>`.',
      response: {
        200: { description: "Prometheus' text exposition format", content: { 'text/plain': { schema: { type: 'string' } } } },
        ...errorResponses(401, 403),
      },
    },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = req.headers.authorization ?? '';
      const token = config.ops.metrics_token;
      const byToken = Boolean(token) && auth.startsWith('Bearer ') && sameToken(auth.slice(7).trim(), token);
      if (!byToken) {
        if (!req.principal) return sendProblem(reply, 401, 'authentication required: an administrator, or the [ops] metrics_token as a bearer token');
        if (!req.principal.isAdmin) return sendProblem(reply, 403, 'only administrators (or the [ops] metrics_token) may read the metrics');
      }
      const m = await metrics.render(store);
      return reply.type(m.contentType).send(m.text);
    },
  });
});
