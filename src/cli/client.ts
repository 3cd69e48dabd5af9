// The CLI's connection to a running XOS: where it is and who we are. Object commands never open
// the database; they go through the API and its privilege checks like any other client.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { deferredCa } from './deferred-ca.js';

export interface Connection {
  url: string;
  authorization?: string;
}

const credentialsFile = () => path.join(process.env.XOS_CLI_HOME || path.join(os.homedir(), '.config', 'xos'), 'credentials.json');

export function saveLogin(url: string, token: string, email: string) {
  const file = credentialsFile();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify({ url, token, email }, null, 2) + '\n', { mode: 0o600 });
  return file;
}

export function forgetLogin() {
  fs.rmSync(credentialsFile(), { force: true });
}

function savedLogin(): { url?: string; token?: string } {
  try {
    return JSON.parse(fs.readFileSync(credentialsFile(), 'utf8'));
  } catch {
    return {};
  }
}

export function connection(opts: { url?: string; port: number }): Connection {
  const env = process.env;
  const saved = savedLogin();
  const url = (opts.url || env.XOS_URL || saved.url || `http://127.0.0.1:${opts.port}`).replace(/\/$/, '');
  const basic = (user?: string, pw?: string) => (user && pw ? `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` : undefined);
  const authorization =
    (env.XOS_TOKEN && `Bearer ${env.XOS_TOKEN}`) ||
    basic(env.XOS_USER, env.XOS_PASSWORD) ||
    (saved.token && `Bearer ${saved.token}`) ||
    basic(env.XOS_ADMIN_EMAIL || (env.XOS_ADMIN_PASSWORD ? 'admin@example.com' : undefined), env.XOS_ADMIN_PASSWORD);
  return { url, authorization };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { detail?: string; errors?: { field: string; message: string }[] },
  ) {
    super(body.detail ?? `HTTP ${status}`);
  }
}

// node:http rather than fetch: fetch loads its HTTP client on first use and keeps the process
// alive for a while after the answer, which together cost a short command most of its run time.
// node:https (and TLS with it) is loaded only for an https URL.
async function send(url: URL, method: string, headers: Record<string, string>, payload?: string): Promise<{ status: number; text: string }> {
  const https = url.protocol === 'https:';
  const trust = https ? await deferredCa() : {};
  const get = https ? (await import('node:https')).request : http.request;
  return new Promise((resolve, reject) => {
    const req = get(url, { method, headers: { ...headers, connection: 'close' }, agent: false, timeout: 60_000, ...trust }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function api<T = unknown>(c: Connection, method: string, pathname: string, body?: unknown): Promise<T> {
  let res: { status: number; text: string };
  try {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    res = await send(
      new URL(c.url + pathname),
      method,
      {
        ...(c.authorization ? { authorization: c.authorization } : {}),
        ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
        'x-requested-with': 'xos-cli',
      },
      payload,
    );
  } catch (e) {
    throw new Error(`cannot reach XOS at ${c.url} (${(e as Error).message}); is \`xos serve\` running?`);
  }
  const text = res.text;
  const parsed = text ? JSON.parse(text) : undefined;
  if (res.status < 200 || res.status > 299) {
    if (res.status === 401 && !c.authorization)
      throw new ApiError(401, { detail: 'not logged in: run `xos login`, or set XOS_TOKEN, or XOS_USER and XOS_PASSWORD' });
    throw new ApiError(res.status, parsed ?? {});
  }
  return parsed as T;
}
