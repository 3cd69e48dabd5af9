// The plumbing the fake cloud's services share: requests as a service sees them, errors in each
// service's own body format, a small router, ids and timestamps in OpenStack's shapes.
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface TokenInfo {
  value: string;
  userId: string;
  projectId: string | null;
  roles: string[]; // role names on the scoped project
  expiresAt: number;
}

export interface FakeRequest {
  method: string;
  path: string; // the whole path, e.g. /compute/v2.1/servers/detail
  sub: string; // below the service's root, e.g. /servers/detail
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  token: TokenInfo | null;
}

export interface FakeReply {
  status: number;
  body?: unknown; // objects go out as JSON
  headers?: Record<string, string>;
}

// A refusal a service answers with, in that service's error format.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly kind?: string, // Nova's "itemNotFound", Neutron's "NetworkNotFound"…
  ) {
    super(message);
  }
}

export interface Service {
  type: string; // its catalog type
  prefix: string; // where it lives on the fake cloud's port
  handle(req: FakeRequest): FakeReply | Promise<FakeReply>;
  errorBody(status: number, message: string, kind?: string): unknown;
}

type Handler = (req: FakeRequest, params: Record<string, string>) => FakeReply | Promise<FakeReply>;

// "GET /servers/:id" style routes, matched on the path below the service root.
export class Router {
  private readonly routes: { method: string; re: RegExp; names: string[]; fn: Handler }[] = [];

  on(method: string, pattern: string, fn: Handler): this {
    const names: string[] = [];
    const re = new RegExp(
      '^' +
        pattern
          .split('/')
          .map((seg) => (seg.startsWith(':') ? (names.push(seg.slice(1)), '([^/]+)') : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/') +
        '/?$',
    );
    this.routes.push({ method, re, names, fn });
    return this;
  }

  dispatch(req: FakeRequest): FakeReply | Promise<FakeReply> {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.re.exec(req.sub);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      return r.fn(req, params);
    }
    if (pathMatched) throw new HttpError(405, `The method ${req.method} is not allowed for this resource.`, 'HTTPMethodNotAllowed');
    throw new HttpError(404, 'The resource could not be found.', 'HTTPNotFound');
  }
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): FakeReply => ({ status, body, headers });

export const uuid = () => crypto.randomUUID();
export const hex32 = () => crypto.randomBytes(16).toString('hex');
// Nova and Neutron print seconds, without a fraction.
export const stamp = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// Query parameters as lists (Neutron and Nova both accept a key several times).
export function params(q: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of q) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

export const truthy = (v: string | null) => v != null && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());

// Minimal IPv4 arithmetic, written here rather than borrowed from XOS so that a mistake there is
// not repeated in the cloud that is meant to catch it.
export const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const intToIp = (n: number) => [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join('.');
export function cidrRange(cidr: string): { first: number; last: number; prefix: number } {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(ipToInt(ip) / size) * size;
  return { first, last: first + size - 1, prefix };
}
export const isIpv4 = (s: unknown): s is string => typeof s === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(s);
