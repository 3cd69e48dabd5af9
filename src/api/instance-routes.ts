// What people do with an instance besides editing it: reboot it (POST .../reboot, counted on the
// row and carried out once by the synchronizer), open its console (GET .../console: a noVNC URL
// from its cluster) and read its console log (GET .../console-log?lines=N). Whoever may change the
// instance may reboot it; whoever may read it may see its console and log. The cluster access is
// injected by the composition root (xos serve wires the OpenStack one).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { model } from '../model/registry.js';
import { ConflictError, ForbiddenError } from '../model/errors.js';
import type { Row } from '../model/types.js';
import { authorizeWrite, canReadModel, readScope } from '../auth/rules.js';
import type { Principal } from '../auth/principal.js';
import type { Store } from '../store/repository.js';
import { controllerForInstance } from '../sync/placement.js';
import type { SyncContext } from '../sync/types.js';
import type { Rows } from '../model/rows.js';
import { ClusterError } from '../ops/inventory.js';
import type { InstanceConsoles } from '../ops/instance-console.js';
import { always, errorResponses, jsonResponse } from './contract.js';
import { sendProblem } from './problem.js';
import { modelSchema } from './model-schemas.js';

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } }, required: ['id'] };
const MAX_LINES = 10000;

export async function instanceRoutes(app: FastifyInstance, opts: { store: Store; consoles?: InstanceConsoles }) {
  const { store, consoles } = opts;
  const Instance = model('Instance');
  const base = '/api/core/instances/:id';
  const tags = [Instance.nav ?? 'Compute'];
  const who = (req: FastifyRequest): Principal => {
    const p = req.principal!;
    if (!canReadModel(Instance, p)) throw new ForbiddenError('only administrators may see instances');
    return p;
  };
  // The placement lookups of the synchronizer, over the store's live rows.
  const lookups = {
    get: async (name: string, id: number) => (await store.find(model(name), { id }))[0] ?? null,
    find: (name: string, where: Row) => store.find(model(name), where),
  } as unknown as SyncContext;

  // The instance as its caller may read it, its server id and its controller's stored row.
  const server = async (req: FastifyRequest<{ Params: { id: number } }>) => {
    const inst = await store.get(Instance, req.params.id, readScope(Instance, who(req)));
    const label = `instance ${inst.name ?? inst.instance_name ?? inst.id}`;
    if (!inst.instance_uuid) throw new ConflictError(`${label} has no server yet (${inst.backend_status})`);
    const controller = await controllerForInstance(inst as unknown as Rows['Instance'], lookups);
    if (!controller) throw new ConflictError(`${label} has no controller in deployment ${inst.deployment}`);
    return { serverId: String(inst.instance_uuid), controller: controller as unknown as Row };
  };
  const withCluster = async <T>(reply: FastifyReply, f: (c: InstanceConsoles) => Promise<T>) => {
    if (!consoles) return sendProblem(reply, 501, 'this XOS server has no cluster backend wired in, so it cannot reach an instance\'s console');
    try {
      return await f(consoles);
    } catch (e) {
      if (e instanceof ClusterError) return sendProblem(reply, 502, e.message);
      throw e;
    }
  };

  app.post(`${base}/reboot`, {
    config: { model: Instance },
    schema: {
      tags,
      summary: 'Reboot an instance',
      description:
        'Asks for one reboot (soft: the guest is asked to restart; hard: the server is reset). It is counted on the instance ' +
        '(reboot_requests, reboot_type) and the synchronizer carries it out once, recording reboots_done and last_reboot. ' +
        '409 when the instance is powered off.',
      params: idParams,
      body: {
        type: 'object',
        properties: { type: { type: 'string', enum: ['soft', 'hard'], default: 'soft', description: 'soft (default) or hard' } },
        additionalProperties: false,
      },
      response: { 200: jsonResponse(modelSchema.row(Instance), 'The instance, with the reboot counted'), ...errorResponses(403, 404, 409) },
    },
    preValidation: async (req) => {
      req.body ??= {};
    },
    handler: async (req: FastifyRequest<{ Params: { id: number }; Body: { type?: 'soft' | 'hard' } | undefined }>) => {
      const p = who(req);
      const row = await store.requests.reboot(req.params.id, req.body?.type ?? 'soft', p, {
        scope: readScope(Instance, p),
        authorize: authorizeWrite(Instance, p, 'update'),
      });
      return store.present(Instance, row);
    },
  });

  app.get(`${base}/console`, {
    config: { model: Instance },
    schema: {
      tags,
      summary: "An instance's browser console (noVNC URL)",
      description: "The URL of a noVNC console of the instance's server, from its cluster's remote-console API. 409 when the server has none yet or cannot show one in its state; 502 when the cluster cannot be reached.",
      params: idParams,
      response: {
        200: jsonResponse(always({ url: { type: 'string' }, type: { type: 'string' }, protocol: { type: 'string' } }), 'The console URL'),
        ...errorResponses(403, 404, 409, 501, 502),
      },
    },
    handler: async (req: FastifyRequest<{ Params: { id: number } }>, reply: FastifyReply) => {
      const { serverId, controller } = await server(req);
      return withCluster(reply, (c) => c.consoleUrl(controller, serverId));
    },
  });

  app.get(`${base}/console-log`, {
    config: { model: Instance },
    schema: {
      tags,
      summary: "An instance's console log",
      description: `The last lines of the console output of the instance's server (all of it without lines; at most ${MAX_LINES}).`,
      params: idParams,
      querystring: {
        type: 'object',
        properties: { lines: { type: 'integer', minimum: 1, maximum: MAX_LINES, description: 'How many of the last lines' } },
        additionalProperties: false,
      },
      response: {
        200: jsonResponse(always({ output: { type: 'string' }, lines: { type: 'integer' } }), 'The last lines of the console output'),
        ...errorResponses(403, 404, 409, 501, 502),
      },
    },
    handler: async (req: FastifyRequest<{ Params: { id: number }; Querystring: { lines?: number } }>, reply: FastifyReply) => {
      const { serverId, controller } = await server(req);
      return withCluster(reply, async (c) => {
        const output = await c.consoleLog(controller, serverId, req.query.lines);
        return { output, lines: output ? output.split('\n').length : 0 };
      });
    },
  });
}
