// POST /api/ops/run-credentials: what `xos cluster run -- <openstack arguments>` needs to run the
// `openstack` client on the caller's machine against each chosen cluster: a fresh Keystone token
// per cluster (ops/run-credentials.ts says why a token and who may have one). Nothing is run here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/repository.js';
import type { XosConfig } from '../config/schema.js';
import { ForbiddenError, ValidationError } from '../model/errors.js';
import { issueRunCredentials, type ClusterRunAccess } from '../ops/run-credentials.js';
import { always, errorResponses, jsonResponse } from './contract.js';
import { sendProblem } from './problem.js';

const nullableString = { type: ['string', 'null'] };
const credentials = always({
  auth_url: { type: 'string' },
  token: { type: 'string', description: 'A Keystone token scoped to the admin project; revoke it when done' },
  expires_at: { type: 'string' },
  project_id: { type: 'string' },
  region: nullableString,
  interface: { type: 'string' },
  ca_bundle: { ...nullableString, description: 'PEM certificates the endpoints are checked against' },
  endpoint_overrides: { type: 'object', additionalProperties: { type: 'string' }, description: "Service type -> URL, where the controller's endpoint rewrite changes the catalog" },
});
const issuedSchema = always({
  items: {
    type: 'array',
    items: always({
      cluster: { type: 'string' },
      state: { type: 'string', enum: ['ok', 'failed', 'timeout', 'unreachable'] },
      error: nullableString,
      credentials: { anyOf: [credentials, { type: 'null' }] },
    }),
  },
});

export async function opsRunRoutes(app: FastifyInstance, opts: { store: Store; config: XosConfig; access?: ClusterRunAccess }) {
  const { store, config } = opts;
  app.post('/api/ops/run-credentials', {
    schema: {
      tags: ['Operations'],
      summary: 'Short-lived credentials for running the openstack client against each chosen cluster (administrators who may write)',
      description:
        "For each cluster: a fresh Keystone token scoped to its controller's admin project, its auth URL, region, CA bundle and " +
        'endpoint overrides, or why none could be had (unreachable, failed, timeout). Each token handed out is recorded in the audit log. ' +
        'The caller runs the client itself and revokes the token afterwards: no command runs on the server.',
      body: {
        type: 'object',
        properties: {
          controller: { type: 'string', minLength: 1, maxLength: 200, description: 'Only the controller of this name' },
          deployment: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'Only the controllers of this deployment' },
          timeout: { type: 'integer', minimum: 1, maximum: 600, description: 'Seconds per cluster (default [ops] timeout)' },
        },
        additionalProperties: false,
      },
      response: { 200: jsonResponse(issuedSchema, 'Each cluster: a token or why there is none'), ...errorResponses(403, 501) },
    },
    handler: async (req: FastifyRequest<{ Body: { controller?: string; deployment?: number; timeout?: number } | undefined }>, reply: FastifyReply) => {
      const p = req.principal!;
      if (!p.isAdmin || p.readOnly) throw new ForbiddenError("only administrators who may write may have a cluster's credentials");
      if (!opts.access) return sendProblem(reply, 501, 'this XOS server has no cluster backend wired in');
      const b = req.body ?? {};
      const deployments = b.deployment !== undefined ? [b.deployment] : undefined;
      const names = b.controller ? [b.controller] : undefined;
      if (b.controller && !(await store.clusters.clusters({ deployments, names })).length)
        throw new ValidationError([{ field: 'controller', message: `no controller named "${b.controller}"${b.deployment ? ` in deployment ${b.deployment}` : ''}` }]);
      const items = await issueRunCredentials(store, opts.access, p, { deployments, names, timeoutMs: (b.timeout ?? config.ops.timeout) * 1000 });
      reply.header('cache-control', 'no-store');
      return { items };
    },
  });
}
