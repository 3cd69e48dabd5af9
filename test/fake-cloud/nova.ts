// The fake cloud's Nova v2.1: the version document and microversion checks, servers (list with
// name regex, all_tenants and project filters; metadata; BUILD → ACTIVE after a number of reads
// or milliseconds; ERROR with a fault; ports made on Neutron for the networks asked for),
// flavors, quota sets (the instances quota is enforced) and os-services (a host that is down or
// disabled gets no servers; with none left, a boot fails with "No valid host"), server actions
// (os-stop, os-start, reboot, os-getConsoleOutput, refused in the states where Nova refuses them)
// and remote consoles (microversion 2.6+), answering what Nova's fake driver answers.
import { HttpError, Router, json, stamp, truthy, uuid, type FakeReply, type FakeRequest, type Service } from './http.js';
import type { Keystone } from './keystone.js';
import type { Glance } from './glance.js';
import type { Neutron } from './neutron.js';

export interface Server {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  user_id: string;
  metadata: Record<string, string>;
  created: string;
  updated: string;
  createdMs: number;
  flavor: { id: string };
  image: { id: string } | '';
  host: string | null;
  availability_zone: string;
  key_name: string | null;
  user_data: string | null;
  instance_name: string;
  task_state: string | null;
  fault?: { code: number; message: string; created: string };
  reads: number; // GETs and list entries seen while building
  plan: BootPlan;
  portsMade: string[]; // ports Nova made (and deletes with the server); given ones stay
  deletedReads?: number; // reads left before a deleted server disappears
  power: number; // Nova's power state: 1 running, 4 shutdown
  reboots: { type: string }[];
  actionReads?: number; // reads left before the action under way (task_state) ends
}

// How a server's boot goes: ACTIVE after `polls` reads of it (0: at the first read after the
// create) or `ms` after its create; `error` sends it to ERROR with that fault instead; `stuck`
// keeps it in BUILD.
export interface BootPlan {
  polls?: number;
  ms?: number;
  error?: string;
  stuck?: boolean;
}

export interface ComputeService {
  id: string;
  binary: string;
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  updated_at: string;
  disabled_reason: string | null;
  forced_down: boolean;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

// What every fake compute host offers.
export const HOST_CAPACITY = { VCPU: 8, MEMORY_MB: 16384, DISK_GB: 100 };

const cmp = (a: string, b: string) => {
  const [x1, y1] = a.split('.').map(Number);
  const [x2, y2] = b.split('.').map(Number);
  return x1 - x2 || y1 - y2;
};

export class Nova implements Service {
  readonly type = 'compute';
  readonly prefix = '/compute/v2.1';
  readonly servers = new Map<string, Server>();
  readonly flavors = new Map<string, Flavor>();
  readonly quotas = new Map<string, Record<string, number>>();
  readonly services: ComputeService[] = [];
  minVersion: string;
  maxVersion: string;
  boot: BootPlan; // for every server without a plan of its own
  readonly nextBoots: BootPlan[] = []; // taken in turn by the next creates
  deleteReads = 0; // reads a deleted server still answers (as DELETED / task_state deleting)
  actionReads = 0; // reads a server still shows an action (powering-off, rebooting...) as its task
  consoleOutput = 'FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE'; // what the fake driver's console says
  consoleBase = 'http://127.0.0.1:6080/vnc_auto.html'; // [vnc] novncproxy_base_url
  private seq = 0;
  private readonly router = new Router();

