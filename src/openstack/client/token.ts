/**
 * A Keystone v3 token as the client keeps it: the opaque value from the
 * X-Subject-Token header plus what the token body says about it.
 */
import type { CatalogService } from './catalog.js';

export interface NamedRef {
  id: string;
  name: string;
  domain?: { id: string; name: string };
}

export interface Token {
  /** the X-Subject-Token value; never logged, never part of an error message */
  readonly value: string;
  readonly expiresAt: Date;
  readonly issuedAt?: Date;
  readonly user: NamedRef;
  readonly project?: NamedRef;
  readonly domain?: { id: string; name: string };
  readonly roles: ReadonlyArray<{ id: string; name: string }>;
  readonly catalog: readonly CatalogService[];
  readonly methods: readonly string[];
  readonly requestId?: string;
}

/**
 * keystoneauth treats a token as stale when less than 120 s of it remain
 * (MIN_TOKEN_LIFE_SECONDS), so that a request never starts with a token that may
 * expire on its way; the client does the same.
 */
export const MIN_TOKEN_LIFE_MS = 120_000;

export function isStale(token: Token, now: number, minLifeMs = MIN_TOKEN_LIFE_MS): boolean {
  return token.expiresAt.getTime() - now < minLifeMs;
}

interface TokenBody {
  token?: {
    expires_at?: string;
    issued_at?: string;
    methods?: string[];
    user?: NamedRef;
    project?: NamedRef;
    domain?: { id: string; name: string };
    roles?: Array<{ id: string; name: string }>;
    catalog?: CatalogService[];
  };
}

/** Builds a Token from the header value and the response body; undefined if either is unusable. */
export function tokenFromResponse(value: string | null, body: unknown, requestId?: string): Token | undefined {
  const t = (body as TokenBody | null)?.token;
  if (!value || !t?.expires_at || !t.user) return undefined;
  const expiresAt = new Date(t.expires_at);
  if (Number.isNaN(expiresAt.getTime())) return undefined;
  return {
    value,
    expiresAt,
    ...(t.issued_at ? { issuedAt: new Date(t.issued_at) } : {}),
    user: t.user,
    ...(t.project ? { project: t.project } : {}),
    ...(t.domain ? { domain: t.domain } : {}),
    roles: t.roles ?? [],
    catalog: t.catalog ?? [],
    methods: t.methods ?? [],
    ...(requestId ? { requestId } : {}),
  };
}
