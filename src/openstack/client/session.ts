/**
 * One authenticated connection to one OpenStack cluster: every request of every
 * service client goes through `request()`, which applies the rules the reference
 * SDKs (keystoneauth, gophercloud, openstacksdk) have learned the hard way:
 *
 * - Tokens are refreshed before they expire (stale when < 120 s remain).
 * - A 401 leads to exactly one re-authentication, shared by every request that
 *   got the 401 with the same token (single flight), then one retry. A second 401
 *   is an error, never another round: no loops.
 * - 429, and 503 on idempotent methods or with Retry-After, are retried a bounded
 *   number of times, honouring Retry-After, with jitter.
 * - Every attempt has its own time limit; the caller's AbortSignal ends everything.
 * - Request ids are kept on results and errors; tokens and passwords never appear
 *   in errors or request events.
 */
import { findEndpoint, type EndpointInterface, type CatalogService } from './catalog.js';
import { compileRewriteRules, type EndpointRewriteRule } from './endpoint-rewrite.js';
import { tokenRequestBody, secretsOf, type Credentials } from './credentials.js';
import { extractServerMessage } from './error-body.js';
import { OpenStackError, safeUrl, type OpenStackErrorCode } from './errors.js';
import { microversionHeaders } from './microversion.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, sleep, type RetryPolicy } from './retry.js';
import { isStale, MIN_TOKEN_LIFE_MS, tokenFromResponse, type Token } from './token.js';
import { createTransport, type FetchLike } from './transport.js';

export interface SessionOptions {
  /** Keystone URL, with or without the trailing /v3 */
  authUrl: string;
  credentials: Credentials;
  /** region to take endpoints from; any region when omitted */
  region?: string;
  /** catalog interface; "public" by default */
  interface?: EndpointInterface;
  /** PEM CA bundle for this cluster's TLS endpoints */
  caBundle?: string;
  /** host rewrites for catalog URLs (see endpoint-rewrite.ts) */
  endpointRewrites?: readonly EndpointRewriteRule[];
  /** fixed endpoint per service type, used instead of the catalog (no rewrite applied) */
  endpointOverrides?: Readonly<Record<string, string>>;
  /** time limit per attempt, default 30 s */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** refresh a token when less than this remains, default 120 s */
  minTokenLifeMs?: number;
  /** replaces the transport (tests, instrumentation) */
  fetch?: FetchLike;
  userAgent?: string;
  /** called after every attempt; carries no header, token or body */
  onRequest?: (event: RequestEvent) => void;
  /** clock, for tests */
  now?: () => number;
  /** aborts every request of this session (its owner is shutting down) */
  signal?: AbortSignal;
}

export interface RequestEvent {
  service: string;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  attempt: number;
  requestId?: string;
  outcome: 'ok' | 'error' | 'retry' | 'reauth';
}

/** Where a service's API lives relative to its catalog endpoint. */
export interface ServiceRef {
  /** catalog service type */
  type: string;
  /**
   * version path segment ("v2.0" for Neutron, "v2" for Glance, "v3" for Keystone),
   * added to the endpoint unless the catalog URL already ends with it
   */
  version?: string;
}

type Query = Record<string, string | number | boolean | undefined | null | ReadonlyArray<string | number>>;
type RawBody = Uint8Array | string | Blob | ReadableStream<Uint8Array>;

export interface RequestOptions {
  method?: string;
  /** path below the service's versioned endpoint, e.g. "servers/detail" */
  path?: string;
  /** absolute URL instead of `path` (pagination links); kept on the endpoint's origin */
  url?: string;
  query?: Query;
  /** JSON body */
  body?: unknown;
  /** body sent as is (image data); a stream cannot be re-sent, so it is never retried */
  rawBody?: RawBody;
  contentType?: string;
  headers?: Record<string, string>;
  /** microversion for this call, sent in the service's headers */
  microversion?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** false for the few calls that need no token (version documents) */
  authenticated?: boolean;
  /** statuses that count as success besides 2xx, e.g. 300 for version documents */
  acceptStatuses?: readonly number[];
}

