/**
 * How requests leave the process.
 *
 * Node 20's global fetch cannot be given a CA bundle per call: it has no `agent`
 * option, and the `dispatcher` it would accept comes from the undici package, which
 * the project does not depend on. A cluster with a private CA must not force that CA
 * on every other connection of the process (NODE_EXTRA_CA_CERTS is process-wide), so
 * for such a cluster requests go through node:https with an Agent holding that
 * cluster's CA, wrapped to look like fetch. Clusters without a CA use global fetch.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** The part of fetch the client uses; tests and callers may pass their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** PEM text of the CA certificate(s) that sign the cluster's endpoints */
  caBundle?: string;
}

export function createTransport(options: TransportOptions = {}): FetchLike {
  if (!options.caBundle) return (url, init) => fetch(url, init);
  return createNodeFetch(options.caBundle);
}

/**
 * A fetch-compatible function on node:http/node:https that trusts `caBundle` (and only
 * it) for https URLs. Response bodies are read fully: the OpenStack APIs this client
 * calls answer with JSON documents, not streams.
 */
export function createNodeFetch(caBundle: string): FetchLike {
  // keepAlive off: the uwsgi-served APIs close every connection after the response
  const agent = new https.Agent({ ca: caBundle, keepAlive: false });
  return (url, init) => nodeRequest(new URL(url), init, agent);
}

function nodeRequest(url: URL, init: RequestInit, agent: https.Agent): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const isHttps = url.protocol === 'https:';
  const request = isHttps ? https.request : http.request;
  return new Promise<Response>((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: headersToObject(init.headers),
        ...(isHttps ? { agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) for (const v of value) headers.append(name, v);
            else if (value !== undefined) headers.set(name, value);
          }
          const status = res.statusCode ?? 0;
          // Response() refuses a body for these statuses
          const body = status === 204 || status === 304 || status < 200 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers }));
        });
      },
    );
    const onAbort = () => req.destroy(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.on('error', reject);
    writeBody(req, init.body).catch((err: unknown) => req.destroy(err as Error));
  });
}

async function writeBody(req: http.ClientRequest, body: RequestInit['body']): Promise<void> {
  if (body === undefined || body === null) {
    req.end();
  } else if (typeof body === 'string' || body instanceof Uint8Array) {
    req.end(body);
  } else if (body instanceof ArrayBuffer) {
    req.end(Buffer.from(body));
  } else if (body instanceof Blob) {
    req.end(Buffer.from(await body.arrayBuffer()));
  } else if (body instanceof ReadableStream) {
    Readable.fromWeb(body as import('node:stream/web').ReadableStream).pipe(req);
  } else {
    throw new TypeError('unsupported request body type');
  }
}

function headersToObject(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
