// `xos cluster run -- <openstack arguments>`: the real `openstack` client (python3-openstackclient)
// run here, once per cluster, in parallel, each with the token the API handed out for this run
// (ops/run-credentials.ts), killed at its deadline, and its token revoked and its files removed
// afterwards: after a normal end, a timeout, or Ctrl-C / SIGTERM.
//
// How the client gets the token: in its environment (OS_AUTH_TYPE=v3token, OS_TOKEN), never in a
// file. The environment is never on disk, so nothing secret is left behind even if this process
// is killed with SIGKILL or the machine stops, whereas a file would stay until someone removes
// it; and /proc/<pid>/environ is readable by the same user and root only, the very people who
// could read a 0600 file. It is never on the command line, which every user can read
// (/proc/<pid>/cmdline). What is not secret goes in a clouds.yaml (the client reads endpoint
// overrides from there only), beside the CA bundle, in a fresh 0700 directory that is also the
// client's HOME (so it reads no configuration or cache of the user's and leaves none); that
// directory is removed afterwards. Nothing of the caller's environment but PATH and the locale
// reaches the client: no OS_* of theirs, and not XOS_PASSWORD or XOS_TOKEN.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTransport } from '../openstack/client/index.js';
import type { IssuedCredentials, RunCredentials } from '../ops/run-credentials.js';
import type { ClusterState } from '../ops/fan-out.js';

export interface ClientRun {
  cluster: string;
  state: ClusterState;
  exit_code: number | null;
  duration_ms: number;
  stdout: string;
  stderr: string;
  error: string | null;
}

const MAX_OUTPUT = 8 * 1024 * 1024; // per stream and cluster
const KILL_GRACE_MS = 2000;
const REVOKE_TIMEOUT_MS = 5000;
// The client's words for "could not connect", as opposed to an API's refusal.
const CONNECT_FAILURE = /Unable to establish connection|Failed to establish a new connection|Connection refused|Max retries exceeded|Failed to discover available identity versions|SSL|certificate verify failed/i;

// What is live, for the signal handlers: children to kill, directories to remove, tokens to revoke.
const live = { children: new Set<ChildProcess>(), dirs: new Set<string>(), tokens: new Set<RunCredentials>() };
let handlersInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal); // the client and whatever it started
  } catch {
    /* gone already */
  }
}

function removeDir(dir: string) {
  fs.rmSync(dir, { recursive: true, force: true });
  live.dirs.delete(dir);
}

// DELETE /v3/auth/tokens with the token itself: a user may revoke their own token.
export async function revokeToken(c: RunCredentials): Promise<void> {
  const f = createTransport(c.ca_bundle ? { caBundle: c.ca_bundle } : {});
  const res = await f(`${c.auth_url.replace(/\/+$/, '')}/auth/tokens`, {
    method: 'DELETE',
    headers: { 'x-auth-token': c.token, 'x-subject-token': c.token },
    signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS),
  });
  await res.text().catch(() => '');
  if (!res.ok && res.status !== 404) throw new Error(`Keystone answered ${res.status} to revoking the run's token`);
}

async function revokeQuietly(c: RunCredentials) {
  live.tokens.delete(c);
  await revokeToken(c).catch(() => {}); // it expires by itself anyway; a dead cluster cannot be told
}

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Whatever happens, no directory stays behind.
  process.on('exit', () => {
    for (const c of live.children) killGroup(c, 'SIGKILL');
    for (const d of [...live.dirs]) removeDir(d);
  });
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const)
    process.once(sig, () => {
      for (const c of live.children) killGroup(c, 'SIGKILL');
      for (const d of [...live.dirs]) removeDir(d);
      console.error(`xos: interrupted: ${live.tokens.size} run token(s) revoked, temporary files removed`);
      void Promise.race([Promise.all([...live.tokens].map(revokeQuietly)), new Promise((r) => setTimeout(r, REVOKE_TIMEOUT_MS))]).then(() => process.exit(code));
    });
}

