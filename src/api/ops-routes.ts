// The operator tools over HTTP: every cluster's health as the collectors last read it
// (GET /api/ops/clusters, /api/ops/clusters/:id). Administrators see every cluster, deployment
// admins those of their deployments, others none (403).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/repository.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../model/errors.js';
import { clusterScope } from '../ops/access.js';
import { byHealth, clusterView, type ClusterView } from '../ops/cluster-view.js';
import { errorResponses, jsonResponse } from './contract.js';
import { sendProblem } from './problem.js';
import { backlogSchema, clusterSchema, clustersSchema, doctorSchema, runSchema } from './ops-schemas.js';
import type { ClusterProbe } from '../ops/cluster-probe.js';
import type { XosConfig } from '../config/schema.js';
import { runDoctor } from '../ops/doctor/index.js';
import { BUILTINS, fanOut, type Builtin } from '../ops/fan-out.js';


export interface ClusterFilter {
  controller?: string; // a controller name
  deployment?: number;
}

// The clusters the caller may see that match the filter, problems first.
export async function visibleClusters(store: Store, p: NonNullable<FastifyRequest['principal']>, f: ClusterFilter = {}): Promise<ClusterView[]> {
  const scope = clusterScope(p);
  let deployments = scope.deployments;
  if (f.deployment !== undefined) deployments = deployments ? deployments.filter((d) => d === f.deployment) : [f.deployment];
  const rows = await store.clusters.clusters({ deployments, ...(f.controller ? { names: [f.controller] } : {}) });
  if (f.controller && !rows.length) throw new ValidationError([{ field: 'controller', message: `no controller named "${f.controller}" that you may see` }]);
  const reports = await store.clusters.reports(rows.map((r) => r.id));
  const now = Date.now();
  return rows.map((r) => clusterView(r, reports, now)).sort(byHealth);
}

export interface OpsRouteOptions {
  store: Store;
  config: XosConfig;
  probe?: ClusterProbe; // lets the doctor read the clusters afresh
}

export async function opsRoutes(app: FastifyInstance, opts: OpsRouteOptions) {
  const { store, config } = opts;

  app.get('/api/ops/clusters', {
    schema: {
      tags: ['Operations'],
      summary: "Every cluster's health as the collectors last read it: services and agents with heartbeat ages, capacity, servers, API latency, collector outcomes",
      description: 'Problems first. Administrators see every cluster, deployment admins those of their deployments.',
      querystring: {
        type: 'object',
        properties: {
          controller: { type: 'string', minLength: 1, maxLength: 200, description: 'Only the controller of this name' },
          deployment: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'Only the controllers of this deployment' },
        },
        additionalProperties: false,
      },
      response: { 200: jsonResponse(clustersSchema, 'Every cluster the caller may see, problems first'), ...errorResponses(403) },
    },
    handler: async (req: FastifyRequest<{ Querystring: ClusterFilter }>) => {
      const items = await visibleClusters(store, req.principal!, req.query);
      return { items, nagios_url: config.nagios.url || null, interval_s: config.ops.interval, time: new Date().toISOString() };
    },
  });

  app.get('/api/ops/clusters/:id', {
    schema: {
      tags: ['Operations'],
      summary: "One cluster's health as the collectors last read it",
      params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } }, required: ['id'] },
      response: { 200: jsonResponse(clusterSchema, 'The cluster'), ...errorResponses(403, 404) },
    },
    handler: async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const scope = clusterScope(req.principal!);
      const [row] = await store.clusters.clusters({ ...scope, ids: [req.params.id] });
      if (!row) throw new NotFoundError(`Controller ${req.params.id}`);
      return clusterView(row, await store.clusters.reports([row.id]));
    },
  });

  app.post('/api/ops/run', {
    schema: {
      tags: ['Operations'],
      summary: 'Run one built-in read (services, agents, servers) on every chosen cluster at once; no other command runs over HTTP',
      body: {
        type: 'object',
        properties: {
          command: { type: 'string', enum: Object.keys(BUILTINS) },
          controller: { type: 'string', minLength: 1, maxLength: 200 },
          deployment: { type: 'integer', minimum: 1, maximum: 2147483647 },
          timeout: { type: 'integer', minimum: 1, maximum: 600, description: 'Seconds per cluster (default [ops] timeout)' },
        },
        required: ['command'],
        additionalProperties: false,
      },
      response: { 200: jsonResponse(runSchema, 'Each cluster: its state and its table'), ...errorResponses(403, 501) },
    },
    handler: async (req: FastifyRequest<{ Body: { command: Builtin; controller?: string; deployment?: number; timeout?: number } }>, reply: FastifyReply) => {
      const scope = clusterScope(req.principal!);
      if (!opts.probe) return sendProblem(reply, 501, 'this XOS server has no cluster backend wired in');
      let deployments = scope.deployments;
      const b = req.body;
      if (b.deployment !== undefined) deployments = deployments ? deployments.filter((d) => d === b.deployment) : [b.deployment];
      if (b.controller && !(await store.clusters.clusters({ deployments, names: [b.controller] })).length)
        throw new ValidationError([{ field: 'controller', message: `no controller named "${b.controller}" that you may see` }]);
      const results = await fanOut(store, opts.probe, b.command, { deployments, names: b.controller ? [b.controller] : undefined, timeoutMs: (b.timeout ?? config.ops.timeout) * 1000 });
      return { command: b.command, results };
    },
  });

  app.get('/api/ops/backlog', {
    schema: {
      tags: ['Operations'],
      summary: "The synchronizer's backlog per model: objects pending, the oldest pending, objects in error (administrators)",
      response: { 200: jsonResponse(backlogSchema, 'Per model: pending, oldest pending, in error'), ...errorResponses(403) },
    },
    handler: async (req: FastifyRequest) => {
      if (!req.principal!.isAdmin) throw new ForbiddenError("only administrators may read the synchronizer's backlog");
      return { items: await store.clusters.backlog(), time: new Date().toISOString() };
    },
  });

  app.get('/api/ops/doctor', {
    schema: {
      tags: ['Operations'],
      summary: 'Run every check of the doctor and report every finding: code, severity, cluster, object, symptom, cause, remedy, evidence',
      description:
        'Reads the clusters afresh (unless cached=true), then checks them, and XOS itself for administrators. ' +
        'exit_code is 0 when nothing is wrong, 1 with warnings, 2 with a critical finding.',
      querystring: {
        type: 'object',
        properties: {
          controller: { type: 'string', minLength: 1, maxLength: 200, description: 'Only the controller of this name' },
          cached: { type: 'boolean', default: false, description: "Use the collectors' last reading instead of reading the clusters now" },
        },
        additionalProperties: false,
      },
      response: { 200: jsonResponse(doctorSchema, 'Every finding, worst first'), ...errorResponses(403) },
    },
    handler: async (req: FastifyRequest<{ Querystring: { controller?: string; cached?: boolean } }>) => {
      const p = req.principal!;
      const scope = clusterScope(p);
      if (req.query.controller && !(await store.clusters.clusters({ ...scope, names: [req.query.controller] })).length)
        throw new ValidationError([{ field: 'controller', message: `no controller named "${req.query.controller}" that you may see` }]);
      return runDoctor(store, {
        ...scope,
        controller: req.query.controller,
        probe: req.query.cached ? undefined : opts.probe,
        timeoutMs: config.ops.timeout * 1000,
        intervalS: config.ops.interval,
        xos: p.isAdmin && !req.query.controller,
      });
    },
  });
}
