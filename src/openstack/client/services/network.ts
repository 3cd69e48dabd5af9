/**
 * Neutron (network API v2.0): networks, subnets, ports, agents, routers, floating IPs
 * and their port forwardings, and the API extensions a cluster offers. Every resource
 * follows the same REST pattern, with PUT for updates; lists paginate through
 * "<collection>_links" when a limit is given.
 */
import type { OpenStackSession, ServiceRef } from '../session.js';
import { RestResource, type CallOptions } from './rest-resource.js';

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

export interface Router {
  id: string;
  name: string;
  project_id: string;
  status: string;
  admin_state_up: boolean;
  /** null when the router has no gateway */
  external_gateway_info: { network_id: string; enable_snat?: boolean; external_fixed_ips?: Array<{ subnet_id: string; ip_address: string }> } | null;
  description?: string;
  tags?: string[];
}
export interface RouterCreate {
  name?: string;
  project_id?: string;
  admin_state_up?: boolean;
  /** external_fixed_ips: the gateway's own address (admin only in the default policy) */
  external_gateway_info?: { network_id: string; enable_snat?: boolean; external_fixed_ips?: Array<{ subnet_id: string; ip_address?: string }> } | null;
  description?: string;
}
/** add_router_interface / remove_router_interface take one of the two */
export type RouterInterface = { subnet_id: string } | { port_id: string };
export interface RouterInterfaceInfo {
  id: string; // the router
  subnet_id: string;
  subnet_ids: string[];
  port_id: string;
  network_id: string;
  project_id: string;
}

export interface FloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  project_id: string;
  status: string;
  router_id: string | null;
  port_id: string | null;
  fixed_ip_address: string | null;
  description?: string;
  tags?: string[];
  /** with the port forwarding plugin (expose-port-forwarding-in-fip) */
  port_forwardings?: Array<Partial<PortForwarding>>;
}
export interface FloatingIpCreate {
  floating_network_id: string;
  /** a given address needs admin rights in the default policy */
  floating_ip_address?: string;
  subnet_id?: string;
  project_id?: string;
  port_id?: string;
  description?: string;
}

/** A floating IP port forwarding (extension floating-ip-port-forwarding). */
export interface PortForwarding {
  id: string;
  protocol: 'tcp' | 'udp';
  internal_ip_address: string;
  internal_port_id: string;
  /** single ports; null when the forwarding is a range */
  internal_port: number | null;
  external_port: number | null;
  /** "first:last" (extension floating-ip-port-forwarding-port-ranges) */
  internal_port_range?: string | null;
  external_port_range?: string | null;
  description?: string;
}
export type PortForwardingCreate = {
  protocol: 'tcp' | 'udp';
  internal_ip_address: string;
  internal_port_id: string;
  description?: string;
} & ({ internal_port: number; external_port: number } | { internal_port_range: string; external_port_range: string });

export interface Extension {
  alias: string;
  name: string;
  description: string;
  updated?: string;
}

export class NetworkClient {
  readonly networks: RestResource<Network, NetworkCreate>;
  readonly subnets: RestResource<Subnet, SubnetCreate, Partial<Omit<SubnetCreate, 'network_id' | 'cidr' | 'ip_version'>>>;
  readonly ports: RestResource<Port, PortCreate, Partial<Omit<PortCreate, 'network_id'>>>;
  /** agents register themselves: they can be listed, updated (admin_state_up) and deleted */
  readonly agents: RestResource<Agent, never, { admin_state_up?: boolean; description?: string }>;
  readonly routers: RestResource<Router, RouterCreate, Partial<RouterCreate>>;
  readonly floatingIps: RestResource<FloatingIp, FloatingIpCreate, { port_id?: string | null; description?: string }>;

  constructor(private readonly session: OpenStackSession) {
    this.networks = new RestResource(session, NETWORK, { collection: 'networks', singular: 'network', updateMethod: 'PUT' });
    this.subnets = new RestResource(session, NETWORK, { collection: 'subnets', singular: 'subnet', updateMethod: 'PUT' });
    this.ports = new RestResource(session, NETWORK, { collection: 'ports', singular: 'port', updateMethod: 'PUT' });
    this.agents = new RestResource(session, NETWORK, { collection: 'agents', singular: 'agent', updateMethod: 'PUT' });
    this.routers = new RestResource(session, NETWORK, { collection: 'routers', singular: 'router', updateMethod: 'PUT' });
    this.floatingIps = new RestResource(session, NETWORK, { collection: 'floatingips', singular: 'floatingip', updateMethod: 'PUT' });
  }

  /** The port forwardings of one floating IP: /floatingips/<id>/port_forwardings. */
  portForwardings(floatingIpId: string): RestResource<PortForwarding, PortForwardingCreate, Partial<Omit<PortForwardingCreate, 'internal_port_id'>>> {
    return new RestResource(this.session, NETWORK, {
      collection: 'port_forwardings',
      singular: 'port_forwarding',
      path: `floatingips/${encodeURIComponent(floatingIpId)}/port_forwardings`,
      updateMethod: 'PUT',
    });
  }

  /** Connects a subnet (at its gateway address) or a port to a router. */
  async addRouterInterface(routerId: string, which: RouterInterface, options: CallOptions = {}): Promise<RouterInterfaceInfo> {
    const res = await this.session.request<RouterInterfaceInfo>(NETWORK, {
      method: 'PUT', path: `routers/${encodeURIComponent(routerId)}/add_router_interface`, body: which, ...options,
    });
    return res.body;
  }

  async removeRouterInterface(routerId: string, which: RouterInterface, options: CallOptions = {}): Promise<RouterInterfaceInfo> {
    const res = await this.session.request<RouterInterfaceInfo>(NETWORK, {
      method: 'PUT', path: `routers/${encodeURIComponent(routerId)}/remove_router_interface`, body: which, ...options,
    });
    return res.body;
  }

  /** The API extensions the cluster's Neutron offers (their aliases tell what it can do). */
  async listExtensions(options: CallOptions = {}): Promise<Extension[]> {
    const res = await this.session.request<{ extensions: Extension[] }>(NETWORK, { path: 'extensions', ...options });
    return res.body.extensions ?? [];
  }
}
