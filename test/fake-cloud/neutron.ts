// The fake cloud's Neutron v2.0: networks, subnets with allocation pools, ports with fixed
// addresses (a DHCP port on DHCP subnets), routers with gateways and interfaces, floating IPs and
// their port forwardings, and the extensions list. It refuses what Neutron refuses where XOS
// depends on it: an address already taken, a network or subnet still in use, a router that still
// has interfaces, a forwarding whose subnet no router joins to the floating IP's network, a floating
// IP that still has forwardings, ranges without the port-ranges extension.
import { HttpError, Router, cidrRange, intToIp, ipToInt, json, params, stamp, uuid, type FakeReply, type FakeRequest, type Service } from './http.js';
import { pick } from './keystone.js';

export interface Network {
  id: string;
  name: string;
  project_id: string;
  tenant_id: string;
  status: string;
  admin_state_up: boolean;
  shared: boolean;
  subnets: string[];
  mtu: number;
  description: string;
  tags: string[];
  'router:external': boolean;
  revision_number: number;
}
export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  tenant_id: string;
  cidr: string;
  ip_version: 4;
  gateway_ip: string | null;
  allocation_pools: { start: string; end: string }[];
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: never[];
  description: string;
  tags: string[];
}
export interface Port {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  tenant_id: string;
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  status: string;
  admin_state_up: boolean;
  device_id: string;
  device_owner: string;
  security_groups: string[];
  description: string;
  tags: string[];
  'binding:host_id': string;
}
export interface RouterRec {
  id: string;
  name: string;
  project_id: string;
  tenant_id: string;
  status: string;
  admin_state_up: boolean;
  external_gateway_info: { network_id: string; enable_snat: boolean; external_fixed_ips: { subnet_id: string; ip_address: string }[] } | null;
  description: string;
  tags: string[];
}
export interface FloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  project_id: string;
  tenant_id: string;
  status: string;
  router_id: string | null;
  port_id: string | null;
  fixed_ip_address: string | null;
  description: string;
  tags: string[];
}
export interface PortForwarding {
  id: string;
  floatingip_id: string;
  protocol: 'tcp' | 'udp';
  internal_ip_address: string;
  internal_port_id: string;
  internal_port: number | null;
  external_port: number | null;
  internal_port_range: string | null;
  external_port_range: string | null;
  description: string;
}

export const PF = 'floating-ip-port-forwarding';
export const PF_RANGES = 'floating-ip-port-forwarding-port-ranges';
export const DEFAULT_EXTENSIONS = ['router', 'external-net', 'extraroute', 'dhcp_agent_scheduler', PF, PF_RANGES, 'expose-port-forwarding-in-fip'];
export const ROUTER_INTERFACE = 'network:router_interface';

const LIST_KEYS_IGNORED = new Set(['limit', 'marker', 'fields', 'sort_key', 'sort_dir']);
const mac = () => `fa:16:3e:${[0, 0, 0].map(() => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join(':')}`;

export interface Agent {
  id: string;
  agent_type: string;
  binary: string;
  host: string;
  availability_zone: string | null;
  alive: boolean;
  admin_state_up: boolean;
  heartbeat_timestamp: string;
  topic: string;
}

export class Neutron implements Service {
  readonly type = 'network';
  readonly prefix = '/network';
  readonly networks = new Map<string, Network>();
  readonly subnets = new Map<string, Subnet>();
  readonly ports = new Map<string, Port>();
  readonly routers = new Map<string, RouterRec>();
  readonly floatingIps = new Map<string, FloatingIp>();
  readonly portForwardings = new Map<string, PortForwarding>();
  extensions: string[];
  readonly agents: Agent[] = [];
  private readonly router = new Router();

  constructor(
    private readonly adminProject: () => string,
    o: { extensions?: string[] } = {},
  ) {
    this.extensions = o.extensions ?? [...DEFAULT_EXTENSIONS];
    this.routes();
  }

