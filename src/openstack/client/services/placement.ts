/**
 * Placement: resource providers (one per compute host, plus nested ones), their
 * inventories and usages. This is where a cluster's real capacity lives since Nova
 * dropped it from the hypervisor API (compute microversion 2.88).
 */
import type { OpenStackSession, ServiceRef } from '../session.js';
import type { CallOptions } from './rest-resource.js';
import { NegotiatedMicroversion } from './negotiated-microversion.js';

const PLACEMENT: ServiceRef = { type: 'placement' };

/** Zed's Placement goes to 1.39; nothing newer is used here. */
export const PLACEMENT_MAX_MICROVERSION = '1.39';

export interface ResourceProvider {
  uuid: string;
  name: string;
  generation: number;
  parent_provider_uuid?: string | null;
  root_provider_uuid?: string;
}

export interface Inventory {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

export interface Inventories {
  resource_provider_generation: number;
  inventories: Record<string, Inventory>;
}

export class PlacementClient {
  readonly #microversion: NegotiatedMicroversion;

  constructor(private readonly session: OpenStackSession) {
    this.#microversion = new NegotiatedMicroversion(session, PLACEMENT, { min: '1.0', max: PLACEMENT_MAX_MICROVERSION });
  }

  microversion(): Promise<string | undefined> {
    return this.#microversion.get();
  }

  async listResourceProviders(query: { name?: string; uuid?: string; in_tree?: string } = {}, options: CallOptions = {}): Promise<ResourceProvider[]> {
    const res = await this.#get<{ resource_providers: ResourceProvider[] }>('resource_providers', query, options);
    return res.resource_providers;
  }

  async getResourceProvider(uuid: string, options: CallOptions = {}): Promise<ResourceProvider> {
    return this.#get<ResourceProvider>(`resource_providers/${encodeURIComponent(uuid)}`, {}, options);
  }

  async getInventories(uuid: string, options: CallOptions = {}): Promise<Inventories> {
    return this.#get<Inventories>(`resource_providers/${encodeURIComponent(uuid)}/inventories`, {}, options);
  }

  /** Replaces all inventories; `generation` guards against a concurrent change (409). */
  async setInventories(uuid: string, generation: number, inventories: Record<string, Partial<Inventory> & { total: number }>, options: CallOptions = {}): Promise<Inventories> {
    const microversion = await this.#microversion.get();
    const res = await this.session.request<Inventories>(PLACEMENT, {
      method: 'PUT',
      path: `resource_providers/${encodeURIComponent(uuid)}/inventories`,
      body: { resource_provider_generation: generation, inventories },
      ...(microversion ? { microversion } : {}),
      ...options,
    });
    return res.body;
  }

  async getUsages(uuid: string, options: CallOptions = {}): Promise<{ resource_provider_generation: number; usages: Record<string, number> }> {
    return this.#get(`resource_providers/${encodeURIComponent(uuid)}/usages`, {}, options);
  }

  async #get<T>(path: string, query: Record<string, string | undefined>, options: CallOptions): Promise<T> {
    const microversion = await this.#microversion.get();
    const res = await this.session.request<T>(PLACEMENT, { path, query, ...(microversion ? { microversion } : {}), ...options });
    return res.body;
  }
}
