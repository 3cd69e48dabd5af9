// POST /api/core/controllers/:id/import: import a cluster's compute hosts as Nodes, and its
// flavors and public images (src/ops/import-controller.ts). Root administrators and the admins of
// the controller's deployment may run it; only root administrators add to the global flavors and
// images (a deployment admin's import reports those as skipped). The cluster inventory is
// injected by the composition root (xos serve wires the OpenStack one).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { model } from '../model/registry.js';
import { ForbiddenError } from '../model/errors.js';
import { readScope } from '../auth/rules.js';
import type { Store } from '../store/repository.js';
import { ClusterError, type ClusterInventory } from '../ops/inventory.js';
import { importController } from '../ops/import-controller.js';
import { always, errorResponses, jsonResponse } from './contract.js';
import { sendProblem } from './problem.js';

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } }, required: ['id'] };
const results = ['created', 'existing', 'conflict', 'skipped'];

const summarySchema = always({
  controller: always({ id: { type: 'integer' }, name: { type: 'string' }, deployment: { type: 'integer' } }),
  site_deployment: { type: 'integer', description: 'The SiteDeployment the imported Nodes belong to' },
  items: {
    type: 'array',
    items: always({
      kind: { type: 'string', enum: ['SiteDeployment', 'Node', 'Flavor', 'Image', 'ImageDeployment'] },
      name: { type: 'string' },
      result: { type: 'string', enum: results },
      id: { type: ['integer', 'null'] },
      detail: { type: ['string', 'null'] },
    }),
  },
  counts: always(Object.fromEntries(results.map((r) => [r, { type: 'integer' }]))),
});

export async function controllerRoutes(app: FastifyInstance, opts: { store: Store; inventory?: ClusterInventory }) {
  const { store, inventory } = opts;
  const Controller = model('Controller');

  app.post('/api/core/controllers/:id/import', {
    schema: {
      tags: ['Infrastructure'],
      summary: "Import a controller's compute hosts, flavors and public images",
      description:
        'Creates what is missing: a SiteDeployment binding the controller (to `site`, or the first site) unless one exists, ' +
        'a Node per compute host, a Flavor per public flavor and an Image per public image, enabled in the deployment. ' +
        'Existing rows are never changed; a same-named one that differs is reported as a conflict. Running it again creates nothing. ' +
        'Root administrators and admins of the controller\'s deployment only; only root administrators add flavors and images. ' +
        '502 when the cluster cannot be reached or read; 501 when this server has no cluster backend.',
      params: idParams,
      body: {
        type: 'object',
        properties: { site: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'Site for a new SiteDeployment' } },
        additionalProperties: false,
      },
      response: { 200: jsonResponse(summarySchema, 'What was created, found, skipped or in conflict'), ...errorResponses(403, 404, 409, 501, 502) },
    },
    // A POST without a body means the defaults.
    preValidation: async (req) => {
      req.body ??= {};
    },
    handler: async (req: FastifyRequest<{ Params: { id: number }; Body: { site?: number } | undefined }>, reply: FastifyReply) => {
      const p = req.principal!;
      // Those who may never import are refused before the controller is looked up (403, not 404).
      if (p.readOnly) throw new ForbiddenError(`${p.email} is a read-only user`);
      if (!p.isAdmin && !p.deploymentAdmin.size)
        throw new ForbiddenError("only administrators and admins of the controller's deployment may import a controller");
      const c = await store.get(Controller, req.params.id, readScope(Controller, p)); // 404 when not visible
      if (!p.isAdmin && !p.deploymentAdmin.has(Number(c.deployment)))
        throw new ForbiddenError(`only administrators and admins of deployment ${c.deployment} may import controller ${c.name}`);
      if (!inventory)
        return sendProblem(reply, 501, 'this XOS server has no cluster backend wired in, so it cannot read a controller\'s inventory');
      try {
        return await importController(store, Number(c.id), inventory, { site: req.body?.site, actor: p, addToCatalog: p.isAdmin });
      } catch (e) {
        if (e instanceof ClusterError) return sendProblem(reply, 502, e.message);
        throw e;
      }
    },
  });
}
