/**
 * A tiny HTTP server on 127.0.0.1 that plays an OpenStack cluster for the client's
 * unit tests: each test says how to answer, the server replays the answers
 * (recorded from the lab cluster, see openstack-client-recordings.ts) and keeps every
 * request it received so the test can count and inspect them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenBody } from './openstack-client-recordings.js';

export interface ReceivedRequest {
  /** "http://127.0.0.1:<port>", for answers that contain URLs (catalogs, links) */
  baseUrl: string;
  method: string;
  /** path and query, e.g. "/compute/v2.1/servers?limit=2" */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** the request body parsed as JSON, when it is JSON */
  json: unknown;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** objects are sent as JSON, strings as they are */
  body?: unknown;
  /** answer only after this many milliseconds */
  delayMs?: number;
}

export type Handler = (req: ReceivedRequest) => Reply | Promise<Reply>;

export interface FakeCloud {
  /** e.g. "http://127.0.0.1:40123" */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** requests whose method matches and whose path starts with `pathPrefix` */
  count(method: string, pathPrefix: string): number;
  close(): Promise<void>;
}

export async function startFakeCloud(handler: Handler): Promise<FakeCloud> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsedUrl = new URL(req.url ?? '/', 'http://fake');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const received: ReceivedRequest = {
        baseUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: parsedUrl.pathname,
        query: parsedUrl.searchParams,
        headers: req.headers,
        body,
        json,
      };
      requests.push(received);
      Promise.resolve(handler(received))
        .then(async (reply) => {
          if (reply.delayMs) {
            // a client that gives up closes the connection: stop waiting then, so
            // that no timer keeps the test process alive
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, reply.delayMs);
              res.on('close', () => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          if (res.destroyed || res.writableEnded) return;
          const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          const headers: Record<string, string> = {
            ...(typeof reply.body === 'object' ? { 'Content-Type': 'application/json' } : {}),
            ...reply.headers,
            // as the uwsgi-served APIs do
            Connection: 'close',
          };
          res.writeHead(reply.status, headers);
          res.end(payload);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`fake cloud handler failed: ${String(err)}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    count: (method, pathPrefix) => requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Keystone's answer to POST /v3/auth/tokens: the token value in X-Subject-Token. */
export function tokenReply(req: ReceivedRequest, value: string, options: { expiresInMs?: number; region?: string } = {}): Reply {
  return {
    status: 201,
    headers: { 'X-Subject-Token': value, 'x-openstack-request-id': `req-auth-${Math.random().toString(16).slice(2)}` },
    body: tokenBody(req.baseUrl, options),
  };
}

export const isTokenRequest = (req: ReceivedRequest) => req.method === 'POST' && req.path === '/identity/v3/auth/tokens';