// The controller's endpoint rewrite, as the client takes it: <service type>_endpoint_override in
// clouds.yaml. openstacksdk (network, image, ... commands) uses an override as the versioned root,
// so Neutron's gets its /v2.0; the compute commands of python-openstackclient 6 go through
// novaclient, which takes Nova's endpoint from the catalog and ignores the override.
export function cloudConfig(c: RunCredentials, caFile: string | null) {
  const cloud: Record<string, unknown> = { auth_url: c.auth_url, interface: c.interface, identity_api_version: '3', ...(c.region ? { region_name: c.region } : {}), ...(caFile ? { cacert: caFile } : {}) };
  for (const [type, url] of Object.entries(c.endpoint_overrides)) {
    const versioned = type === 'network' && !/\/v2\.0\/?$/.test(url) ? `${url.replace(/\/+$/, '')}/v2.0` : url;
    cloud[`${type.replace(/-/g, '_')}_endpoint_override`] = versioned;
  }
  return { clouds: { 'xos-run': cloud } };
}

export function clientEnv(c: RunCredentials, home: string, cloudsFile: string): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home, PYTHONDONTWRITEBYTECODE: '1' };
  for (const k of ['LANG', 'LC_ALL', 'LC_CTYPE', 'TZ']) if (process.env[k]) env[k] = process.env[k]!;
  return { ...env, OS_CLIENT_CONFIG_FILE: cloudsFile, OS_CLOUD: 'xos-run', OS_AUTH_TYPE: 'v3token', OS_TOKEN: c.token, OS_PROJECT_ID: c.project_id };
}

async function runOne(issued: IssuedCredentials, args: string[], o: { timeoutMs: number; command: string }): Promise<ClientRun> {
  const t0 = performance.now();
  const done = (r: Omit<ClientRun, 'cluster' | 'duration_ms'>): ClientRun => ({ cluster: issued.cluster, duration_ms: Math.round(performance.now() - t0), ...r });
  const c = issued.credentials;
  if (issued.state !== 'ok' || !c) return done({ state: issued.state, exit_code: null, stdout: '', stderr: '', error: issued.error });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-run-'));
  live.dirs.add(dir);
  try {
    fs.chmodSync(dir, 0o700);
    let caFile: string | null = null;
    if (c.ca_bundle) {
      caFile = path.join(dir, 'ca.pem');
      fs.writeFileSync(caFile, c.ca_bundle, { mode: 0o600 });
    }
    const cloudsFile = path.join(dir, 'clouds.yaml');
    fs.writeFileSync(cloudsFile, JSON.stringify(cloudConfig(c, caFile), null, 2) + '\n', { mode: 0o600 }); // JSON is YAML
    const child = spawn(o.command, args, { env: clientEnv(c, dir, cloudsFile), cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => void (stdout.length < MAX_OUTPUT && (stdout += d)));
    child.stderr!.on('data', (d: Buffer) => void (stderr.length < MAX_OUTPUT && (stderr += d)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
    }, o.timeoutMs);
    const ended = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      child.once('close', (code) => resolve({ code }));
    });
    clearTimeout(timer);
    live.children.delete(child);
    if (ended.error) {
      const missing = (ended.error as NodeJS.ErrnoException).code === 'ENOENT';
      return done({ state: 'failed', exit_code: null, stdout, stderr, error: missing ? `the openstack client (${o.command}) is not installed: apt install python3-openstackclient` : ended.error.message });
    }
    if (timedOut) return done({ state: 'timeout', exit_code: ended.code, stdout, stderr, error: `no answer within ${o.timeoutMs / 1000} s: the client was stopped` });
    if (ended.code === 0) return done({ state: 'ok', exit_code: 0, stdout, stderr, error: null });
    const last = stderr.trim().split('\n').slice(-3).join('\n') || stdout.trim().split('\n').slice(-3).join('\n');
    return done({ state: CONNECT_FAILURE.test(stderr) ? 'unreachable' : 'failed', exit_code: ended.code, stdout, stderr, error: `exit ${ended.code}: ${last}` });
  } finally {
    removeDir(dir);
    await revokeQuietly(c);
  }
}

// Every cluster's run, at most `fanout` at a time (as clush's fanout), in the order given.
export async function runOpenstackClient(issued: IssuedCredentials[], args: string[], o: { timeoutMs: number; fanout: number; command?: string }): Promise<ClientRun[]> {
  installHandlers();
  for (const x of issued) if (x.credentials) live.tokens.add(x.credentials); // revoked on Ctrl-C even if not started yet
  const results: ClientRun[] = new Array(issued.length);
  let next = 0;
  const worker = async () => {
    while (next < issued.length) {
      const i = next++;
      results[i] = await runOne(issued[i], args, { timeoutMs: o.timeoutMs, command: o.command ?? 'openstack' });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.fanout, issued.length)) }, worker));
  return results;
}
