// A fake cloud: a stateful, in-memory OpenStack (Keystone, Nova, Neutron, Glance) served over HTTP
// on 127.0.0.1, for testing the synchronizer's reconcilers without a real cluster, in the spirit
// of controller-runtime's envtest and gophercloud's fixtures. It implements what XOS's OpenStack
// client sends, with the shapes recorded from the lab cluster (test/unit/openstack-client-
// recordings.ts), and it keeps real state: what XOS makes can be read back, and a test can make,
// change or delete resources behind XOS's back.
//
//   const cloud = await FakeCloud.start();
//   cloud.fail('POST /compute/v2.1/servers', { status: 500, times: 1 });   // one failed create
//   cloud.fail('* /identity/**', { drop: true });                          // Keystone unreachable
//   cloud.nova.nextBoots.push({ error: 'No valid host was found.' });      // a boot that fails
//   cloud.servers, cloud.projects, cloud.count('POST', '/compute/v2.1/servers'), cloud.requests
//
// Every request is logged (method, path, query, JSON body, status, microversion asked for).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpError, uuid, type FakeReply, type FakeRequest, type Service } from './http.js';
import { Keystone } from './keystone.js';
import { Nova, type BootPlan } from './nova.js';
import { Neutron } from './neutron.js';
import { Glance } from './glance.js';
import { Placement } from './placement.js';

export type { BootPlan } from './nova.js';
export { PF, PF_RANGES, DEFAULT_EXTENSIONS } from './neutron.js';

export interface FakeCloudOptions {
  adminUser?: string;
  adminPassword?: string;
  adminProject?: string;
  domain?: string; // the admin's domain ("Default", or one made for it)
  catalog?: string[]; // service types the catalog lists (default: identity, compute, network, image, placement)
  nova?: { minVersion?: string; maxVersion?: string; boot?: BootPlan; hosts?: string[] };
  neutron?: { extensions?: string[] };
}

// What goes wrong with the requests a route matches.
export interface Fault {
  status?: number; // the error answered (default 500)
  message?: string; // in the service's error body
  times?: number; // how many requests it hits (default: until heal())
  drop?: boolean; // no answer: the connection is destroyed (a network error)
  afterHandling?: boolean; // the cloud does the work, then fails or drops the answer (a crash after the call)
  delayMs?: number; // answer only after this long
}

export interface LoggedRequest {
  seq: number;
  method: string;
  path: string;
  query: URLSearchParams;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number; // 0 when the answer was dropped
  service: string;
  microversion: string | null; // from OpenStack-API-Version
  project: string | null; // the token's project
  injected: boolean; // answered by a fault
}

interface Rule {
  method: string;
  re: RegExp;
  fault: Fault;
  left: number;
}

// "METHOD /path" with * for one path segment (or part of one) and ** for any number of them.
function compileRoute(route: string): { method: string; re: RegExp } {
  const [method, path] = route.trim().split(/\s+/, 2);
  if (!path) throw new Error(`a route is "METHOD /path", not "${route}"`);
  const body = path
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return { method: method.toUpperCase(), re: new RegExp(`^${body}/?$`) };
}

export class FakeCloud {
  readonly keystone: Keystone;
  readonly nova: Nova;
  readonly neutron: Neutron;
  readonly glance: Glance;
  readonly placement: Placement;
  // Catalog URLs that differ from where the fake serves the service (an address XOS cannot reach).
  readonly catalogUrls: Record<string, string> = {};
  readonly requests: LoggedRequest[] = [];
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly adminProject: string;
  readonly domain: string;
  catalogTypes: string[];
  private readonly services: Service[];
  private readonly rules: Rule[] = [];
  private server!: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(o: FakeCloudOptions) {
    this.adminUser = o.adminUser ?? 'admin';
    this.adminPassword = o.adminPassword ?? `fake-${uuid()}`;
    this.adminProject = o.adminProject ?? 'admin';
    this.domain = o.domain ?? 'Default';
    this.catalogTypes = o.catalog ?? ['identity', 'compute', 'network', 'image', 'placement'];
    this.keystone = new Keystone(
      { baseUrl: () => this.url, catalogTypes: () => this.catalogTypes, endpointOf: (t) => this.endpointOf(t) },
      { adminUser: this.adminUser, adminPassword: this.adminPassword, adminProject: this.adminProject, domain: this.domain },
    );
    const adminProject = () => this.keystone.admin.project.id;
    this.neutron = new Neutron(adminProject, o.neutron);
    this.glance = new Glance(adminProject);
    this.nova = new Nova(this.keystone, this.neutron, this.glance, o.nova);
    this.placement = new Placement(this.nova);
    this.services = [this.keystone, this.nova, this.neutron, this.glance, this.placement];
    // The agents of a Linux bridge deployment: one L2 agent per compute host, and the network
    // node's DHCP, metadata and L3 agents.
    for (const s of this.nova.services.filter((x) => x.binary === 'nova-compute')) this.neutron.addAgent('Linux bridge agent', 'neutron-linuxbridge-agent', s.host);
    this.neutron.addAgent('DHCP agent', 'neutron-dhcp-agent', 'controller');
    this.neutron.addAgent('Metadata agent', 'neutron-metadata-agent', 'controller');
    this.neutron.addAgent('L3 agent', 'neutron-l3-agent', 'controller');
  }

