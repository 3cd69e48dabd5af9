// The CLI's connection to a running XOS: where it is and who we are. Object commands never open
// the database; they go through the API and its privilege checks like any other client.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

export async function api<T = unknown>(c: Connection, method: string, pathname: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(c.url + pathname, {
      method,
      headers: {
        ...(c.authorization ? { authorization: c.authorization } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        'x-requested-with': 'xos-cli',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new Error(`cannot reach XOS at ${c.url} (${(e as Error).cause ?? (e as Error).message}); is \`xos serve\` running?`);
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    if (res.status === 401 && !c.authorization)
      throw new ApiError(401, { detail: 'not logged in: run `xos login`, or set XOS_TOKEN, or XOS_USER and XOS_PASSWORD' });
    throw new ApiError(res.status, parsed ?? {});
  }
  return parsed as T;
}