  constructor(
    private readonly keystone: Keystone,
    private readonly neutron: Neutron,
    private readonly glance: Glance,
    o: { minVersion?: string; maxVersion?: string; boot?: BootPlan; hosts?: string[] } = {},
  ) {
    this.minVersion = o.minVersion ?? '2.1';
    this.maxVersion = o.maxVersion ?? '2.93';
    this.boot = o.boot ?? { polls: 0 };
    for (const [id, name, vcpus, ram, disk] of [['1', 'm1.tiny', 1, 512, 1], ['2', 'm1.small', 1, 2048, 20], ['3', 'm1.medium', 2, 4096, 40]] as const)
      this.flavors.set(id, { id, name, vcpus, ram, disk });
    for (const host of o.hosts ?? ['compute1', 'compute2']) this.addService(host);
    for (const [binary, host] of [['nova-scheduler', 'controller'], ['nova-conductor', 'controller']]) this.addService(host, binary);
    this.routes();
  }

  addService(host: string, binary = 'nova-compute'): ComputeService {
    const s: ComputeService = { id: uuid(), binary, host, zone: binary === 'nova-compute' ? 'nova' : 'internal', status: 'enabled', state: 'up', updated_at: stamp(), disabled_reason: null, forced_down: false };
    this.services.push(s);
    return s;
  }
  host(name: string) {
    return this.services.find((s) => s.binary === 'nova-compute' && s.host === name);
  }
  // A service whose process stopped `ageS` seconds ago: its heartbeat stays there, Nova shows it down.
  stopService(host: string, ageS = 120, binary = 'nova-compute'): ComputeService {
    const s = this.services.find((x) => x.binary === binary && x.host === host);
    if (!s) throw new Error(`no ${binary} on ${host}`);
    s.state = 'down';
    s.updated_at = stamp(Date.now() - ageS * 1000);
    return s;
  }
  startService(host: string, binary = 'nova-compute'): void {
    const s = this.services.find((x) => x.binary === binary && x.host === host);
    if (!s) throw new Error(`no ${binary} on ${host}`);
    s.state = 'up';
    s.updated_at = stamp();
  }
  // What a compute host's servers take, by Placement's resource classes.
  usageOf(host: string): { VCPU: number; MEMORY_MB: number; DISK_GB: number } {
    const u = { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 };
    for (const s of this.servers.values()) {
      if (s.host !== host || s.deletedReads !== undefined || s.status === 'ERROR') continue;
      const f = this.flavors.get(s.flavor.id);
      if (!f) continue;
      u.VCPU += f.vcpus;
      u.MEMORY_MB += f.ram;
      u.DISK_GB += f.disk;
    }
    return u;
  }

  // A server made behind XOS's back (or by a worker that died before it wrote the id down).
  addServer(s: { name: string; project: string; metadata?: Record<string, string>; networks?: string[]; status?: string; flavor?: string; image?: string; host?: string }): Server {
    const server = this.make({
      name: s.name,
      tenant: s.project,
      user: this.keystone.admin.user.id,
      metadata: s.metadata ?? {},
      flavor: s.flavor ?? '2',
      image: s.image ?? '',
      host: s.host ?? this.pickHost(),
      plan: { polls: 0 },
    });
    for (const n of s.networks ?? []) server.portsMade.push(this.neutron.addPort({ network_id: n, project_id: s.project, device_id: server.id, device_owner: 'compute:nova' }).id);
    if (s.status) Object.assign(server, { status: s.status, task_state: null, power: s.status === 'ACTIVE' ? 1 : s.status === 'SHUTOFF' ? 4 : 0 });
    return server;
  }

  // Deletes at once, with the ports Nova made; ports it was given are unbound and stay.
  removeServer(id: string) {
    const s = this.servers.get(id);
    if (!s) return;
    for (const p of this.neutron.ports.values()) {
      if (p.device_id !== id) continue;
      if (s.portsMade.includes(p.id)) this.neutron.deletePort(p.id);
      else Object.assign(p, { device_id: '', device_owner: '', status: 'DOWN', 'binding:host_id': '' });
    }
    this.servers.delete(id);
  }

  errorBody(status: number, message: string, kind?: string) {
    const k = kind ?? { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 409: 'conflictingRequest', 406: 'HTTPNotAcceptable' }[status] ?? 'computeFault';
    return { [k]: { code: status, message } };
  }

