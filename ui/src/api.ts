// The XOS REST API as the UI uses it: cookie session, CSRF header on writes, problem+json errors
// with per-field messages.

import type { ApiRecord, ApiRowsByPlural, ApiSyncState, Plural } from '../../src/model/rows';
import type { ListPage } from '../../src/api/contract';
import type { SliceUsage } from '../../src/ops/slice-usage-types';
import type { ClusterView } from '../../src/ops/cluster-view';
import type { DoctorReport } from '../../src/ops/doctor/finding';

// A row of a model the page knows by name ('slices'): its fields with their types, derived from
// the model definitions the server uses (type-only: nothing of the server is bundled).
export type RowOf<P extends Plural> = ApiRowsByPlural[P];

// A row of a model known only at run time (the pages for any model): what every row has, the
// synchronizer's fields where the model has them, and any other field to be looked at first.
export type Row = ApiRecord & Partial<ApiSyncState> & { [field: string]: unknown };

// A row read for a model known only at run time (a generic page), as the row of `plural` when
// that is the model.
export const isRowOf = <P extends Plural>(model: { plural: string }, plural: P, _row: Row): _row is Row & RowOf<P> => model.plural === plural;

// A plural given as a string variable (a page for any model). A literal must be a model's.
type AnyPlural<S extends string> = string extends S ? S : never;

export interface FieldError {
  field: string;
  message: string;
}

// A page of a list, as the API's contract says (src/api/contract.ts).
export type ListResult<R = Row> = ListPage<R>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

let unauthorized: () => void = () => {};
export const onUnauthorized = (f: () => void) => {
  unauthorized = f;
};

export function cookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

// Every request says it comes from the UI, so that a 401 does not open the browser's password box.
export const UI_HEADERS = { 'X-Requested-With': 'xos-ui' };

export async function request<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ data: T; etag: string | null }> {
  const h: Record<string, string> = { ...UI_HEADERS, Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = cookie('xos_csrf');
    if (csrf) h['X-CSRF-Token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'XOS cannot be reached; check your connection and try again');
  }
  const text = res.status === 204 ? '' : await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const p = (data && typeof data === 'object' ? data : {}) as { detail?: string; errors?: FieldError[] };
    const err = new ApiError(res.status, p.detail ?? `${res.status} ${res.statusText}`, Array.isArray(p.errors) ? p.errors : []);
    if (res.status === 401 && !url.startsWith('/api/auth/login')) unauthorized();
    throw err;
  }
  return { data: data as T, etag: res.headers.get('etag') };
}

export type Query = Record<string, string | number | undefined | null>;

export function qs(q: Query): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

const core = (plural: string) => `/api/core/${encodeURIComponent(plural)}`;

export interface Me {
  user: RowOf<'users'>;
  is_admin: boolean;
  is_readonly: boolean;
  site_roles: Record<string, string[]>;
  slice_roles: Record<string, string[]>;
  deployment_admin: number[];
}

export interface UiConfig {
  branding_name: string;
  disable_minidashboard: boolean;
}

function list<P extends Plural>(plural: P, q?: Query): Promise<ListResult<RowOf<P>>>;
function list<S extends string>(plural: AnyPlural<S>, q?: Query): Promise<ListResult>;
async function list(plural: string, q: Query = {}) {
  return (await request<ListResult>('GET', `${core(plural)}${qs(q)}`)).data;
}

function get<P extends Plural>(plural: P, id: number | string): Promise<RowOf<P>>;
function get<S extends string>(plural: AnyPlural<S>, id: number | string): Promise<Row>;
async function get(plural: string, id: number | string) {
  return (await request<Row>('GET', `${core(plural)}/${id}`)).data;
}

function create<P extends Plural>(plural: P, body: Record<string, unknown>): Promise<RowOf<P>>;
function create<S extends string>(plural: AnyPlural<S>, body: Record<string, unknown>): Promise<Row>;
async function create(plural: string, body: Record<string, unknown>) {
  return (await request<Row>('POST', core(plural), body)).data;
}

