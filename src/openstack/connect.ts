// One OpenStack client per controller (and per slice project), built from its row (credentials
// decrypted only here), kept in the engine's cache and rebuilt when the row changes.
import fs from 'node:fs';
import { OpenStackClient, type EndpointRewriteRule, type RequestEvent } from './client/index.js';
import type { Rows } from '../model/rows.js';
import { SyncError, type SyncContext } from '../sync/types.js';

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

// What a client needs of the synchronizer's context: secret() always; the cache and the signal when
// there are (an import's inventory has neither, and makes a client per call).
type ClientContext = Pick<SyncContext, 'secret'> & Partial<Pick<SyncContext, 'cache' | 'signal'>>;

// The CA bundle a controller's endpoints are checked against: its own, and [nova] ca_ssl_cert.
export function caBundleOf(controller: ControllerAccess, caFile: string | undefined): string | undefined {
  const shared = caFile ? readCaFile(caFile) : '';
  const bundle = [controller.ca_bundle ?? '', shared].filter((b) => b.trim()).join('\n');
  return bundle || undefined;
}

function readCaFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SyncError(`[nova] ca_ssl_cert: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'configuration');
  }
}

export function clientFor(controller: ControllerAccess, ctx: ClientContext, opts: ConnectOptions = {}, scope?: { projectId: string }): OpenStackClient {
  const key = `openstack:client:${controller.id}${scope ? `:${scope.projectId}` : ''}`;
  const hit = ctx.cache?.get<{ version: number; client: OpenStackClient }>(key);
  if (hit && hit.version === controller.version) return hit.client;
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
    caBundle: caBundleOf(controller, opts.caFile),
    endpointRewrites: rules,
    timeoutMs: opts.timeoutMs ?? 30_000,
    onRequest: opts.onRequest,
    userAgent: 'xos-synchronizer',
    signal: ctx.signal,
  });
  ctx.cache?.set(key, { version: controller.version, client });
  return client;
}

// A client scoped to a slice's project (servers and networks are created in it).
export const projectClient = (controller: ControllerAccess, projectId: string, ctx: ClientContext, opts: ConnectOptions = {}): OpenStackClient =>
  clientFor(controller, ctx, opts, { projectId });
