/**
 * The one error type the OpenStack client throws.
 *
 * It carries what an operator needs to find the failed call in the cluster's logs
 * (service, method, URL, request id) and what the server said, and never a token or
 * a password: URLs lose any user-info part, and the session passes every message
 * through its redactor before it is built (see session.ts).
 */

export type OpenStackErrorCode =
  | 'http' // the server answered with an error status
  | 'timeout' // no answer within the request's time limit
  | 'network' // connection refused, reset, DNS failure, TLS failure
  | 'aborted' // the caller's AbortSignal fired
  | 'auth_failed' // Keystone refused the credentials (or re-authentication failed)
  | 'unauthorized_after_reauth' // a fresh token was refused too: no further attempt
  | 'endpoint_not_found' // the catalog has no such service/region/interface
  | 'unsupported_version' // the server's microversion range does not fit the client's
  | 'invalid_response' // a body that is not what the API documents
  | 'resource_error' // a resource being waited for went to ERROR (server build failed)
  | 'wait_timeout'; // a resource did not reach the wanted state in time

export interface OpenStackErrorDetails {
  code: OpenStackErrorCode;
  /** HTTP status, or 0 when there was no HTTP answer */
  status: number;
  /** catalog service type, e.g. "compute", "identity" */
  service: string;
  method: string;
  url: string;
  requestId?: string | undefined;
  /** the message from the server's error body, if any */
  serverMessage?: string | undefined;
  /** how many attempts were made (retries after 429/503, one re-authentication) */
  attempts?: number;
  cause?: unknown;
}

export class OpenStackError extends Error {
  override readonly name = 'OpenStackError';
  readonly code: OpenStackErrorCode;
  readonly status: number;
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly requestId: string | undefined;
  readonly serverMessage: string | undefined;
  readonly attempts: number;

  constructor(details: OpenStackErrorDetails, summary?: string) {
    super(describe(details, summary), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.status = details.status;
    this.service = details.service;
    this.method = details.method;
    this.url = details.url;
    this.requestId = details.requestId;
    this.serverMessage = details.serverMessage;
    this.attempts = details.attempts ?? 1;
  }

  /** true for "this object does not exist", which callers usually treat as done */
  get isNotFound(): boolean {
    return this.status === 404;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      service: this.service,
      method: this.method,
      url: this.url,
      requestId: this.requestId,
      serverMessage: this.serverMessage,
      message: this.message,
    };
  }
}

/**
 * e.g. `compute GET http://10.0.0.5:8774/v2.1/servers/x: 404 Not Found: Instance x could not be found. (request req-…)`
 * or, without an HTTP answer, `compute GET http://…/servers: no answer within 30000 ms`
 */
function describe(d: OpenStackErrorDetails, summary?: string): string {
  const what = summary ?? d.serverMessage;
  let text = `${d.service} ${d.method} ${d.url}: `;
  if (d.status > 0) text += `${d.status}${reasonPhrase(d.status)}${what ? `: ${what}` : ''}`;
  else text += what ?? d.code;
  if (d.requestId) text += ` (request ${d.requestId})`;
  return text;
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: ' Bad Request', 401: ' Unauthorized', 403: ' Forbidden', 404: ' Not Found',
    405: ' Method Not Allowed', 406: ' Not Acceptable', 409: ' Conflict', 413: ' Payload Too Large',
    415: ' Unsupported Media Type', 429: ' Too Many Requests', 500: ' Internal Server Error',
    501: ' Not Implemented', 502: ' Bad Gateway', 503: ' Service Unavailable', 504: ' Gateway Timeout',
  };
  return phrases[status] ?? '';
}

/** A URL fit for messages and logs: no user:password@ part. */
export function safeUrl(url: string | URL): string {
  try {
    const u = new URL(url.toString());
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//');
  }
}