function update<P extends Plural>(plural: P, id: number | string, patch: Record<string, unknown>, version?: number): Promise<RowOf<P>>;
function update<S extends string>(plural: AnyPlural<S>, id: number | string, patch: Record<string, unknown>, version?: number): Promise<Row>;
async function update(plural: string, id: number | string, patch: Record<string, unknown>, version?: number) {
  return (await request<Row>('PATCH', `${core(plural)}/${id}`, patch, version === undefined ? {} : { 'If-Match': `"${version}"` })).data;
}

export const api = {
  list,
  get,
  create,
  update,
  remove: async (plural: string, id: number | string) => {
    await request('DELETE', `${core(plural)}/${id}`);
  },
  retry: async (plural: string, id: number | string) => (await request<Row>('POST', `${core(plural)}/${id}/retry`)).data,
  reboot: async (id: number, type: 'soft' | 'hard' = 'soft') => (await request<RowOf<'instances'>>('POST', `${core('instances')}/${id}/reboot`, { type })).data,
  console: async (id: number) => (await request<{ url: string; type: string; protocol: string }>('GET', `${core('instances')}/${id}/console`)).data,
  consoleLog: async (id: number, lines?: number) =>
    (await request<{ output: string; lines: number }>('GET', `${core('instances')}/${id}/console-log${lines ? `?lines=${lines}` : ''}`)).data,
  sliceUsage: async (id: number) => (await request<SliceUsage>('GET', `${core('slices')}/${id}/usage`)).data,
  login: async (email: string, password: string) => (await request<Row>('POST', '/api/auth/login', { email, password })).data,
  changePassword: async (current_password: string, password: string) => {
    await request('POST', '/api/auth/password', { current_password, password });
  },
  logout: async () => {
    await request('POST', '/api/auth/logout');
  },
  me: async () => (await request<Me>('GET', '/api/auth/me')).data,
  models: async () => (await request<{ items: unknown[] }>('GET', '/api/models')).data.items,
  uiConfig: async () => (await request<UiConfig>('GET', '/api/ui/config')).data,
  stats: async () => (await request<Stats>('GET', '/api/stats')).data,
  opsClusters: async () => (await request<OpsClusters>('GET', '/api/ops/clusters')).data,
  doctor: async () => (await request<DoctorReport>('GET', '/api/ops/doctor')).data,
};

// The operator tools (src/api/ops-routes.ts): every cluster as the collectors last read it.
export type OpsCluster = ClusterView;
export interface OpsClusters {
  items: ClusterView[];
  nagios_url: string | null;
  interval_s: number;
  time: string;
}
export type { DoctorReport };
export type Finding = DoctorReport['findings'][number];

export interface ErrorGroup {
  cause: string;
  controller: { id: number; name: string } | null;
  count: number;
  models: Record<string, number>;
  samples: { model: string; plural: string; label: string; id: number; title: string; backend_status: string | null }[];
}

export interface Tally {
  pending: number;
  ok: number;
  error: number;
}
export interface InstanceCounts {
  total: number;
  ok: number;
  pending: number;
  error: number;
}
export interface Stats {
  counts: { model: string; plural: string; label: string; nav: string | null; count: number; errors: number | null }[];
  errors: {
    model: string;
    plural: string;
    label: string;
    id: number;
    title: string;
    backend_status: string;
    backend_reason: string | null;
    last_sync: string | null;
    next_retry: string | null;
  }[];
  error_groups: ErrorGroup[];
  error_groups_partial: boolean;
  controllers: {
    id: number;
    name: string;
    deployment: number;
    deployment_name: string | null;
    backend_code: number;
    backend_status: string;
    last_sync: string | null;
    next_retry: string | null;
    links: Tally | null;
    instances: Tally;
  }[];
  minidashboard: null | {
    instances_per_site: ({ site: number; name: string } & InstanceCounts)[];
    instances_per_slice: ({ slice: number; name: string; site: number } & InstanceCounts)[];
    capacity:
      | null
      | {
          controller: number;
          name: string;
          vcpus: number;
          vcpus_used: number;
          ram_mb: number;
          ram_mb_used: number;
          disk_gb: number;
          disk_gb_used: number;
          as_of: string | null;
          error: string | null;
        }[];
  };
  time: string;
}