  static async start(o: FakeCloudOptions = {}): Promise<FakeCloud> {
    const cloud = new FakeCloud(o);
    await cloud.listen();
    return cloud;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  // What a Controller's auth_url is set to.
  get authUrl() {
    return `${this.url}/identity/v3`;
  }
  endpointOf(type: string) {
    if (this.catalogUrls[type]) return this.catalogUrls[type];
    const s = this.services.find((x) => x.type === type);
    return s ? `${this.url}${s.prefix}${type === 'identity' ? '/v3/' : ''}` : `${this.url}/${type}`;
  }

  // ---- state, by the names a test looks for -----------------------------------------------------

  get projects() {
    return [...this.keystone.projects.values()];
  }
  get users() {
    return [...this.keystone.users.values()];
  }
  get servers() {
    return [...this.nova.servers.values()].filter((s) => s.deletedReads === undefined);
  }
  get networks() {
    return [...this.neutron.networks.values()];
  }
  get subnets() {
    return [...this.neutron.subnets.values()];
  }
  get ports() {
    return [...this.neutron.ports.values()];
  }
  get routers() {
    return [...this.neutron.routers.values()];
  }
  get floatingIps() {
    return [...this.neutron.floatingIps.values()];
  }
  get portForwardings() {
    return [...this.neutron.portForwardings.values()];
  }
  get images() {
    return [...this.glance.images.values()];
  }

  // ---- faults and the request log ---------------------------------------------------------------

  fail(route: string, fault: Fault = {}): void {
    const { method, re } = compileRoute(route);
    this.rules.push({ method, re, fault, left: fault.times ?? Infinity });
  }
  // Makes a service unreachable (connections dropped) until heal().
  down(type: string): void {
    const s = this.services.find((x) => x.type === type);
    if (!s) throw new Error(`no service ${type}`);
    this.fail(`* ${s.prefix}/**`, { drop: true });
  }
  heal(): void {
    this.rules.length = 0;
  }

  // Requests whose method and path match a route as fail() takes it ("POST /compute/v2.1/servers").
  requestsTo(route: string): LoggedRequest[] {
    const { method, re } = compileRoute(route);
    return this.requests.filter((r) => (method === '*' || r.method === method) && re.test(r.path));
  }
  count(method: string, path: string): number {
    return this.requestsTo(`${method} ${path}`).length;
  }
  // Where the request log stands, to count only what follows.
  mark(): number {
    return this.requests.length;
  }
  since(mark: number, route?: string): LoggedRequest[] {
    const later = this.requests.slice(mark);
    if (!route) return later;
    const { method, re } = compileRoute(route);
    return later.filter((r) => (method === '*' || r.method === method) && re.test(r.path));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  private async listen() {
    // Idle connections stay open longer than any test waits between two calls: a client that
    // reuses one just as the server closes it sends its request again, which the request log
    // would count twice (Node closes idle connections after 5 s by default).
    this.server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => void this.serve(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const service = this.services.filter((s) => url.pathname === s.prefix || url.pathname.startsWith(`${s.prefix}/`)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
    let parsed: unknown;
    if (raw.length && String(req.headers['content-type'] ?? '').includes('json'))
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        parsed = undefined;
      }
    const tokenValue = req.headers['x-auth-token'];
    const token = this.keystone.validate(typeof tokenValue === 'string' ? tokenValue : undefined);
    const entry: LoggedRequest = {
      seq: this.requests.length,
      method,
      path: url.pathname,
      query: url.searchParams,
      json: parsed,
      status: 0,
      service: service?.type ?? 'none',
      microversion: /^\S+ (\d+\.\d+)$/.exec(String(req.headers['openstack-api-version'] ?? ''))?.[1] ?? null,
      project: token?.projectId ?? null,
      injected: false,
    };
    this.requests.push(entry);
    const requestId = `req-${uuid()}`;
    const send = (reply: FakeReply) => {
      entry.status = reply.status;
      if (res.destroyed) return;
      const body = reply.body === undefined || reply.status === 204 ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        ...(body && typeof reply.body !== 'string' ? { 'Content-Type': 'application/json' } : {}),
        'x-openstack-request-id': requestId,
        ...(service?.type === 'compute' ? { 'x-compute-request-id': requestId } : {}),
        ...reply.headers,
      });
      res.end(method === 'HEAD' ? undefined : body);
    };
    const errorReply = (status: number, message: string, kind?: string): FakeReply => ({
      status,
      body: service ? service.errorBody(status, message, kind) : { error: { code: status, message } },
    });

    const rule = this.rules.find((r) => r.left > 0 && (r.method === '*' || r.method === method) && r.re.test(url.pathname));
    if (rule) rule.left--;
    const fault = rule?.fault;
    if (fault?.delayMs) {
      // A client that gave up (its timeout) ends the wait: nothing is left to answer, unless the
      // cloud is to do the work all the same (afterHandling).
      await new Promise<void>((r) => {
        const t = setTimeout(r, fault.delayMs);
        if (!fault.afterHandling) res.once('close', () => (clearTimeout(t), r()));
      });
      if (res.destroyed && !fault.afterHandling) return;
    }
    const inject = () => {
      entry.injected = true;
      if (fault!.drop) {
        entry.status = 0;
        res.destroy();
        return;
      }
      const status = fault!.status ?? 500;
      send(errorReply(status, fault!.message ?? (status >= 500 ? `Unexpected API Error (injected fault ${status}).` : `Injected fault ${status}.`)));
    };
    if (fault && !fault.afterHandling) return inject();

    let reply: FakeReply;
    try {
      if (!service) throw new HttpError(404, 'The resource could not be found.');
      const sub = url.pathname.slice(service.prefix.length);
      const fr: FakeRequest = { method, path: url.pathname, sub, query: url.searchParams, headers: req.headers, raw, json: parsed, token };
      reply = await service.handle(fr);
    } catch (e) {
      reply = e instanceof HttpError ? errorReply(e.status, e.message, e.kind) : errorReply(500, `fake cloud failure: ${(e as Error).stack}`);
    }
    if (fault) return inject();
    send(reply);
  }
}
