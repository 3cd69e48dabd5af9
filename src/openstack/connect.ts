// One OpenStack client per controller, built from its row (credentials decrypted only here) and
// rebuilt when the row changes.
import { OpenStackClient, type EndpointRewriteRule, type RequestEvent } from './client/index.js';
import type { Rows } from '../model/rows.js';
import { SyncError, type SyncContext } from '../sync/types.js';

const cache = new Map<number, { version: number; client: OpenStackClient }>();

export interface ConnectOptions {
  caFile?: string; // [nova] ca_ssl_cert: trusted for every controller
  timeoutMs?: number;
  onRequest?: (e: RequestEvent) => void; // after every OpenStack HTTP attempt (metrics, tests)
}

// What a client is made from: the controller's endpoint, account and row version.
export type ControllerAccess = Pick<
  Rows['Controller'],
  'id' | 'version' | 'name' | 'auth_url' | 'admin_user' | 'admin_password' | 'admin_tenant' | 'domain' | 'region' | 'ca_bundle' | 'endpoint_rewrite'
>;

// Of the synchronizer's context it needs only secret() (the inventory of an import has no more).
export function clientFor(controller: ControllerAccess, ctx: Pick<SyncContext, 'secret'>, opts: ConnectOptions = {}, scope?: { projectId: string }): OpenStackClient {
  const id = controller.id;
  const key = scope ? undefined : cache.get(id);
  if (key && key.version === controller.version) return key.client;
  const password = ctx.secret(controller.admin_password);
  // Cleared when the controller's endpoint or account changed: it is never sent to a new address
  // until someone who knows it gives it again.
  if (!password)
    throw new SyncError(`controller ${controller.name} has no admin password (it is cleared when the endpoint or account changes); set admin_password`, 'configuration', null, true);
  const rules = (Array.isArray(controller.endpoint_rewrite) ? controller.endpoint_rewrite : []) as EndpointRewriteRule[];
  const client = new OpenStackClient({
    authUrl: controller.auth_url,
    credentials: {
      type: 'password',
      username: controller.admin_user,
      password,
      userDomainName: controller.domain ?? 'Default',
      ...(scope
        ? { projectId: scope.projectId }
        : { projectName: controller.admin_tenant ?? 'admin', projectDomainName: controller.domain ?? 'Default' }),
    },
    region: controller.region || undefined,
    caBundle: controller.ca_bundle || undefined,
    endpointRewrites: rules,
    timeoutMs: opts.timeoutMs ?? 30_000,
    onRequest: opts.onRequest,
    userAgent: 'xos-synchronizer',
  });
  if (!scope) cache.set(id, { version: controller.version, client });
  return client;
}

// Clients scoped to a slice's project (servers and networks are created in it).
const scoped = new Map<string, { version: number; client: OpenStackClient }>();
export function projectClient(controller: ControllerAccess, projectId: string, ctx: Pick<SyncContext, 'secret'>, opts: ConnectOptions = {}): OpenStackClient {
  const k = `${controller.id}:${projectId}`;
  const hit = scoped.get(k);
  if (hit && hit.version === controller.version) return hit.client;
  const client = clientFor(controller, ctx, opts, { projectId });
  scoped.set(k, { version: controller.version, client });
  return client;
}