  errorBody(status: number, message: string, kind?: string) {
    const type = kind ?? { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict' }[status] ?? 'InternalServerError';
    return { NeutronError: { type, message, detail: '' } };
  }

  handle(req: FakeRequest): FakeReply | Promise<FakeReply> {
    if (!req.token) throw new HttpError(401, 'The request you have made requires authentication.', 'Unauthorized');
    return this.router.dispatch(req);
  }

  // ---- state, for tests and for the fake Nova ---------------------------------------------------

  addAgent(agent_type: string, binary: string, host: string): Agent {
    const a: Agent = { id: uuid(), agent_type, binary, host, availability_zone: binary.includes('dhcp') || binary.includes('l3') ? 'nova' : null, alive: true, admin_state_up: true, heartbeat_timestamp: stamp().replace('T', ' ').replace('Z', ''), topic: 'N/A' };
    this.agents.push(a);
    return a;
  }
  // An agent whose process stopped `ageS` seconds ago.
  killAgent(binary: string, host?: string, ageS = 120): Agent {
    const a = this.agents.find((x) => x.binary === binary && (!host || x.host === host));
    if (!a) throw new Error(`no agent ${binary}${host ? ` on ${host}` : ''}`);
    a.alive = false;
    a.heartbeat_timestamp = stamp(Date.now() - ageS * 1000).replace('T', ' ').replace('Z', '');
    return a;
  }

  addNetwork(n: Partial<Network> & { name: string }): Network {
    const project = n.project_id ?? this.adminProject();
    const net: Network = {
      id: uuid(),
      project_id: project,
      tenant_id: project,
      status: 'ACTIVE',
      admin_state_up: true,
      shared: false,
      subnets: [],
      mtu: 1450,
      description: '',
      tags: [],
      'router:external': false,
      revision_number: 1,
      ...n,
    };
    this.networks.set(net.id, net);
    return net;
  }

  addSubnet(s: Partial<Subnet> & { network_id: string; cidr: string }): Subnet {
    const net = this.networks.get(s.network_id);
    if (!net) throw new HttpError(404, `Network ${s.network_id} could not be found.`, 'NetworkNotFound');
    const range = cidrRange(s.cidr);
    const gateway = s.gateway_ip === undefined ? intToIp(range.first + 1) : s.gateway_ip;
    const pools = s.allocation_pools ?? defaultPools(range, gateway);
    for (const p of pools)
      if (gateway && ipToInt(gateway) >= ipToInt(p.start) && ipToInt(gateway) <= ipToInt(p.end))
        throw new HttpError(409, `Gateway ip ${gateway} conflicts with allocation pool ${p.start}-${p.end}`, 'GatewayConflictWithAllocationPools');
    const project = s.project_id ?? net.project_id;
    const sub: Subnet = {
      id: uuid(),
      name: '',
      project_id: project,
      tenant_id: project,
      ip_version: 4,
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
      description: '',
      tags: [],
      ...s,
      cidr: `${intToIp(range.first)}/${range.prefix}`,
      gateway_ip: gateway,
      allocation_pools: pools,
    };
    this.subnets.set(sub.id, sub);
    net.subnets.push(sub.id);
    if (sub.enable_dhcp) this.addPort({ network_id: net.id, device_owner: 'network:dhcp', device_id: `dhcp-${net.id}`, project_id: net.project_id, fixed_ips: [{ subnet_id: sub.id }] });
    return sub;
  }

  addPort(p: Partial<Omit<Port, 'fixed_ips'>> & { network_id: string; fixed_ips?: { subnet_id?: string; ip_address?: string }[] }): Port {
    const net = this.networks.get(p.network_id);
    if (!net) throw new HttpError(404, `Network ${p.network_id} could not be found.`, 'NetworkNotFound');
    const project = p.project_id ?? net.project_id;
    const port: Port = {
      id: uuid(),
      name: '',
      mac_address: mac(),
      status: p.device_id ? 'ACTIVE' : 'DOWN',
      admin_state_up: true,
      device_id: '',
      device_owner: '',
      security_groups: [],
      description: '',
      tags: [],
      'binding:host_id': '',
      ...p,
      project_id: project,
      tenant_id: project,
      fixed_ips: [],
    };
    port.fixed_ips = this.addresses(net, p.fixed_ips, port.id);
    this.ports.set(port.id, port);
    return port;
  }

  deletePort(id: string) {
    this.ports.delete(id);
    // Neutron drops the forwardings that point at a port that goes.
    for (const pf of [...this.portForwardings.values()]) if (pf.internal_port_id === id) this.portForwardings.delete(pf.id);
  }

  deleteNetwork(id: string) {
    for (const p of [...this.ports.values()]) if (p.network_id === id) this.deletePort(p.id);
    for (const s of [...this.subnets.values()]) if (s.network_id === id) this.subnets.delete(s.id);
    this.networks.delete(id);
  }

  // Addresses in use on a subnet, by any port.
  used(subnetId: string, exceptPort?: string): Set<string> {
    const out = new Set<string>();
    for (const p of this.ports.values()) if (p.id !== exceptPort) for (const f of p.fixed_ips) if (f.subnet_id === subnetId) out.add(f.ip_address);
    return out;
  }

  private addresses(net: Network, wanted: { subnet_id?: string; ip_address?: string }[] | undefined, portId: string) {
    const subnets = net.subnets.map((id) => this.subnets.get(id)!).filter(Boolean);
    const asks = wanted ?? (subnets[0] ? [{ subnet_id: subnets[0].id }] : []);
    const out: { subnet_id: string; ip_address: string }[] = [];
    for (const a of asks) {
      const sub = a.subnet_id ? this.subnets.get(a.subnet_id) : subnets.find((s) => a.ip_address && inCidr(a.ip_address, s.cidr));
      if (!sub || sub.network_id !== net.id) throw new HttpError(400, `Invalid input for operation: Failed to create port on network ${net.id}, because fixed_ips included invalid subnet ${a.subnet_id}.`, 'InvalidInput');
      const taken = this.used(sub.id, portId);
      for (const o of out) taken.add(o.ip_address);
      if (a.ip_address) {
        if (!inCidr(a.ip_address, sub.cidr)) throw new HttpError(400, `IP address ${a.ip_address} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet');
        if (taken.has(a.ip_address)) throw new HttpError(409, `IP address ${a.ip_address} already allocated in subnet ${sub.id}`, 'IpAddressAlreadyAllocated');
        out.push({ subnet_id: sub.id, ip_address: a.ip_address });
        continue;
      }
      const free = firstFree(sub, taken);
      if (!free) throw new HttpError(409, `No more IP addresses available on network ${net.id}.`, 'IpAddressGenerationFailure');
      out.push({ subnet_id: sub.id, ip_address: free });
    }
    return out;
  }

  // The router whose gateway is on `extNet` and which has an interface on `subnetId`.
  routerJoining(subnetId: string, extNet: string): RouterRec | undefined {
    for (const p of this.ports.values()) {
      if (p.device_owner !== ROUTER_INTERFACE || !p.fixed_ips.some((f) => f.subnet_id === subnetId)) continue;
      const r = this.routers.get(p.device_id);
      if (r?.external_gateway_info?.network_id === extNet) return r;
    }
    return undefined;
  }

  showPf(pf: PortForwarding) {
    const { floatingip_id, ...rest } = pf;
    if (this.extensions.includes(PF_RANGES)) return rest;
    const { internal_port_range, external_port_range, ...single } = rest;
    return single;
  }

  // ---- the API ----------------------------------------------------------------------------------

  private routes() {
    const r = this.router;
    const v = (p: string) => `/v2.0${p}`;
    const need = <T>(m: Map<string, T>, id: string, what: string, kind: string): T => {
      const x = m.get(id);
      if (!x) throw new HttpError(404, `${what} ${id} could not be found.`, kind);
      return x;
    };

    r.on('GET', v('/extensions'), () =>
      json(200, { extensions: this.extensions.map((alias) => ({ alias, name: alias, description: `The ${alias} extension.`, updated: '2022-01-01T10:00:00-00:00', links: [] })) }),
    );

    // networks
    r.on('GET', v('/agents'), (req) => json(200, { agents: filter(this.agents, req.query) }));
    r.on('GET', v('/networks'), (req) => json(200, { networks: filter([...this.networks.values()], req.query) }));
    r.on('GET', v('/networks/:id'), (_q, p) => json(200, { network: need(this.networks, p.id, 'Network', 'NetworkNotFound') }));
    r.on('POST', v('/networks'), (req) => {
      const b = req.json?.network ?? {};
      const n = this.addNetwork({
        ...pick(b, ['name', 'description', 'shared', 'admin_state_up', 'mtu', 'router:external']),
        name: b.name ?? '',
        project_id: b.project_id ?? b.tenant_id ?? req.token!.projectId!,
      } as Network);
      return json(201, { network: n });
    });
    r.on('PUT', v('/networks/:id'), (req, p) => {
      const n = need(this.networks, p.id, 'Network', 'NetworkNotFound');
      Object.assign(n, pick(req.json?.network ?? {}, ['name', 'description', 'shared', 'admin_state_up', 'router:external']));
      n.revision_number++;
      return json(200, { network: n });
    });
    r.on('DELETE', v('/networks/:id'), (_q, p) => {
      need(this.networks, p.id, 'Network', 'NetworkNotFound');
      const inUse = [...this.ports.values()].filter((x) => x.network_id === p.id && x.device_owner !== 'network:dhcp');
      if (inUse.length)
        throw new HttpError(409, `Unable to complete operation on network ${p.id}. There are one or more ports still in use on the network.`, 'NetworkInUse');
      this.deleteNetwork(p.id);
      return json(204);
    });

    // subnets
    r.on('GET', v('/subnets'), (req) => json(200, { subnets: filter([...this.subnets.values()], req.query) }));
    r.on('GET', v('/subnets/:id'), (_q, p) => json(200, { subnet: need(this.subnets, p.id, 'Subnet', 'SubnetNotFound') }));
    r.on('POST', v('/subnets'), (req) => {
      const b = req.json?.subnet ?? {};
      if (b.ip_version !== 4) throw new HttpError(400, 'Only IPv4 here', 'InvalidInput');
      const s = this.addSubnet({
        ...pick(b, ['name', 'description', 'enable_dhcp', 'dns_nameservers', 'allocation_pools', 'gateway_ip', 'project_id']),
        network_id: b.network_id,
        cidr: b.cidr,
      } as Subnet);
      return json(201, { subnet: s });
    });
    r.on('PUT', v('/subnets/:id'), (req, p) => {
      const s = need(this.subnets, p.id, 'Subnet', 'SubnetNotFound');
      const b = req.json?.subnet ?? {};
      if ('network_id' in b || 'cidr' in b || 'ip_version' in b) throw new HttpError(400, 'Cannot update read-only attribute', 'HTTPBadRequest');
      const next = { ...s, ...pick(b, ['name', 'description', 'enable_dhcp', 'dns_nameservers', 'allocation_pools', 'gateway_ip']) };
      for (const pool of next.allocation_pools)
        if (!inCidr(pool.start, s.cidr) || !inCidr(pool.end, s.cidr)) throw new HttpError(400, `The allocation pool ${pool.start}-${pool.end} spans beyond the subnet cidr ${s.cidr}.`, 'OutOfBoundsAllocationPool');
      Object.assign(s, next);
      return json(200, { subnet: s });
    });
    r.on('DELETE', v('/subnets/:id'), (_q, p) => {
      const s = need(this.subnets, p.id, 'Subnet', 'SubnetNotFound');
      const users = [...this.ports.values()].filter((x) => x.device_owner !== 'network:dhcp' && x.fixed_ips.some((f) => f.subnet_id === s.id));
      if (users.length) throw new HttpError(409, `Unable to complete operation on subnet ${s.id}: One or more ports have an IP allocation from this subnet.`, 'SubnetInUse');
      for (const x of [...this.ports.values()]) if (x.device_owner === 'network:dhcp' && x.fixed_ips.some((f) => f.subnet_id === s.id)) this.deletePort(x.id);
      this.subnets.delete(s.id);
      const net = this.networks.get(s.network_id);
      if (net) net.subnets = net.subnets.filter((x) => x !== s.id);
      return json(204);
    });

    // ports
    r.on('GET', v('/ports'), (req) => json(200, { ports: filter([...this.ports.values()], req.query) }));
    r.on('GET', v('/ports/:id'), (_q, p) => json(200, { port: need(this.ports, p.id, 'Port', 'PortNotFound') }));
    r.on('POST', v('/ports'), (req) => {
      const b = req.json?.port ?? {};
      need(this.networks, b.network_id, 'Network', 'NetworkNotFound');
      const port = this.addPort({
        ...pick(b, ['name', 'description', 'device_id', 'device_owner', 'admin_state_up', 'mac_address', 'binding:host_id', 'fixed_ips']),
        network_id: b.network_id,
        project_id: b.project_id ?? b.tenant_id ?? req.token!.projectId!,
      } as Port);
      return json(201, { port });
    });
    r.on('PUT', v('/ports/:id'), (req, p) => {
      const port = need(this.ports, p.id, 'Port', 'PortNotFound');
      const b = req.json?.port ?? {};
      if (b.fixed_ips) port.fixed_ips = this.addresses(this.networks.get(port.network_id)!, b.fixed_ips, port.id);
      Object.assign(port, pick(b, ['name', 'description', 'device_id', 'device_owner', 'admin_state_up', 'binding:host_id']));
      return json(200, { port });
    });
    r.on('DELETE', v('/ports/:id'), (_q, p) => {
      const port = need(this.ports, p.id, 'Port', 'PortNotFound');
      if (port.device_owner.startsWith('network:router_interface'))
        throw new HttpError(409, `Port ${port.id} cannot be deleted directly via the port API: has device owner ${port.device_owner}.`, 'ServicePortInUse');
      this.deletePort(port.id);
      return json(204);
    });

    // routers
    r.on('GET', v('/routers'), (req) => json(200, { routers: filter([...this.routers.values()], req.query) }));
    r.on('GET', v('/routers/:id'), (_q, p) => json(200, { router: need(this.routers, p.id, 'Router', 'RouterNotFound') }));
    r.on('POST', v('/routers'), (req) => {
      const b = req.json?.router ?? {};
      const project = b.project_id ?? req.token!.projectId!;
      const router: RouterRec = {
        id: uuid(),
        name: b.name ?? '',
        description: b.description ?? '',
        project_id: project,
        tenant_id: project,
        status: 'ACTIVE',
        admin_state_up: true,
        external_gateway_info: null,
        tags: [],
      };
      if (b.external_gateway_info) router.external_gateway_info = this.gateway(router, b.external_gateway_info);
      this.routers.set(router.id, router);
      return json(201, { router });
    });
    r.on('PUT', v('/routers/:id'), (req, p) => {
      const router = need(this.routers, p.id, 'Router', 'RouterNotFound');
      const b = req.json?.router ?? {};
      if ('external_gateway_info' in b) {
        for (const x of [...this.ports.values()]) if (x.device_id === router.id && x.device_owner === 'network:router_gateway') this.deletePort(x.id);
        router.external_gateway_info = b.external_gateway_info ? this.gateway(router, b.external_gateway_info) : null;
      }
      Object.assign(router, pick(b, ['name', 'description', 'admin_state_up']));
      return json(200, { router });
    });
    r.on('DELETE', v('/routers/:id'), (_q, p) => {
      const router = need(this.routers, p.id, 'Router', 'RouterNotFound');
      if ([...this.ports.values()].some((x) => x.device_id === router.id && x.device_owner.startsWith('network:router_interface')))
        throw new HttpError(409, `Router ${router.id} still has ports`, 'RouterInUse');
      for (const x of [...this.ports.values()]) if (x.device_id === router.id) this.deletePort(x.id);
      this.routers.delete(router.id);
      return json(204);
    });
    r.on('PUT', v('/routers/:id/add_router_interface'), (req, p) => {
      const router = need(this.routers, p.id, 'Router', 'RouterNotFound');
      const b = req.json ?? {};
      let port: Port;
      if (b.subnet_id) {
        const sub = need(this.subnets, b.subnet_id, 'Subnet', 'SubnetNotFound');
        if (!sub.gateway_ip) throw new HttpError(400, `Bad router request: Subnet for router interface must have a gateway IP.`, 'BadRequest');
        this.refuseSecondInterface(router, sub.id);
        port = this.addPort({ network_id: sub.network_id, project_id: router.project_id, device_id: router.id, device_owner: ROUTER_INTERFACE, fixed_ips: [{ subnet_id: sub.id, ip_address: sub.gateway_ip }] });
      } else if (b.port_id) {
        port = need(this.ports, b.port_id, 'Port', 'PortNotFound');
        if (port.device_id) throw new HttpError(409, `Port ${port.id} is in use by another device (${port.device_owner}).`, 'PortInUse');
        for (const f of port.fixed_ips) this.refuseSecondInterface(router, f.subnet_id);
        Object.assign(port, { device_id: router.id, device_owner: ROUTER_INTERFACE, status: 'ACTIVE' });
      } else throw new HttpError(400, 'Bad router request: Either subnet_id or port_id must be specified.', 'BadRequest');
      const sid = port.fixed_ips[0]?.subnet_id;
      return json(200, { id: router.id, subnet_id: sid, subnet_ids: port.fixed_ips.map((f) => f.subnet_id), port_id: port.id, network_id: port.network_id, project_id: router.project_id, tenant_id: router.project_id });
    });
    r.on('PUT', v('/routers/:id/remove_router_interface'), (req, p) => {
      const router = need(this.routers, p.id, 'Router', 'RouterNotFound');
      const b = req.json ?? {};
      const port = b.port_id
        ? this.ports.get(b.port_id)
        : [...this.ports.values()].find((x) => x.device_id === router.id && x.device_owner === ROUTER_INTERFACE && x.fixed_ips.some((f) => f.subnet_id === b.subnet_id));
      if (!port || port.device_id !== router.id || !port.device_owner.startsWith('network:router_interface'))
        throw new HttpError(404, `Router ${router.id} does not have an interface with id ${b.port_id ?? b.subnet_id}`, 'RouterInterfaceNotFound');
      // Forwardings reach their ports through this interface: Neutron keeps it while they exist.
      for (const f of port.fixed_ips)
        for (const pf of this.portForwardings.values()) {
          const target = this.ports.get(pf.internal_port_id);
          const fip = this.floatingIps.get(pf.floatingip_id);
          if (target?.fixed_ips.some((x) => x.subnet_id === f.subnet_id) && fip?.router_id === router.id)
            throw new HttpError(409, `Router interface for subnet ${f.subnet_id} on router ${router.id} cannot be deleted, as it is required by one or more floating IPs.`, 'RouterInterfaceInUseByFloatingIP');
        }
      this.deletePort(port.id);
      return json(200, { id: router.id, subnet_id: port.fixed_ips[0]?.subnet_id, subnet_ids: port.fixed_ips.map((f) => f.subnet_id), port_id: port.id, network_id: port.network_id, project_id: router.project_id });
    });

    // floating IPs
    r.on('GET', v('/floatingips'), (req) => json(200, { floatingips: filter([...this.floatingIps.values()], req.query).map((f) => this.showFip(f)) }));
    r.on('GET', v('/floatingips/:id'), (_q, p) => json(200, { floatingip: this.showFip(need(this.floatingIps, p.id, 'Floating IP', 'FloatingIPNotFound')) }));
    r.on('POST', v('/floatingips'), (req) => {
      const b = req.json?.floatingip ?? {};
      const net = need(this.networks, b.floating_network_id, 'Network', 'NetworkNotFound');
      if (!net['router:external']) throw new HttpError(400, `Bad floatingip request: Network ${net.id} is not a valid external network.`, 'BadRequest');
      const project = b.project_id ?? req.token!.projectId!;
      const wanted = b.floating_ip_address ? [{ ip_address: b.floating_ip_address }] : undefined;
      const id = uuid();
      const port = this.addPort({ network_id: net.id, project_id: '', device_id: id, device_owner: 'network:floatingip', fixed_ips: wanted });
      const fip: FloatingIp = {
        id,
        floating_ip_address: port.fixed_ips[0].ip_address,
        floating_network_id: net.id,
        project_id: project,
        tenant_id: project,
        status: 'DOWN',
        router_id: null,
        port_id: null,
        fixed_ip_address: null,
        description: b.description ?? '',
        tags: [],
      };
      this.floatingIps.set(fip.id, fip);
      return json(201, { floatingip: this.showFip(fip) });
    });
    r.on('DELETE', v('/floatingips/:id'), (_q, p) => {
      const fip = need(this.floatingIps, p.id, 'Floating IP', 'FloatingIPNotFound');
      if ([...this.portForwardings.values()].some((pf) => pf.floatingip_id === fip.id))
        throw new HttpError(409, `Floating IP ${fip.id} has port forwardings; delete them first.`, 'FipInUseByPortForwarding');
      for (const x of [...this.ports.values()]) if (x.device_id === fip.id && x.device_owner === 'network:floatingip') this.deletePort(x.id);
      this.floatingIps.delete(fip.id);
      return json(204);
    });

    // port forwardings
    const pfPath = v('/floatingips/:fip/port_forwardings');
    const pfFip = (id: string) => {
      if (!this.extensions.includes(PF)) throw new HttpError(404, 'The resource could not be found.', 'HTTPNotFound');
      return need(this.floatingIps, id, 'Floating IP', 'FloatingIPNotFound');
    };
    r.on('GET', pfPath, (req, p) => {
      const fip = pfFip(p.fip);
      return json(200, { port_forwardings: filter([...this.portForwardings.values()].filter((x) => x.floatingip_id === fip.id), req.query).map((x) => this.showPf(x)) });
    });
    r.on('GET', `${pfPath}/:id`, (_q, p) => {
      pfFip(p.fip);
      const pf = this.portForwardings.get(p.id);
      if (!pf || pf.floatingip_id !== p.fip) throw new HttpError(404, `Port Forwarding ${p.id} could not be found.`, 'PortForwardingNotFound');
      return json(200, { port_forwarding: this.showPf(pf) });
    });
    r.on('POST', pfPath, (req, p) => {
      const fip = pfFip(p.fip);
      const pf = this.createPf(fip, req.json?.port_forwarding ?? {});
      return json(201, { port_forwarding: this.showPf(pf) });
    });
    r.on('DELETE', `${pfPath}/:id`, (_q, p) => {
      const fip = pfFip(p.fip);
      const pf = this.portForwardings.get(p.id);
      if (!pf || pf.floatingip_id !== p.fip) throw new HttpError(404, `Port Forwarding ${p.id} could not be found.`, 'PortForwardingNotFound');
      this.portForwardings.delete(pf.id);
      if (![...this.portForwardings.values()].some((x) => x.floatingip_id === fip.id)) fip.router_id = null;
      return json(204);
    });
  }

  private refuseSecondInterface(router: RouterRec, subnetId: string) {
    for (const x of this.ports.values())
      if (x.device_id === router.id && x.device_owner === ROUTER_INTERFACE && x.fixed_ips.some((f) => f.subnet_id === subnetId))
        throw new HttpError(400, `Bad router request: Router already has a port on subnet ${subnetId}.`, 'BadRequest');
  }

  private gateway(router: RouterRec, g: { network_id: string; enable_snat?: boolean; external_fixed_ips?: { subnet_id?: string; ip_address?: string }[] }) {
    const net = this.networks.get(g.network_id);
    if (!net) throw new HttpError(404, `Network ${g.network_id} could not be found.`, 'NetworkNotFound');
    if (!net['router:external']) throw new HttpError(400, `Bad router request: Network ${net.id} is not an external network.`, 'BadRequest');
    const port = this.addPort({ network_id: net.id, project_id: '', device_id: router.id, device_owner: 'network:router_gateway', fixed_ips: g.external_fixed_ips });
    return { network_id: net.id, enable_snat: g.enable_snat ?? true, external_fixed_ips: port.fixed_ips };
  }

  private showFip(f: FloatingIp) {
    return { ...f, port_forwardings: [...this.portForwardings.values()].filter((x) => x.floatingip_id === f.id).map((x) => this.showPf(x)) };
  }

  private createPf(fip: FloatingIp, b: Record<string, any>): PortForwarding {
    const ranged = 'internal_port_range' in b || 'external_port_range' in b;
    if (ranged && !this.extensions.includes(PF_RANGES))
      throw new HttpError(400, "Unrecognized attribute(s) 'internal_port_range, external_port_range'", 'HTTPBadRequest');
    if (b.protocol !== 'tcp' && b.protocol !== 'udp') throw new HttpError(400, `Invalid input for protocol. Reason: ${b.protocol} is not in valid_values.`, 'HTTPBadRequest');
    const port = this.ports.get(b.internal_port_id);
    if (!port) throw new HttpError(404, `Port ${b.internal_port_id} could not be found.`, 'PortNotFound');
    const fixed = port.fixed_ips.find((f) => f.ip_address === b.internal_ip_address);
    if (!fixed) throw new HttpError(400, `Bad port_forwarding request: The internal IP does not correspond to an address on the internal port, which has fixed_ips ${JSON.stringify(port.fixed_ips)}.`, 'BadRequest');
    const router = this.routerJoining(fixed.subnet_id, fip.floating_network_id);
    if (!router) throw new HttpError(404, `External network ${fip.floating_network_id} is not reachable from subnet ${fixed.subnet_id}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`, 'ExternalGatewayForFloatingIPNotFound');
    const range = (r: unknown, single: unknown): [number, number] => {
      if (typeof r === 'string') {
        const [a, z = a] = r.split(':').map(Number);
        return [a, z];
      }
      return [Number(single), Number(single)];
    };
    const inside = range(b.internal_port_range, b.internal_port);
    const outside = range(b.external_port_range, b.external_port);
    if ([...inside, ...outside].some((x) => !Number.isInteger(x) || x < 1 || x > 65535) || inside[1] - inside[0] !== outside[1] - outside[0])
      throw new HttpError(400, 'Bad port_forwarding request: invalid port numbers.', 'BadRequest');
    for (const o of this.portForwardings.values()) {
      if (o.floatingip_id !== fip.id || o.protocol !== b.protocol) continue;
      const [a, z] = range(o.external_port_range, o.external_port);
      if (a <= outside[1] && outside[0] <= z)
        throw new HttpError(409, `A duplicate port forwarding entry with same attributes already exists, conflicting values are {'floatingip_id': '${fip.id}', 'external_port': ${outside[0]}, 'protocol': '${b.protocol}'}.`, 'Conflict');
    }
    const single = inside[0] === inside[1] && !ranged;
    const pf: PortForwarding = {
      id: uuid(),
      floatingip_id: fip.id,
      protocol: b.protocol,
      internal_ip_address: fixed.ip_address,
      internal_port_id: port.id,
      internal_port: single ? inside[0] : null,
      external_port: single ? outside[0] : null,
      internal_port_range: single ? null : `${inside[0]}:${inside[1]}`,
      external_port_range: single ? null : `${outside[0]}:${outside[1]}`,
      description: b.description ?? '',
    };
    this.portForwardings.set(pf.id, pf);
    fip.router_id = router.id;
    fip.status = 'ACTIVE';
    return pf;
  }
}

function defaultPools(range: { first: number; last: number }, gateway: string | null) {
  const g = gateway ? ipToInt(gateway) : null;
  const first = range.first + 1;
  const last = range.last - 1;
  if (g === null || g < first || g > last) return [{ start: intToIp(first), end: intToIp(last) }];
  const out = [];
  if (g > first) out.push({ start: intToIp(first), end: intToIp(g - 1) });
  if (g < last) out.push({ start: intToIp(g + 1), end: intToIp(last) });
  return out;
}

function firstFree(sub: Subnet, taken: Set<string>): string | null {
  for (const p of sub.allocation_pools)
    for (let n = ipToInt(p.start); n <= ipToInt(p.end); n++) if (!taken.has(intToIp(n)) && intToIp(n) !== sub.gateway_ip) return intToIp(n);
  return null;
}

export const inCidr = (ip: string, cidr: string) => {
  const r = cidrRange(cidr);
  const n = ipToInt(ip);
  return n >= r.first && n <= r.last;
};

// Neutron's list filters: any attribute by equality (a key given twice matches either value), and
// fixed_ips=ip_address=… / fixed_ips=subnet_id=… on ports.
function filter<T extends object>(items: T[], q: URLSearchParams): T[] {
  const ps = params(q);
  return items.filter((item) => {
    for (const [k, values] of ps) {
      if (LIST_KEYS_IGNORED.has(k)) continue;
      if (k === 'fixed_ips') {
        const ips = (item as unknown as Port).fixed_ips ?? [];
        const ok = values.every((v) => {
          const [fk, fv] = v.split('=');
          return ips.some((f) => String((f as Record<string, string>)[fk]) === fv);
        });
        if (!ok) return false;
        continue;
      }
      const actual = (item as Record<string, unknown>)[k];
      if (!values.some((v) => String(actual ?? '') === v)) return false;
    }
    return true;
  });
}
