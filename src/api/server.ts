// The HTTP server: each route family is an encapsulated plugin with schemas on every route.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { docsUiOptions } from './docs-ui.js';
import { Ajv } from 'ajv';
import { addXosFormats } from '../model/jsonschema.js';
import type { Store } from '../store/repository.js';
import type { XosConfig } from '../config/schema.js';
import { authn } from './authn.js';
import { registerProblemHandlers } from './problem.js';
import { rejectNul } from './nul-guard.js';
import { crudRoutes } from './crud.js';
import { documentCommonErrors, jsonResponse, markHeadersRequired, nameComponents, problemSchema, refResolver } from './contract.js';
import { authRoutes } from './auth-routes.js';
import { metaRoutes } from './meta-routes.js';
import { eventRoutes } from './events.js';
import { statsRoutes, type CapacityProvider } from './stats-routes.js';
import { retryRoutes } from './retry-routes.js';
import { uiRoutes } from './ui-routes.js';
import { controllerRoutes } from './controller-routes.js';
import { opsRoutes } from './ops-routes.js';
import { opsRunRoutes } from './ops-run-routes.js';
import type { ClusterRunAccess } from '../ops/run-credentials.js';
import { metricsRoutes } from './metrics-routes.js';
import { XosMetrics } from '../ops/metrics.js';
import { instanceRoutes } from './instance-routes.js';
import type { InstanceConsoles } from '../ops/instance-console.js';
import { sliceUsageRoutes } from './slice-usage-routes.js';
import type { ProjectQuotas } from '../ops/slice-usage.js';
import type { ClusterInventory } from '../ops/inventory.js';
import type { ClusterProbe } from '../ops/cluster-probe.js';
import { VERSION } from '../version.js';
import { GuessLimit } from '../auth/guess-limit.js';
import { trustedProxies } from './trusted-proxies.js';

export interface ServerOptions {
  store: Store;
  config: XosConfig;
  logger?: boolean;
  logStream?: { write(line: string): void }; // where the log goes (default stdout), for tests that read it
  uiDistDir?: string; // the built web UI (default ui/dist)
  capacity?: CapacityProvider; // cluster capacity for the dashboard, from the operator tools
  inventory?: ClusterInventory; // reads a cluster for POST /api/core/controllers/:id/import (501 without)
  probe?: ClusterProbe; // reads a cluster's health for the operator tools (the doctor reads afresh with it)
  metrics?: XosMetrics; // shared with the synchronizer of the same process (its reconcile durations)
  eventsRecheckMs?: number; // how often an open event stream checks its credentials (tests shorten it)
  consoles?: InstanceConsoles; // reaches instance consoles and logs on their clusters (501 without)
  quotas?: ProjectQuotas; // reads a slice's project quotas on its clusters (shown as failing without)
  runAccess?: ClusterRunAccess; // hands administrators per-cluster tokens for `xos cluster run -- ...` (501 without)
}

export async function buildServer({ store, config, logger = true, logStream, uiDistDir, capacity, inventory, probe, metrics, eventsRecheckMs, consoles, quotas, runAccess }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ? { level: config.api.log_level, ...(logStream ? { stream: logStream } : {}) } : false,
    // One line per request is nginx's job in production; ask for it with log_level = debug.
    logController: new LogController({ disableRequestLogging: !['debug', 'trace'].includes(config.api.log_level) }),
    bodyLimit: config.api.body_limit,
    // X-Forwarded-For is believed only from the proxies named, so that a client cannot choose
    // the address the login limits count against.
    trustProxy: trustedProxies(config.api.trusted_proxies) ?? config.api.trust_proxy,
    ajv: {
      // Unknown fields are errors, not silently dropped; query strings are coerced, bodies too
      // for scalar types only ("5" for 5), and every problem is reported at once.
      customOptions: { removeAdditional: false, allErrors: true, coerceTypes: true, useDefaults: true, strict: false },
      plugins: [(ajv: Ajv) => addXosFormats(ajv)],
    },
  });
  documentCommonErrors(app); // first, so that it sees every route
  registerProblemHandlers(app);
  rejectNul(app); // before the routes, so that it covers all of them
  app.addSchema(problemSchema); // shared by every route family's error responses
  app.removeContentTypeParser('text/plain'); // the API speaks JSON only: anything else is a 415
  await app.register(cookie);
  await app.register(swagger, {
    refResolver,
    transformObject: (d) => nameComponents(markHeadersRequired('openapiObject' in d ? d.openapiObject : d.swaggerObject)),
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'XOS API',
        version: VERSION,
        description:
          'The control plane of a multi-site cloud. Authenticate with HTTP Basic (email and password), ' +
          'a bearer token from /api/auth/login or /api/auth/tokens, or the session cookie (writes need X-CSRF-Token).',
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'xos_session' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, docsUiOptions(config.gui.branding_name));
  // One budget of wrong passwords for HTTP Basic and the login form alike.
  const guesses = new GuessLimit({ max: config.api.login_attempts_per_minute, windowMs: 60_000 });
  await app.register(authn, { store, guesses });
  await app.register(metricsRoutes, { store, config, metrics: metrics ?? new XosMetrics() });
  await app.register(metaRoutes, { store, version: VERSION });
  await app.register(authRoutes, {
    store,
    sessionHours: config.api.session_hours,
    loginPerMinute: config.api.login_attempts_per_minute,
    guesses,
  });
  await app.register(crudRoutes, { store, publicUrl: config.api.public_url });
  await app.register(eventRoutes, { store, recheckMs: eventsRecheckMs });
  await app.register(retryRoutes, { store });
  await app.register(controllerRoutes, { store, inventory });
  await app.register(instanceRoutes, { store, consoles });
  await app.register(sliceUsageRoutes, { store, quotas });
  await app.register(statsRoutes, { store, config, capacity });
  await app.register(opsRoutes, { store, config, probe });
  await app.register(opsRunRoutes, { store, config, access: runAccess });
  app.get(
    '/api/openapi.json',
    {
      config: { public: true },
      schema: {
        tags: ['Meta'],
        summary: 'This document: the contract of the API (OpenAPI 3.1)',
        response: { 200: jsonResponse({ type: 'object', additionalProperties: true }, 'The OpenAPI document') },
      },
    },
    async () => app.swagger(),
  );
  await app.register(uiRoutes, { config, distDir: uiDistDir }); // the web UI at / (last: its catch-all yields to every route above)
  return app;
}
