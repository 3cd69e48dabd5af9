/**
 * The list/get/create/update/delete pattern most OpenStack resources share:
 *   GET    <collection>            {"<collection>": [...]}  (paginated)
 *   GET    <collection>/<id>       {"<singular>": {...}}
 *   POST   <collection>            {"<singular>": {...}} -> {"<singular>": {...}}
 *   PATCH|PUT <collection>/<id>   {"<singular>": {...}} -> {"<singular>": {...}}
 *   DELETE <collection>/<id>
 * Keystone updates with PATCH, Neutron with PUT; Glance does not wrap its bodies
 * and has its own client.
 */
import { OpenStackError } from '../errors.js';
import { paginate, type PageOptions } from '../pagination.js';
import type { OpenStackSession, RequestOptions, ServiceRef } from '../session.js';

export type Query = NonNullable<RequestOptions['query']>;

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface DeleteOptions extends CallOptions {
  /** treat "already gone" (404) as success; the result then says whether it existed */
  ignoreMissing?: boolean;
}

export interface ResourceShape {
  collection: string;
  singular: string;
  /** path of the collection below the service root, when it differs from `collection` */
  path?: string;
  updateMethod?: 'PATCH' | 'PUT';
  /** the microversion to send with every call (compute, placement) */
  microversion?: () => Promise<string | undefined>;
}

export class RestResource<T, CreateInput = Partial<T>, UpdateInput = Partial<T>> {
  constructor(
    protected readonly session: OpenStackSession,
    protected readonly service: ServiceRef,
    protected readonly shape: ResourceShape,
  ) {}

  protected get path(): string {
    return this.shape.path ?? this.shape.collection;
  }

  async *list(query: Query = {}, page: PageOptions = {}): AsyncGenerator<T, void, undefined> {
    const microversion = await this.shape.microversion?.();
    yield* paginate<T>(
      this.session,
      { service: this.service, path: this.path, itemsKey: this.shape.collection, query, ...(microversion ? { microversion } : {}) },
      page,
    );
  }

  async get(id: string, options: CallOptions = {}): Promise<T> {
    const res = await this.call<Record<string, T>>({ method: 'GET', path: `${this.path}/${encodeURIComponent(id)}`, ...options });
    return this.unwrap(res, 'GET');
  }

  async create(input: CreateInput, options: CallOptions = {}): Promise<T> {
    const res = await this.call<Record<string, T>>({ method: 'POST', path: this.path, body: { [this.shape.singular]: input }, ...options });
    return this.unwrap(res, 'POST');
  }

  async update(id: string, changes: UpdateInput, options: CallOptions = {}): Promise<T> {
    const res = await this.call<Record<string, T>>({
      method: this.shape.updateMethod ?? 'PUT',
      path: `${this.path}/${encodeURIComponent(id)}`,
      body: { [this.shape.singular]: changes },
      ...options,
    });
    return this.unwrap(res, this.shape.updateMethod ?? 'PUT');
  }

  /** Returns true when the resource was deleted, false when it was already gone (with ignoreMissing). */
  async delete(id: string, options: DeleteOptions = {}): Promise<boolean> {
    const { ignoreMissing, ...rest } = options;
    try {
      await this.call({ method: 'DELETE', path: `${this.path}/${encodeURIComponent(id)}`, ...rest });
      return true;
    } catch (err) {
      if (ignoreMissing && err instanceof OpenStackError && err.status === 404) return false;
      throw err;
    }
  }

  protected async call<R>(options: RequestOptions): Promise<{ body: R; requestId: string | undefined; url: string; status: number }> {
    const microversion = await this.shape.microversion?.();
    return this.session.request<R>(this.service, { ...options, ...(microversion ? { microversion } : {}) });
  }

  protected unwrap(res: { body: Record<string, T>; requestId: string | undefined; url: string; status: number }, method: string): T {
    const value = res.body?.[this.shape.singular];
    if (value === undefined) {
      throw new OpenStackError(
        { code: 'invalid_response', status: res.status, service: this.service.type, method, url: res.url, requestId: res.requestId },
        `the response has no "${this.shape.singular}" member`,
      );
    }
    return value;
  }
}