  handle(req: FakeRequest): FakeReply | Promise<FakeReply> {
    if (req.sub === '/' || req.sub === '') {
      return json(200, {
        version: { id: 'v2.1', status: 'CURRENT', version: this.maxVersion, min_version: this.minVersion, updated: '2013-07-23T11:33:21Z', links: [], 'media-types': [] },
      });
    }
    if (!req.token) throw new HttpError(401, 'The request you have made requires authentication.', 'error');
    const asked = /^compute (\d+\.\d+)$/.exec(String(req.headers['openstack-api-version'] ?? ''))?.[1];
    if (asked && (cmp(asked, this.minVersion) < 0 || cmp(asked, this.maxVersion) > 0))
      throw new HttpError(406, `Version ${asked} is not supported by the API. Minimum is ${this.minVersion} and maximum is ${this.maxVersion}.`);
    return this.router.dispatch(req);
  }

  // ---- servers ----------------------------------------------------------------------------------

  private pickHost(): string | null {
    const ok = this.services.filter((s) => s.binary === 'nova-compute' && s.state === 'up' && s.status === 'enabled');
    if (!ok.length) return null;
    return ok[this.seq % ok.length].host;
  }

  private make(o: { name: string; tenant: string; user: string; metadata: Record<string, string>; flavor: string; image: string; host: string | null; plan: BootPlan; keyName?: string | null; userData?: string | null; zone?: string }): Server {
    const now = Date.now();
    const n = ++this.seq;
    const server: Server = {
      id: uuid(),
      name: o.name,
      status: 'BUILD',
      tenant_id: o.tenant,
      user_id: o.user,
      metadata: o.metadata,
      created: stamp(now),
      updated: stamp(now),
      createdMs: now,
      flavor: { id: o.flavor },
      image: o.image ? { id: o.image } : '',
      host: o.host,
      availability_zone: o.zone ?? 'nova',
      key_name: o.keyName ?? null,
      user_data: o.userData ?? null,
      instance_name: `instance-${n.toString(16).padStart(8, '0')}`,
      task_state: 'spawning',
      reads: 0,
      plan: o.plan,
      portsMade: [],
      power: 0,
      reboots: [],
    };
    if (!o.host) {
      server.status = 'ERROR';
      server.task_state = null;
      server.fault = { code: 500, message: 'No valid host was found. There are not enough hosts available.', created: stamp() };
    }
    this.servers.set(server.id, server);
    return server;
  }

  // A read moves a building server along its plan.
  private advance(s: Server) {
    if (s.status !== 'BUILD') return;
    const p = s.plan;
    if (p.stuck) return;
    const due = p.ms !== undefined ? Date.now() - s.createdMs >= p.ms : s.reads >= (p.polls ?? 0);
    s.reads++;
    if (!due) return;
    s.task_state = null;
    s.updated = stamp();
    if (p.error) {
      s.status = 'ERROR';
      s.fault = { code: 500, message: p.error, created: stamp() };
    } else {
      s.status = 'ACTIVE';
      s.power = 1;
    }
  }

  // An action's task ends after `actionReads` reads; then the server is in its new state.
  private settle(s: Server) {
    if (!s.task_state || s.status === 'BUILD' || s.deletedReads !== undefined) return;
    if ((s.actionReads ?? 0) > 0) {
      s.actionReads!--;
      return;
    }
    if (s.task_state === 'powering-off') Object.assign(s, { status: 'SHUTOFF', power: 4 });
    else if (s.task_state === 'powering-on' || s.task_state.startsWith('reboot')) Object.assign(s, { status: 'ACTIVE', power: 1 });
    s.task_state = null;
    s.updated = stamp();
  }

