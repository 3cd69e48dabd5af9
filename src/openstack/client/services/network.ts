/**
 * Neutron (network API v2.0): networks, subnets, ports and agents. Every resource
 * follows the same REST pattern, with PUT for updates; lists paginate through
 * "<collection>_links" when a limit is given.
 */
import type { OpenStackSession, ServiceRef } from '../session.js';
import { RestResource } from './rest-resource.js';

const NETWORK: ServiceRef = { type: 'network', version: 'v2.0' };

export interface Network {
  id: string;
  name: string;
  project_id: string;
  tenant_id?: string;
  status: string;
  admin_state_up: boolean;
  shared: boolean;
  subnets: string[];
  mtu?: number;
  description?: string;
  tags?: string[];
  'router:external'?: boolean;
  'provider:network_type'?: string | null;
  'provider:physical_network'?: string | null;
  'provider:segmentation_id'?: number | null;
  port_security_enabled?: boolean;
  revision_number?: number;
}
export interface NetworkCreate {
  name?: string;
  project_id?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  description?: string;
  mtu?: number;
  'router:external'?: boolean;
  'provider:network_type'?: string;
  'provider:physical_network'?: string;
  'provider:segmentation_id'?: number;
  port_security_enabled?: boolean;
}

export interface AllocationPool {
  start: string;
  end: string;
}
export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  allocation_pools: AllocationPool[];
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: Array<{ destination: string; nexthop: string }>;
  description?: string;
  tags?: string[];
}
export interface SubnetCreate {
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  name?: string;
  project_id?: string;
  /** null: no gateway */
  gateway_ip?: string | null;
  allocation_pools?: AllocationPool[];
  enable_dhcp?: boolean;
  dns_nameservers?: string[];
  description?: string;
}

export interface FixedIp {
  subnet_id: string;
  ip_address?: string;
}
export interface Port {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  mac_address: string;
  fixed_ips: Array<{ subnet_id: string; ip_address: string }>;
  status: string;
  admin_state_up: boolean;
  device_id: string;
  device_owner: string;
  security_groups: string[];
  'binding:host_id'?: string;
  'binding:vif_type'?: string;
  'binding:vnic_type'?: string;
  port_security_enabled?: boolean;
  description?: string;
  tags?: string[];
}
export interface PortCreate {
  network_id: string;
  name?: string;
  project_id?: string;
  fixed_ips?: FixedIp[];
  admin_state_up?: boolean;
  mac_address?: string;
  device_id?: string;
  device_owner?: string;
  security_groups?: string[];
  port_security_enabled?: boolean;
  'binding:host_id'?: string;
  description?: string;
}

export interface Agent {
  id: string;
  agent_type: string;
  binary: string;
  host: string;
  alive: boolean;
  admin_state_up: boolean;
  topic: string;
  availability_zone: string | null;
  heartbeat_timestamp: string;
  started_at: string;
  created_at: string;
  configurations?: Record<string, unknown>;
  description?: string | null;
}

export class NetworkClient {
  readonly networks: RestResource<Network, NetworkCreate>;
  readonly subnets: RestResource<Subnet, SubnetCreate, Partial<Omit<SubnetCreate, 'network_id' | 'cidr' | 'ip_version'>>>;
  readonly ports: RestResource<Port, PortCreate, Partial<Omit<PortCreate, 'network_id'>>>;
  /** agents register themselves: they can be listed, updated (admin_state_up) and deleted */
  readonly agents: RestResource<Agent, never, { admin_state_up?: boolean; description?: string }>;

  constructor(session: OpenStackSession) {
    this.networks = new RestResource(session, NETWORK, { collection: 'networks', singular: 'network', updateMethod: 'PUT' });
    this.subnets = new RestResource(session, NETWORK, { collection: 'subnets', singular: 'subnet', updateMethod: 'PUT' });
    this.ports = new RestResource(session, NETWORK, { collection: 'ports', singular: 'port', updateMethod: 'PUT' });
    this.agents = new RestResource(session, NETWORK, { collection: 'agents', singular: 'agent', updateMethod: 'PUT' });
  }
}
