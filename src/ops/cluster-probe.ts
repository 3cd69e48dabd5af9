// What the operator tools read from a cluster, in backend-neutral shapes: compute services with
// their heartbeats, network agents, hypervisors and their Placement inventories, servers by status,
// the shared and external networks, and how fast each service API answers. A backend
// (src/openstack/probe.ts) implements ClusterProbe; the collectors, the doctor, the checks and the
// metrics use only these shapes.
import type { Row } from '../model/types.js';

export const COLLECTORS = ['services', 'agents', 'capacity', 'servers', 'networks', 'latency'] as const;
export type CollectorName = (typeof COLLECTORS)[number];

export interface ComputeServiceInfo {
  id: string;
  binary: string;
  host: string;
  zone: string | null;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  disabled_reason: string | null;
  forced_down: boolean;
  updated_at: string | null; // the last heartbeat the cluster recorded
}

export interface AgentInfo {
  id: string;
  agent_type: string;
  binary: string;
  host: string;
  zone: string | null;
  alive: boolean;
  admin_state_up: boolean;
  heartbeat_at: string | null;
}

export interface HypervisorInfo {
  name: string;
  type: string | null;
  state: string;
  status: string;
  running_vms: number | null;
  vcpus: number | null;
  vcpus_used: number | null;
  memory_mb: number | null;
  memory_mb_used: number | null;
  local_gb: number | null;
  local_gb_used: number | null;
}

export interface ResourceInfo {
  total: number;
  reserved: number;
  used: number;
  allocation_ratio: number;
}

export interface ProviderInfo {
  uuid: string;
  name: string;
  resources: Record<string, ResourceInfo>; // VCPU, MEMORY_MB, DISK_GB, ...
}

export interface ServerFault {
  id: string;
  name: string;
  status: string;
  host: string | null;
  fault: string | null;
  xos_id: string | null; // the metadata XOS puts on what it makes ("Instance/12")
  since: string | null; // created (BUILD) or updated (ERROR)
}

export interface CollectorData {
  services: ComputeServiceInfo[];
  agents: AgentInfo[];
  capacity: { hypervisors: HypervisorInfo[]; providers: ProviderInfo[] };
  servers: { total: number; by_status: Record<string, number>; errors: ServerFault[]; building: ServerFault[] };
  networks: { shared: string[]; external: string[] };
  latency: { service: string; ms: number | null; ok: boolean; error: string | null }[];
}

// Why a collector failed, classified so that the doctor can say what to do.
export type FailureKind =
  | 'keystone_unreachable' // no answer from the auth URL
  | 'auth_refused' // Keystone refused the controller's credentials
  | 'tls' // a certificate the controller does not trust
  | 'endpoint_unreachable' // Keystone answered, a catalog endpoint does not
  | 'endpoint_missing' // the catalog has no such service
  | 'timeout'
  | 'api_error' // the service answered with an error
  | 'configuration' // the controller row cannot be used (no password, unreadable CA file)
  | 'other';

export interface ProbeFailure {
  kind: FailureKind;
  message: string;
  service: string | null;
  url: string | null; // the URL that failed (no credentials in it)
}

export class ProbeError extends Error {
  constructor(
    readonly failure: ProbeFailure,
    readonly requests = 0,
  ) {
    super(failure.message);
  }
}

export interface ProbeResult<K extends CollectorName> {
  data: CollectorData[K];
  requests: number; // HTTP requests this collection made (auth included when it needed a token)
}

// `controller` is the stored Controller row (secrets encrypted). Failures are ProbeErrors.
export interface ClusterProbe {
  collect<K extends CollectorName>(controller: Row, which: K, o: { signal: AbortSignal; timeoutMs: number }): Promise<ProbeResult<K>>;
  // Forget what is kept for a controller (a client, a token), e.g. when it is deleted.
  forget?(controllerId: number): void;
}
