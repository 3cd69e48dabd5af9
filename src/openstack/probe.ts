// The operator tools' view of an OpenStack cluster (ops/cluster-probe.ts): Nova's os-services,
// Neutron's agents, hypervisors and Placement's inventories and usages, servers of all projects,
// the shared and external networks, and one cheap call per service API to time it. One client
// per controller is kept (and its token with it) so that a poll costs the reads, not a login.
import { AsyncLocalStorage } from 'node:async_hooks';
import { collect, OpenStackError, type OpenStackClient } from './client/index.js';
import { clientFor, type ConnectOptions, type ControllerAccess } from './connect.js';
import { SyncError } from '../sync/types.js';
import type { Row } from '../model/types.js';
import {
  ProbeError,
  type ClusterProbe,
  type CollectorData,
  type CollectorName,
  type FailureKind,
  type ProbeFailure,
  type ProviderInfo,
  type ServerFault,
} from '../ops/cluster-probe.js';

const SERVICE_NAMES: Record<string, string> = { identity: 'Keystone', compute: 'Nova', network: 'Neutron', image: 'Glance', placement: 'Placement' };
const TLS = /CERT|certificate|SSL|TLS|self.signed/i;

export function classify(e: unknown): ProbeFailure {
  if (e instanceof ProbeError) return e.failure;
  if (e instanceof SyncError) return { kind: 'configuration', message: e.message, service: null, url: null };
  if (!(e instanceof OpenStackError)) return { kind: 'other', message: (e as Error).message, service: null, url: null };
  const svc = SERVICE_NAMES[e.service] ?? e.service;
  const at = (kind: FailureKind, message: string): ProbeFailure => ({ kind, message, service: e.service, url: e.url });
  switch (e.code) {
    case 'auth_failed':
    case 'unauthorized_after_reauth':
      if (e.status === 0) return at(TLS.test(e.message) ? 'tls' : 'keystone_unreachable', `cannot reach Keystone at ${e.url}: ${e.message.replace(/^.*?: /, '')}`);
      return at('auth_refused', `Keystone refused the controller's admin credentials${e.serverMessage ? `: ${e.serverMessage}` : ''}`);
    case 'network':
      if (TLS.test(e.message)) return at('tls', `TLS failure talking to ${svc} at ${e.url}: ${e.message.replace(/^.*?: /, '')}`);
      if (e.service === 'identity') return at('keystone_unreachable', `cannot reach Keystone at ${e.url}: ${e.message.replace(/^.*?: /, '')}`);
      return at('endpoint_unreachable', `Keystone answered, but ${svc}'s catalog endpoint ${e.url} does not: ${e.message.replace(/^.*?: /, '')}`);
    case 'timeout':
    case 'aborted':
      return at(e.service === 'identity' ? 'keystone_unreachable' : 'timeout', `${svc} did not answer in time (${e.url})`);
    case 'endpoint_not_found':
      return at('endpoint_missing', `the cluster's catalog has no ${svc} endpoint${e.serverMessage ? `: ${e.serverMessage}` : ''}`);
    default:
      return at('api_error', e.message);
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function openstackProbe(secret: (stored: unknown) => string | null, opts: ConnectOptions = {}): ClusterProbe {
  const meter = new AsyncLocalStorage<{ requests: number }>();
  const clients = new Map<number, { version: number; client: OpenStackClient }>();
  const connect: ConnectOptions = {
    ...opts,
    onRequest: (ev) => {
      const m = meter.getStore();
      if (m) m.requests++;
      opts.onRequest?.(ev);
    },
  };
  const cache = {
    get: <T>(key: string) => {
      const id = Number(key.split(':')[2]);
      return clients.get(id) as T | undefined;
    },
    set: (key: string, v: unknown) => void clients.set(Number(key.split(':')[2]), v as { version: number; client: OpenStackClient }),
    delete: (key: string) => void clients.delete(Number(key.split(':')[2])),
  };

  const readers: { [K in CollectorName]: (c: OpenStackClient, signal: AbortSignal) => Promise<CollectorData[K]> } = {
    services: async (c, signal) =>
      (await c.compute.listServices({}, { signal })).map((s) => ({
        id: String(s.id),
        binary: s.binary,
        host: s.host,
        zone: s.zone ?? null,
        status: s.status,
        state: s.state,
        disabled_reason: s.disabled_reason ?? null,
        forced_down: Boolean(s.forced_down),
        updated_at: s.updated_at ? toIso(s.updated_at) : null,
      })),
    agents: async (c, signal) =>
      (await collect(c.network.agents.list({}, { signal }))).map((a) => ({
        id: a.id,
        agent_type: a.agent_type,
        binary: a.binary,
        host: a.host,
        zone: a.availability_zone ?? null,
        alive: a.alive,
        admin_state_up: a.admin_state_up,
        heartbeat_at: a.heartbeat_timestamp ? toIso(a.heartbeat_timestamp) : null,
      })),
    capacity: async (c, signal) => {
      const [hypervisors, rps] = await Promise.all([c.compute.listHypervisors({ signal }), c.placement.listResourceProviders({}, { signal })]);
      const providers = await Promise.all(
        rps.map(async (rp): Promise<ProviderInfo> => {
          const [inv, use] = await Promise.all([c.placement.getInventories(rp.uuid, { signal }), c.placement.getUsages(rp.uuid, { signal })]);
          const resources: ProviderInfo['resources'] = {};
          for (const [rc, i] of Object.entries(inv.inventories))
            resources[rc] = { total: i.total, reserved: i.reserved, used: use.usages[rc] ?? 0, allocation_ratio: i.allocation_ratio };
          return { uuid: rp.uuid, name: rp.name, resources };
        }),
      );
      return {
        hypervisors: hypervisors.map((h) => ({
          name: h.hypervisor_hostname,
          type: h.hypervisor_type ?? null,
          state: h.state,
          status: h.status,
          running_vms: num(h.running_vms),
          vcpus: num(h.vcpus),
          vcpus_used: num(h.vcpus_used),
          memory_mb: num(h.memory_mb),
          memory_mb_used: num(h.memory_mb_used),
          local_gb: num(h.local_gb),
          local_gb_used: num(h.local_gb_used),
        })),
        providers,
      };
    },
    servers: async (c, signal) => {
      const by_status: Record<string, number> = {};
      const errors: ServerFault[] = [];
      const building: ServerFault[] = [];
      let total = 0;
      for await (const s of c.compute.servers.list({ all_tenants: true }, { signal, limit: 1000 })) {
        total++;
        by_status[s.status] = (by_status[s.status] ?? 0) + 1;
        const x = s as typeof s & Record<string, unknown>;
        const fault: ServerFault = {
          id: s.id,
          name: s.name,
          status: s.status,
          host: (x['OS-EXT-SRV-ATTR:host'] as string | undefined) ?? null,
          fault: s.fault?.message ?? null,
          xos_id: s.metadata?.['xos-id'] ?? null,
          since: s.status === 'BUILD' ? (s.created ?? null) : (s.updated ?? null),
        };
        if (s.status === 'ERROR' && errors.length < 200) errors.push(fault);
        if (s.status === 'BUILD' && building.length < 200) building.push(fault);
      }
      // Lists may leave the fault out: the few servers in ERROR are read one by one for it.
      await Promise.all(
        errors.filter((f) => !f.fault).slice(0, 20).map(async (f) => {
          f.fault = (await c.compute.servers.get(f.id, { signal }).catch(() => null))?.fault?.message ?? null;
        }),
      );
      return { total, by_status, errors, building };
    },
    networks: async (c, signal) => {
      const [shared, external] = await Promise.all([
        collect(c.network.networks.list({ shared: true, fields: 'name' }, { signal })),
        collect(c.network.networks.list({ 'router:external': true, fields: 'name' }, { signal })),
      ]);
      return { shared: shared.map((n) => n.name), external: external.map((n) => n.name) };
    },
    latency: async (c, signal) => {
      await c.authenticate(); // the timings below are of the service, not of a login
      const failures: ProbeFailure[] = [];
      const time = async (service: string, f: () => Promise<unknown>) => {
        const t0 = performance.now();
        try {
          await f();
          return { service, ms: Math.round(performance.now() - t0), ok: true, error: null };
        } catch (e) {
          const failure = classify(e);
          failures.push(failure);
          return { service, ms: null, ok: false, error: failure.message };
        }
      };
      const limit1 = (type: string, path: string, version?: string) => () =>
        c.session.request({ type, ...(version ? { version } : {}) }, { path, query: { limit: 1 }, signal });
      const all = await Promise.all([
        time('identity', limit1('identity', 'domains', 'v3')),
        time('compute', limit1('compute', 'flavors/detail')),
        time('network', limit1('network', 'networks', 'v2.0')),
        time('image', limit1('image', 'images', 'v2')),
        time('placement', () => c.placement.listResourceProviders({ name: 'xos-latency-probe' }, { signal })),
      ]);
      // Nothing answered: the cluster is unreachable, not slow.
      if (!all.some((l) => l.ok)) throw new ProbeError({ ...failures[0], message: `no service API answered: ${failures[0].message}` });
      return all;
    },
  };

  return {
    async collect(controller: Row, which, o) {
      const m = { requests: 0 };
      // A collection ends all it started: when one of two lists read side by side fails, the
      // other (and any retry it waits to send) stops, and reaches the cluster no more.
      const ended = new AbortController();
      const signal = AbortSignal.any([o.signal, ended.signal]);
      return meter.run(m, async () => {
        try {
          const client = clientFor(controller as unknown as ControllerAccess, { secret, cache }, { ...connect, timeoutMs: o.timeoutMs });
          const data = await readers[which](client, signal);
          return { data, requests: m.requests };
        } catch (e) {
          throw new ProbeError(classify(e), m.requests);
        } finally {
          ended.abort();
        }
      });
    },
    forget(id: number) {
      clients.delete(id);
    },
  };
}

// Nova prints "2026-12-05T06:40:02.000000" (UTC, no zone); Neutron "2026-12-05 06:40:02".
function toIso(t: string): string {
  const s = t.replace(' ', 'T');
  return /[zZ]|[+-]\d\d:?\d\d$/.test(s) ? new Date(s).toISOString() : new Date(`${s}Z`).toISOString();
}