export interface OpenStackResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  url: string;
  requestId: string | undefined;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class OpenStackSession {
  readonly authUrl: string;
  readonly region: string | undefined;
  readonly interface: EndpointInterface;
  readonly #credentials: Credentials;
  readonly #fetch: FetchLike;
  readonly #rewrite: (url: string) => string;
  readonly #overrides: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #minTokenLifeMs: number;
  readonly #userAgent: string;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #now: () => number;
  #token: Token | undefined;
  #authInFlight: Promise<Token> | undefined;
  /** every token this session has held: all are secrets */
  readonly #pastTokens = new Set<string>();
  readonly #signal: AbortSignal | undefined;
  /** how many times this session asked Keystone for a token (for tests and metrics) */
  authCount = 0;

  constructor(options: SessionOptions) {
    // user:password@ in a URL would end up in messages; fetch refuses such URLs anyway
    this.authUrl = normaliseAuthUrl(safeUrl(options.authUrl));
    this.region = options.region;
    this.interface = options.interface ?? 'public';
    this.#credentials = options.credentials;
    this.#fetch = options.fetch ?? createTransport(options.caBundle ? { caBundle: options.caBundle } : {});
    this.#rewrite = compileRewriteRules(options.endpointRewrites ?? []);
    this.#overrides = options.endpointOverrides ?? {};
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#minTokenLifeMs = options.minTokenLifeMs ?? MIN_TOKEN_LIFE_MS;
    this.#userAgent = options.userAgent ?? 'xos-openstack-client';
    this.#onRequest = options.onRequest;
    this.#now = options.now ?? Date.now;
    this.#signal = options.signal;
  }

  /** A token with enough life left, authenticating first if needed. */
  async token(): Promise<Token> {
    const current = this.#token;
    if (current && !isStale(current, this.#now(), this.#minTokenLifeMs)) return current;
    return this.#authenticate();
  }

  /** Drops the current token, so the next call authenticates again. */
  invalidate(): void {
    this.#token = undefined;
  }

  async catalog(): Promise<readonly CatalogService[]> {
    return (await this.token()).catalog;
  }

  /** The (rewritten) endpoint URL for a service type, as requests will use it. */
  async endpoint(serviceType: string): Promise<string> {
    return this.#endpointFrom(await this.token(), serviceType);
  }

  async request<T = unknown>(service: ServiceRef, given: RequestOptions = {}): Promise<OpenStackResponse<T>> {
    // the session's own signal stops the retry waits too
    const options = this.#signal ? { ...given, signal: given.signal ? AbortSignal.any([given.signal, this.#signal]) : this.#signal } : given;
    const method = (options.method ?? 'GET').toUpperCase();
    const authenticated = options.authenticated !== false;
    const replayable = !(options.rawBody instanceof ReadableStream);
    let token = authenticated ? await this.token() : undefined;
    let reauthenticated = false;
    let retries = 0;

    for (let attempt = 1; ; attempt++) {
      const base = token ? this.#endpointFrom(token, service.type) : await this.#endpointWithoutToken(service.type);
      const url = buildUrl(base, service.version, options);
      const headers = this.#headers(service, options, token);
      const started = this.#now();
      let result: RawResult;
      try {
        result = await this.#send(method, url, headers, options);
      } catch (err) {
        const failure = err as SendFailure;
        const canRetry = failure.code === 'network' && SAFE_METHODS.has(method) && replayable && retries < this.#retry.maxRetries;
        this.#emit(service, method, url, 0, started, attempt, undefined, canRetry ? 'retry' : 'error');
        if (canRetry) {
          retries++;
          await this.#wait(retryDelay(retries, undefined, this.#retry)!, options.signal, service, method, url);
          continue;
        }
        throw this.#error(
          { code: failure.code, status: 0, service: service.type, method, url, attempts: attempt, cause: failure.cause },
          describeFailure(failure, options.timeoutMs ?? this.#timeoutMs),
        );
      }

      const { response, text } = result;
      const requestId = requestIdOf(response.headers);

      if (response.status === 401 && token) {
        if (!reauthenticated && replayable) {
          this.#emit(service, method, url, 401, started, attempt, requestId, 'reauth');
          reauthenticated = true;
          token = await this.#reauthenticate(token);
          continue;
        }
        this.#emit(service, method, url, 401, started, attempt, requestId, 'error');
        throw this.#error(
          {
            code: reauthenticated ? 'unauthorized_after_reauth' : 'http',
            status: 401, service: service.type, method, url, requestId, attempts: attempt,
            serverMessage: this.#serverMessage(text, response),
          },
          reauthenticated ? 'the request was refused again with a fresh token' : undefined,
        );
      }

      if (this.#shouldRetryStatus(response, method, replayable) && retries < this.#retry.maxRetries) {
        const delay = retryDelay(retries + 1, parseRetryAfter(response.headers.get('retry-after'), this.#now()), this.#retry);
        if (delay !== undefined) {
          this.#emit(service, method, url, response.status, started, attempt, requestId, 'retry');
          retries++;
          await this.#wait(delay, options.signal, service, method, url);
          continue;
        }
      }

      const ok = (response.status >= 200 && response.status < 300) || (options.acceptStatuses ?? []).includes(response.status);
      this.#emit(service, method, url, response.status, started, attempt, requestId, ok ? 'ok' : 'error');
      if (!ok) {
        throw this.#error({
          code: 'http', status: response.status, service: service.type, method, url, requestId, attempts: attempt,
          serverMessage: this.#serverMessage(text, response),
        });
      }
      return { status: response.status, headers: response.headers, body: parseBody<T>(text, response), url: safeUrl(url), requestId };
    }
  }

  /** Replaces secrets (password, application credential secret, tokens) by "***". */
  redact(text: string): string {
    let out = text;
    for (const secret of [...secretsOf(this.#credentials), ...this.#pastTokens]) {
      if (secret.length >= 4) out = out.split(secret).join('***');
    }
    return out;
  }

  // ----------------------------------------------------------------------------
  // authentication

  #authenticate(): Promise<Token> {
    // every caller that needs a token while one is being fetched waits for that one
    this.#authInFlight ??= this.#fetchToken().finally(() => {
      this.#authInFlight = undefined;
    });
    return this.#authInFlight;
  }

  /**
   * After a 401 with `rejected`: if another request already replaced that token,
   * use the new one; otherwise join (or start) the single re-authentication.
   */
  async #reauthenticate(rejected: Token): Promise<Token> {
    const current = this.#token;
    if (current && current.value !== rejected.value && !isStale(current, this.#now(), this.#minTokenLifeMs)) {
      return current;
    }
    if (current?.value === rejected.value) this.#token = undefined;
    return this.#authenticate();
  }

  async #fetchToken(): Promise<Token> {
    const url = `${this.authUrl}/auth/tokens`;
    const service: ServiceRef = { type: 'identity' };
    this.authCount++;
    let attempt = 0;
    let retries = 0;
    for (;;) {
      attempt++;
      const started = this.#now();
      let result: RawResult;
      try {
        result = await this.#send('POST', url, {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'User-Agent': this.#userAgent,
        }, { body: tokenRequestBody(this.#credentials) });
      } catch (err) {
        const failure = err as SendFailure;
        this.#emit(service, 'POST', url, 0, started, attempt, undefined, 'error');
        throw this.#error({ code: failure.code, status: 0, service: 'identity', method: 'POST', url, attempts: attempt, cause: failure.cause },
          `could not authenticate: ${describeFailure(failure, this.#timeoutMs)}`);
      }
      const { response, text } = result;
      const requestId = requestIdOf(response.headers);
      if ((response.status === 429 || response.status === 503) && retries < this.#retry.maxRetries) {
        const delay = retryDelay(retries + 1, parseRetryAfter(response.headers.get('retry-after'), this.#now()), this.#retry);
        if (delay !== undefined) {
          this.#emit(service, 'POST', url, response.status, started, attempt, requestId, 'retry');
          retries++;
          await this.#wait(delay, undefined, service, 'POST', url);
          continue;
        }
      }
      this.#emit(service, 'POST', url, response.status, started, attempt, requestId, response.status === 201 ? 'ok' : 'error');
      if (response.status !== 201 && response.status !== 200) {
        throw this.#error({
          code: response.status === 401 ? 'auth_failed' : 'http',
          status: response.status, service: 'identity', method: 'POST', url, requestId, attempts: attempt,
          serverMessage: this.#serverMessage(text, response),
        });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const token = tokenFromResponse(response.headers.get('x-subject-token'), body, requestId);
      if (!token) {
        throw this.#error({ code: 'invalid_response', status: response.status, service: 'identity', method: 'POST', url, requestId },
          'Keystone answered without a usable token (X-Subject-Token header or token body missing)');
      }
      this.#pastTokens.add(token.value);
      this.#token = token;
      return token;
    }
  }

  // ----------------------------------------------------------------------------
  // endpoints

  #endpointFrom(token: Token, serviceType: string): string {
    const override = this.#overrides[serviceType];
    if (override) return override;
    const found = findEndpoint(token.catalog, {
      serviceType,
      interface: this.interface,
      ...(this.region !== undefined ? { region: this.region } : {}),
    });
    if (found) return this.#rewrite(found);
    // Keystone itself is always reachable where we authenticated
    if (serviceType === 'identity') return this.authUrl;
    const where = `${serviceType} ${this.interface}${this.region ? ` in region ${this.region}` : ''}`;
    throw new OpenStackError(
      { code: 'endpoint_not_found', status: 0, service: serviceType, method: '-', url: safeUrl(this.authUrl) },
      `the catalog has no ${where} endpoint`,
    );
  }

  async #endpointWithoutToken(serviceType: string): Promise<string> {
    const override = this.#overrides[serviceType];
    if (override) return override;
    if (serviceType === 'identity') return this.authUrl;
    // the catalog only comes with a token, so an unauthenticated call still needs one
    return this.#endpointFrom(await this.token(), serviceType);
  }

  // ----------------------------------------------------------------------------
  // one HTTP exchange

  #headers(service: ServiceRef, options: RequestOptions, token: Token | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.#userAgent,
      ...(options.microversion ? microversionHeaders(service.type, options.microversion) : {}),
      ...options.headers,
    };
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    else if (options.rawBody !== undefined) headers['Content-Type'] = options.contentType ?? 'application/octet-stream';
    if (token) headers['X-Auth-Token'] = token.value;
    return headers;
  }

  async #send(method: string, url: string, headers: Record<string, string>, given: Pick<RequestOptions, 'body' | 'rawBody' | 'timeoutMs' | 'signal'>): Promise<RawResult> {
    const own = this.#signal;
    const options = own ? { ...given, signal: given.signal ? AbortSignal.any([given.signal, own]) : own } : given;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const body = options.body !== undefined ? JSON.stringify(options.body) : options.rawBody;
    // redirects are not followed: fetch would carry X-Auth-Token to wherever they point
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal, redirect: 'manual' };
    if (body !== undefined) init.body = body as BodyInit;
    // a streamed request body needs half-duplex mode in Node's fetch
    if (body instanceof ReadableStream) init.duplex = 'half';
    try {
      const response = await this.#fetch(url, init);
      // the time limit covers reading the body too
      const text = method === 'HEAD' || response.status === 204 ? '' : await response.text();
      return { response, text };
    } catch (cause) {
      const code: OpenStackErrorCode = options.signal?.aborted ? 'aborted' : timeout.aborted ? 'timeout' : 'network';
      throw { code, cause: sanitiseCause(cause, this) } satisfies SendFailure;
    }
  }

  #shouldRetryStatus(response: Response, method: string, replayable: boolean): boolean {
    if (!replayable) return false;
    if (response.status === 429) return true;
    // 503 means "not now"; on a non-idempotent method retry only when told when to
    if (response.status === 503) return IDEMPOTENT_METHODS.has(method) || response.headers.has('retry-after');
    return false;
  }

  async #wait(ms: number, signal: AbortSignal | undefined, service: ServiceRef, method: string, url: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (cause) {
      throw this.#error({ code: 'aborted', status: 0, service: service.type, method, url, cause });
    }
  }

  #serverMessage(text: string, response: Response): string | undefined {
    return extractServerMessage(text, response.headers.get('content-type') ?? '');
  }

  #error(details: ConstructorParameters<typeof OpenStackError>[0], summary?: string): OpenStackError {
    return new OpenStackError(
      {
        ...details,
        url: this.redact(safeUrl(details.url)),
        ...(details.serverMessage !== undefined ? { serverMessage: this.redact(details.serverMessage) } : {}),
      },
      summary === undefined ? undefined : this.redact(summary),
    );
  }

  #emit(service: ServiceRef, method: string, url: string, status: number, started: number, attempt: number,
    requestId: string | undefined, outcome: RequestEvent['outcome']): void {
    if (!this.#onRequest) return;
    try {
      this.#onRequest({
        service: service.type, method, url: this.redact(safeUrl(url)), status,
        durationMs: this.#now() - started, attempt, outcome, ...(requestId ? { requestId } : {}),
      });
    } catch {
      // an observer's failure must not change the request's outcome
    }
  }
}

