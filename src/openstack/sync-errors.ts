// OpenStack failures in words an operator can act on, classified for the engine: transient
// (retry with backoff), configuration (retry, but someone must fix something) or unrecoverable.
import { OpenStackError } from './client/index.js';
import { SyncError } from '../sync/types.js';

export function toSyncError(e: unknown, what: string): SyncError {
  if (e instanceof SyncError) return e;
  if (!(e instanceof OpenStackError)) return new SyncError(`${what}: ${(e as Error).message}`, 'transient');
  const rid = e.requestId ?? null;
  const server = e.serverMessage ? `: ${e.serverMessage}` : '';
  switch (e.code) {
    case 'auth_failed':
    case 'unauthorized_after_reauth':
      return new SyncError(`${what}: Keystone refused the controller's admin credentials${server}`, 'configuration', rid);
    case 'timeout':
      return new SyncError(`${what}: ${e.service} did not answer in time`, 'transient', rid);
    case 'network':
      return new SyncError(`${what}: cannot reach ${e.service} (${e.message.replace(/^.*?: /, '')})`, 'transient', rid);
    case 'endpoint_not_found':
      return new SyncError(`${what}: the cluster's catalog has no ${e.service} endpoint${server}`, 'configuration', rid);
    case 'unsupported_version':
      return new SyncError(`${what}: ${e.message}`, 'configuration', rid);
    default:
      if (e.status === 403) return new SyncError(`${what}: ${e.service} refused the request (403)${server}`, 'configuration', rid);
      if (e.status === 409) return new SyncError(`${what}: ${e.service} reports a conflict${server}`, 'transient', rid);
      if (e.status === 413 || e.status === 400)
        return new SyncError(`${what}: ${e.service} rejected the request${server}`, 'unrecoverable', rid, e.status === 400);
      return new SyncError(`${what}: ${e.message}`, 'transient', rid);
  }
}