  // A deleted server answers a few more reads, as Nova does while it tears it down.
  private read(id: string): Server | undefined {
    const s = this.servers.get(id);
    if (!s) return undefined;
    if (s.deletedReads !== undefined) {
      if (s.deletedReads <= 0) {
        this.removeServer(id);
        return undefined;
      }
      s.deletedReads--;
      return s;
    }
    this.advance(s);
    this.settle(s);
    return s;
  }

  private show(s: Server, withFault: boolean) {
    const addresses: Record<string, { addr: string; version: 4; 'OS-EXT-IPS:type': 'fixed'; 'OS-EXT-IPS-MAC:mac_addr': string }[]> = {};
    if (s.status !== 'BUILD' && s.status !== 'ERROR')
      for (const p of this.neutron.ports.values()) {
        if (p.device_id !== s.id) continue;
        const net = this.neutron.networks.get(p.network_id);
        const key = net?.name ?? p.network_id;
        for (const f of p.fixed_ips) (addresses[key] ??= []).push({ addr: f.ip_address, version: 4, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': p.mac_address });
      }
    return {
      id: s.id,
      name: s.name,
      status: s.status,
      tenant_id: s.tenant_id,
      user_id: s.user_id,
      metadata: s.metadata,
      addresses,
      created: s.created,
      updated: s.updated,
      flavor: { id: s.flavor.id, original_name: this.flavors.get(s.flavor.id)?.name },
      image: s.image,
      key_name: s.key_name,
      'OS-EXT-AZ:availability_zone': s.availability_zone,
      'OS-EXT-SRV-ATTR:host': s.host,
      'OS-EXT-SRV-ATTR:hypervisor_hostname': s.host,
      'OS-EXT-SRV-ATTR:instance_name': s.instance_name,
      'OS-EXT-STS:task_state': s.task_state,
      'OS-EXT-STS:vm_state': s.status === 'SHUTOFF' ? 'stopped' : s.status.toLowerCase(),
      'OS-EXT-STS:power_state': s.power,
      // The fault comes with the single server only, as XOS's reconciler expects.
      ...(withFault && s.fault ? { fault: s.fault } : {}),
      links: [],
    };
  }

  private isAdmin(req: FakeRequest) {
    return req.token!.roles.includes('admin');
  }

  private create(req: FakeRequest): FakeReply {
    const b = req.json?.server;
    if (!b?.name) throw new HttpError(400, "Invalid input for field/attribute server. Value: None. 'name' is a required property");
    const project = req.token!.projectId;
    if (!project) throw new HttpError(403, 'A project-scoped token is required.');
    if (b.networks === undefined) throw new HttpError(400, "Invalid input for field/attribute server. 'networks' is a required property");
    const flavor = this.flavors.get(String(b.flavorRef));
    if (!flavor) throw new HttpError(400, `Flavor ${b.flavorRef} could not be found.`);
    if (b.imageRef) {
      const image = this.glance.images.get(String(b.imageRef));
      if (!image) throw new HttpError(400, `Image ${b.imageRef} could not be found.`);
      if (image.status !== 'active') throw new HttpError(400, `Image ${b.imageRef} is not active.`);
    }
    let host: string | null = null;
    const zone = String(b.availability_zone ?? '');
    if (zone.includes(':')) {
      if (!this.isAdmin(req)) throw new HttpError(403, 'Policy does not allow os_compute_api:servers:create:forced_host to be performed.');
      const wanted = zone.split(':')[1];
      const svc = this.host(wanted);
      if (!svc) throw new HttpError(400, `No valid host was found. Compute host ${wanted} could not be found.`);
      host = svc.state === 'up' && svc.status === 'enabled' ? svc.host : null;
    } else host = this.pickHost();
    const quota = this.quotaOf(project).instances;
    const used = [...this.servers.values()].filter((s) => s.tenant_id === project && s.deletedReads === undefined).length;
    if (quota >= 0 && used + 1 > quota)
      throw new HttpError(403, `Quota exceeded for instances: Requested 1, but already used ${used} of ${quota} instances`, 'forbidden');
    // The networks first: a bad one refuses the whole request, before anything is made.
    const nets: ({ uuid: string; fixed_ip?: string } | { port: string })[] = Array.isArray(b.networks) ? b.networks : [];
    for (const n of nets) {
      if ('port' in n) {
        const p = this.neutron.ports.get(n.port);
        if (!p) throw new HttpError(400, `Port id ${n.port} could not be found.`);
        if (p.device_id) throw new HttpError(409, `Port ${n.port} is still in use.`);
      } else {
        const net = this.neutron.networks.get(n.uuid);
        if (!net) throw new HttpError(400, `Network ${n.uuid} could not be found.`);
        if (net.project_id !== project && !net.shared && !this.isAdmin(req)) throw new HttpError(400, `Network ${n.uuid} could not be found.`);
      }
    }
    const plan = this.nextBoots.shift() ?? this.boot;
    const server = this.make({
      name: b.name,
      tenant: project,
      user: req.token!.userId,
      metadata: b.metadata ?? {},
      flavor: flavor.id,
      image: b.imageRef ?? '',
      host,
      plan,
      keyName: b.key_name ?? null,
      userData: b.user_data ?? null,
      zone: zone.split(':')[0] || 'nova',
    });
    for (const n of nets) {
      if ('port' in n) Object.assign(this.neutron.ports.get(n.port)!, { device_id: server.id, device_owner: 'compute:nova', status: 'ACTIVE', 'binding:host_id': host ?? '' });
      else {
        const p = this.neutron.addPort({
          network_id: n.uuid,
          project_id: project,
          device_id: server.id,
          device_owner: 'compute:nova',
          'binding:host_id': host ?? '',
          ...(n.fixed_ip ? { fixed_ips: [{ ip_address: n.fixed_ip }] } : {}),
        });
        server.portsMade.push(p.id);
      }
    }
    return json(202, { server: { id: server.id, links: [], adminPass: 'fake-admin-pass', security_groups: [{ name: 'default' }], 'OS-DCF:diskConfig': 'MANUAL' } });
  }

  private list(req: FakeRequest) {
    const q = req.query;
    const allTenants = truthy(q.get('all_tenants')) && this.isAdmin(req);
    const name = q.get('name');
    const re = name ? new RegExp(name) : null;
    const out = [...this.servers.keys()]
      .map((id) => this.read(id))
      .filter((s): s is Server => !!s)
      .filter((s) => (allTenants ? !q.has('project_id') || q.get('project_id') === s.tenant_id : s.tenant_id === req.token!.projectId))
      .filter((s) => !re || re.test(s.name))
      .filter((s) => !q.has('status') || q.get('status') === s.status)
      .filter((s) => !q.has('host') || q.get('host') === s.host);
    return out;
  }

  // A server the token may act on (404 otherwise, as Nova says).
  private visible(req: FakeRequest, id: string): Server {
    const s = this.read(id);
    if (!s || s.deletedReads !== undefined || (s.tenant_id !== req.token!.projectId && !this.isAdmin(req))) throw new HttpError(404, `Instance ${id} could not be found.`);
    return s;
  }

  private action(req: FakeRequest, id: string): FakeReply {
    const s = this.visible(req, id);
    const body = req.json ?? {};
    const [name] = Object.keys(body);
    const refuse = (what: string) => {
      throw new HttpError(409, `Cannot '${what}' instance ${s.id} while it is in ${s.task_state ? `task_state ${s.task_state}` : `vm_state ${s.status === 'SHUTOFF' ? 'stopped' : s.status.toLowerCase()}`}`);
    };
    const begin = (task: string) => {
      s.task_state = task;
      s.actionReads = this.actionReads;
      s.updated = stamp();
    };
    switch (name) {
      case 'os-stop':
        if (s.task_state || s.status !== 'ACTIVE') refuse('stop');
        begin('powering-off');
        return json(202);
      case 'os-start':
        if (s.task_state || s.status !== 'SHUTOFF') refuse('start');
        begin('powering-on');
        return json(202);
      case 'reboot': {
        const type = String(body.reboot?.type ?? '');
        if (type !== 'SOFT' && type !== 'HARD') throw new HttpError(400, `Invalid input for field/attribute type. Value: ${type}. '${type}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`);
        if (s.task_state || (type === 'SOFT' && s.status !== 'ACTIVE')) refuse('reboot');
        s.reboots.push({ type });
        begin(type === 'SOFT' ? 'reboot_started' : 'reboot_started_hard');
        return json(202);
      }
      case 'os-getConsoleOutput': {
        if (s.status === 'BUILD' || s.status === 'ERROR') throw new HttpError(409, `Instance ${s.id} is not ready`);
        const length = body['os-getConsoleOutput']?.length;
        const lines = this.consoleOutput.split('\n');
        return json(200, { output: (length == null ? lines : length === 0 ? [] : lines.slice(-Number(length))).join('\n') });
      }
      default:
        throw new HttpError(400, `There is no such action: ${name}`);
    }
  }

  quotaOf(project: string): Record<string, number> {
    if (!this.quotas.has(project)) this.quotas.set(project, { instances: 10, cores: 20, ram: 51200, key_pairs: 100, metadata_items: 128, server_groups: 10, server_group_members: 10 });
    return this.quotas.get(project)!;
  }

  private routes() {
    const r = this.router;
    r.on('GET', '/servers/detail', (req) => json(200, { servers: this.list(req).map((s) => this.show(s, false)) }));
    r.on('GET', '/servers', (req) => json(200, { servers: this.list(req).map((s) => ({ id: s.id, name: s.name, links: [] })) }));
    r.on('GET', '/servers/:id', (req, p) => {
      const s = this.read(p.id);
      if (!s || (s.tenant_id !== req.token!.projectId && !this.isAdmin(req))) throw new HttpError(404, `Instance ${p.id} could not be found.`);
      return json(200, { server: this.show(s, true) });
    });
    r.on('POST', '/servers', (req) => this.create(req));
    r.on('DELETE', '/servers/:id', (req, p) => {
      const s = this.servers.get(p.id);
      if (!s || s.deletedReads !== undefined || (s.tenant_id !== req.token!.projectId && !this.isAdmin(req)))
        throw new HttpError(404, `Instance ${p.id} could not be found.`);
      if (this.deleteReads > 0) {
        s.deletedReads = this.deleteReads;
        s.task_state = 'deleting';
      } else this.removeServer(s.id);
      return json(204);
    });

    r.on('POST', '/servers/:id/action', (req, p) => this.action(req, p.id));
    r.on('POST', '/servers/:id/remote-consoles', (req, p) => {
      const s = this.visible(req, p.id);
      const mv = /^compute (\d+\.\d+)$/.exec(String(req.headers['openstack-api-version'] ?? ''))?.[1] ?? '2.1';
      if (cmp(mv, '2.6') < 0) throw new HttpError(404, 'The resource could not be found.');
      const c = req.json?.remote_console ?? {};
      if (c.protocol !== 'vnc' || c.type !== 'novnc') throw new HttpError(400, `Invalid input for field/attribute remote_console: ${JSON.stringify(c)}`);
      if (s.status !== 'ACTIVE') throw new HttpError(409, `Instance ${s.id} is not ready`);
      return json(200, { remote_console: { protocol: 'vnc', type: 'novnc', url: `${this.consoleBase}?path=%3Ftoken%3D${uuid()}` } });
    });

    r.on('GET', '/flavors/detail', () => json(200, { flavors: [...this.flavors.values()].map((f) => ({ ...f, 'OS-FLV-EXT-DATA:ephemeral': 0, swap: 0, 'os-flavor-access:is_public': true, links: [] })) }));
    r.on('GET', '/flavors/:id', (_q, p) => {
      const f = this.flavors.get(p.id);
      if (!f) throw new HttpError(404, `Flavor ${p.id} could not be found.`);
      return json(200, { flavor: f });
    });
    r.on('POST', '/flavors', (req) => {
      if (!this.isAdmin(req)) throw new HttpError(403, 'Policy does not allow os_compute_api:os-flavor-manage:create to be performed.');
      const b = req.json?.flavor ?? {};
      if ([...this.flavors.values()].some((f) => f.name === b.name)) throw new HttpError(409, `Flavor with name ${b.name} already exists.`);
      const f: Flavor = { id: b.id ?? uuid(), name: b.name, vcpus: b.vcpus, ram: b.ram, disk: b.disk };
      this.flavors.set(f.id, f);
      return json(200, { flavor: f });
    });
    r.on('DELETE', '/flavors/:id', (_q, p) => {
      if (!this.flavors.delete(p.id)) throw new HttpError(404, `Flavor ${p.id} could not be found.`);
      return json(202);
    });

    // Held at 2.87 by XOS's client: the capacity fields are still there.
    r.on('GET', '/os-hypervisors/detail', () =>
      json(200, {
        hypervisors: this.services
          .filter((s) => s.binary === 'nova-compute')
          .map((s, i) => {
            const u = this.usageOf(s.host);
            return {
              id: i + 1,
              hypervisor_hostname: s.host,
              hypervisor_type: 'fake',
              state: s.state,
              status: s.status,
              host_ip: '127.0.0.1',
              service: { id: s.id, host: s.host, disabled_reason: s.disabled_reason },
              vcpus: HOST_CAPACITY.VCPU,
              vcpus_used: u.VCPU,
              memory_mb: HOST_CAPACITY.MEMORY_MB,
              memory_mb_used: u.MEMORY_MB,
              local_gb: HOST_CAPACITY.DISK_GB,
              local_gb_used: u.DISK_GB,
              running_vms: [...this.servers.values()].filter((x) => x.host === s.host && x.deletedReads === undefined).length,
            };
          }),
      }),
    );
    r.on('GET', '/os-services', (req) =>
      json(200, { services: this.services.filter((s) => (!req.query.has('binary') || req.query.get('binary') === s.binary) && (!req.query.has('host') || req.query.get('host') === s.host)) }),
    );
    // Nova counts what the project's live servers use against each limit.
    r.on('GET', '/os-quota-sets/:project/detail', (_q, p) => {
      const live = [...this.servers.values()].filter((s) => s.tenant_id === p.project && s.deletedReads === undefined);
      const use: Record<string, number> = { instances: live.length, cores: 0, ram: 0 };
      for (const s of live) {
        const f = this.flavors.get(s.flavor.id);
        use.cores += f?.vcpus ?? 0;
        use.ram += f?.ram ?? 0;
      }
      const q = this.quotaOf(p.project);
      return json(200, { quota_set: { id: p.project, ...Object.fromEntries(Object.entries(q).map(([k, limit]) => [k, { limit, in_use: use[k] ?? 0, reserved: 0 }])) } });
    });
    r.on('GET', '/os-quota-sets/:project', (_q, p) => json(200, { quota_set: { id: p.project, ...this.quotaOf(p.project) } }));
    r.on('PUT', '/os-quota-sets/:project', (req, p) => {
      if (!this.isAdmin(req)) throw new HttpError(403, 'Policy does not allow os_compute_api:os-quota-sets:update to be performed.');
      if (!this.keystone.projects.has(p.project)) throw new HttpError(400, `Project ID ${p.project} is not a valid project.`);
      const q = this.quotaOf(p.project);
      for (const [k, val] of Object.entries(req.json?.quota_set ?? {})) if (typeof val === 'number') q[k] = val;
      return json(200, { quota_set: q });
    });
  }
}
