/**
 * The service catalog that comes with a Keystone v3 token, and picking one endpoint
 * from it by service type, region and interface.
 */

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CatalogEndpoint {
  id: string;
  interface: EndpointInterface;
  region_id: string | null;
  region: string | null;
  url: string;
}

export interface CatalogService {
  id: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface EndpointQuery {
  serviceType: string;
  /** region id (or its legacy name); any region when undefined */
  region?: string;
  interface: EndpointInterface;
}

/**
 * The URL of the first endpoint that matches, or undefined. Keystone lists regions
 * both as `region_id` and the deprecated `region`; either may match.
 */
export function findEndpoint(catalog: readonly CatalogService[], query: EndpointQuery): string | undefined {
  for (const service of catalog) {
    if (service.type !== query.serviceType) continue;
    const endpoint = service.endpoints.find(
      (e) =>
        e.interface === query.interface &&
        (query.region === undefined || e.region_id === query.region || e.region === query.region),
    );
    if (endpoint) return endpoint.url;
  }
  return undefined;
}

/** What the catalog offers, for error messages and for "test the connection". */
export function describeCatalog(catalog: readonly CatalogService[]): string[] {
  return catalog.flatMap((s) =>
    s.endpoints.map((e) => `${s.type} ${e.interface} ${e.region_id ?? e.region ?? '-'} ${e.url}`),
  );
}
