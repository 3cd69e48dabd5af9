/**
 * Lists that span several pages, as an async iterator of items.
 *
 * The next page is found the way each service announces it:
 *   Nova, Neutron   "<key>_links": [{"rel": "next", "href": ...}]
 *   Glance          "next": "/v2/images?marker=..."   (relative to the endpoint)
 *   Keystone        "links": {"next": url | null}
 * and, when a service gives no link but returned a full page, by asking again with
 * marker=<id of the last item>. Iteration stops at the first empty page (Neutron
 * offers a "next" link even on the last page), when a link repeats, or at maxPages.
 */
import type { OpenStackSession, RequestOptions, ServiceRef } from './session.js';

export interface PageOptions {
  /** page size sent as `limit`; the server's default page size when omitted */
  limit?: number;
  /** safety stop against a server that never ends a list */
  maxPages?: number;
  signal?: AbortSignal;
}

export interface PagedListRequest {
  service: ServiceRef;
  path: string;
  /** the body member that holds the items, e.g. "servers" */
  itemsKey: string;
  query?: RequestOptions['query'];
  microversion?: string;
}

export async function* paginate<T>(
  session: OpenStackSession,
  request: PagedListRequest,
  options: PageOptions = {},
): AsyncGenerator<T, void, undefined> {
  const maxPages = options.maxPages ?? 10_000;
  const seen = new Set<string>();
  let next: { url: string } | { marker: string } | undefined;
  for (let page = 0; page < maxPages; page++) {
    const query = { ...request.query, ...(options.limit ? { limit: options.limit } : {}) };
    const response = await session.request<Record<string, unknown>>(request.service, {
      ...(next && 'url' in next ? { url: next.url } : { path: request.path, query: next ? { ...query, marker: next.marker } : query }),
      ...(request.microversion ? { microversion: request.microversion } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    seen.add(pageKey(response.url));
    const body = response.body ?? {};
    const items = body[request.itemsKey];
    if (!Array.isArray(items) || items.length === 0) return;
    for (const item of items) yield item as T;

    const link = nextLink(body, request.itemsKey);
    if (link !== undefined) {
      next = { url: link };
    } else if (options.limit && items.length >= options.limit) {
      const last = items[items.length - 1] as { id?: unknown; uuid?: unknown };
      const marker = last.id ?? last.uuid;
      if (typeof marker !== 'string' && typeof marker !== 'number') return;
      next = { marker: String(marker) };
    } else {
      return;
    }
    if ('url' in next && seen.has(pageKey(new URL(next.url, response.url).toString()))) return;
  }
}

/** Collects a paginated list into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** a page is the same page whatever host its link names */
function pageKey(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

function nextLink(body: Record<string, unknown>, itemsKey: string): string | undefined {
  const links = body[`${itemsKey}_links`];
  if (Array.isArray(links)) {
    const next = links.find((l: { rel?: string; href?: string }) => l?.rel === 'next') as { href?: string } | undefined;
    if (next?.href) return next.href;
  }
  if (typeof body.next === 'string' && body.next !== '') return body.next;
  const keystoneLinks = body.links as { next?: unknown } | undefined;
  if (keystoneLinks && !Array.isArray(keystoneLinks) && typeof keystoneLinks.next === 'string') return keystoneLinks.next;
  return undefined;
}
