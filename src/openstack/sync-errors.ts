// OpenStack failures in words an operator can act on, classified for the engine: transient
// (retry with backoff), configuration (retry, but someone must fix something) or unrecoverable.
import { OpenStackError } from './client/index.js';
import { SyncError } from '../sync/types.js';

// Faults a cluster reports in its own words, and what they mean to an operator.
const knownFaults: [RegExp, (service: string) => string][] = [
  [/DiscoveryFailure|keystoneauth1\.exceptions\.(connection|discovery)|Unable to establish connection to .*(:5000|identity)/i, (svc) => `${svc} cannot reach the cluster's Keystone`],
  [/AMQP server .* is unreachable|MessagingTimeout|Timed out waiting for a reply/i, (svc) => `${svc} cannot reach its message queue (RabbitMQ)`],
  [/Quota exceeded for (\w+)/i, () => 'the project quota is exhausted'],
];

function friendly(service: string, serverMessage: string | undefined): string | null {
  if (!serverMessage) return null;
  const svc = { compute: 'Nova', network: 'Neutron', image: 'Glance', identity: 'Keystone', placement: 'Placement' }[service] ?? service;
  for (const [re, say] of knownFaults) if (re.test(serverMessage)) return say(svc);
  if (/Unexpected API Error/i.test(serverMessage)) return `${svc} failed with an internal error (see its log)`;
  return null;
}

export function toSyncError(e: unknown, what: string): SyncError {
  if (e instanceof SyncError) return e;
  if (!(e instanceof OpenStackError)) return new SyncError(`${what}: ${(e as Error).message}`, 'transient');
  const rid = e.requestId ?? null;
  const known = friendly(e.service, e.serverMessage);
  if (known) return new SyncError(`${what}: ${known}`, e.status >= 500 || e.status === 0 ? 'transient' : 'configuration', rid);
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