interface RawResult {
  response: Response;
  text: string;
}

interface SendFailure {
  code: OpenStackErrorCode;
  cause: unknown;
}

function normaliseAuthUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

/** endpoint + version segment (unless already there) + path + query */
export function buildUrl(endpoint: string, version: string | undefined, options: Pick<RequestOptions, 'url' | 'path' | 'query'>): string {
  let url: URL;
  if (options.url) {
    url = keepOnOrigin(options.url, endpoint);
  } else {
    let base = endpoint.replace(/\/+$/, '');
    if (version && !base.endsWith(`/${version}`)) base = `${base}/${version}`;
    const path = (options.path ?? '').replace(/^\/+/, '');
    url = new URL(path ? `${base}/${path}` : `${base}/`);
  }
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
    else url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/**
 * A link from a response body (a "next" page) may carry the address the service
 * believes it has, which may be unreachable, or may point elsewhere entirely. The
 * token is only ever sent to the endpoint's own origin: the link's path and query
 * are kept, its origin is replaced. A link that is only a path ("/v2/images?marker=")
 * is placed under the endpoint's path prefix, if the endpoint has one.
 */
function keepOnOrigin(link: string, endpoint: string): URL {
  const base = new URL(endpoint);
  const isPathOnly = link.startsWith('/') && !link.startsWith('//');
  if (!isPathOnly) {
    const target = new URL(link, base);
    if (target.origin === base.origin) return target;
    link = target.pathname + target.search;
  }
  const prefix = base.pathname.replace(/\/+$/, '').replace(/\/v\d+(\.\d+)?$/, '');
  const path = prefix && !link.startsWith(`${prefix}/`) ? `${prefix}${link}` : link;
  return new URL(path, base.origin);
}

function requestIdOf(headers: Headers): string | undefined {
  return headers.get('x-openstack-request-id') ?? headers.get('x-compute-request-id') ?? headers.get('openstack-request-id') ?? undefined;
}

function parseBody<T>(text: string, response: Response): T {
  if (text === '') return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as T;
    } catch {
      // fall through: hand back the text
    }
  }
  return text as T;
}

function describeFailure(failure: SendFailure, timeoutMs: number): string {
  if (failure.code === 'timeout') return `no answer within ${timeoutMs} ms`;
  if (failure.code === 'aborted') return 'aborted by the caller';
  const cause = failure.cause as (Error & { code?: unknown; detail?: string }) | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const text = cause?.detail ?? cause?.message;
  const detail = code && text && !text.includes(code) ? `${code}: ${text}` : text ?? code;
  return detail ? `network error (${detail})` : 'network error';
}

/**
 * Keeps the cause's type, code and message for debugging, without secrets. fetch
 * reports "fetch failed" and hides the useful part (ECONNREFUSED, a TLS error) one
 * level down, in its own cause.
 */
function sanitiseCause(cause: unknown, session: OpenStackSession): unknown {
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause instanceof Error ? (cause.cause as Error & { code?: unknown }) : undefined;
  const clean = new Error(session.redact(cause.message)) as Error & { code?: unknown; detail?: string };
  clean.name = cause.name;
  const code = (cause as { code?: unknown }).code ?? inner?.code;
  if (code !== undefined) clean.code = code;
  if (inner) clean.detail = session.redact(inner.message);
  return clean;
}
