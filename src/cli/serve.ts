// `xos serve`: a supervisor process that owns the listening socket and the pid file, and worker
// processes that do the work (serve-worker.ts): the roles api, sync and ops, in one process or
// spread over several (roles.ts). The supervisor hands each accepted connection to an API worker
// in turn. It holds connections while no worker can take them, which is what lets a reload on
// the embedded database (one process at a time) replace its worker without refusing anyone.
//
// Signals: TERM or INT stop (workers finish what is in flight, bounded by [server] stop_seconds),
// HUP reloads: xos_config is read again, new workers start, then the old ones drain.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { XosConfig } from '../config/schema.js';
import { VERSION } from '../version.js';
import { parseRoles, planWorkers, type Role, type WorkerPlan } from './roles.js';
import { claimPidFile, pidFileOf, releasePidFile, writeStatus, type ServeStatus } from './pid-file.js';
import type { FromWorker, ToWorker } from './serve-messages.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  roles?: string;
  workers?: string;
}

interface Worker {
  proc: ChildProcess;
  roles: Role[];
  ready: boolean;
  draining: boolean;
  exited: Promise<number | null>;
}

const here = fileURLToPath(import.meta.url);
const workerEntry = path.join(path.dirname(here), `worker-main${path.extname(here)}`);

function planFor(config: XosConfig, o: ServeOptions): WorkerPlan[] {
  let roles = parseRoles(o.roles ?? config.server.roles, o.roles !== undefined ? '--roles' : '[server] roles');
  if (!config.observer.enabled) roles = roles.filter((r) => r !== 'sync'); // [observer] enabled = False
  if (!roles.length) throw new Error('nothing to run: the roles are only sync, and [observer] enabled = False');
  const workers = o.workers !== undefined ? Number(o.workers) : config.server.workers;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`--workers: "${o.workers}" is not a number from 1 to 64`);
  return planWorkers({ roles, workers, syncWorkers: config.server.sync_workers, embedded: !config.db.url });
}

export async function serve(readConfig: () => XosConfig, configFile: string | null, o: ServeOptions) {
  let config = readConfig();
  const port = o.port !== undefined ? Number(o.port) : config.api.port;
  const host = o.host ?? config.api.host;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${o.port}" is not a port number`);
  let plan = planFor(config, o);
  const embedded = !config.db.url;
  const pidFile = pidFileOf(config);
  claimPidFile(pidFile);

  let workers: Worker[] = [];
  const leaving = new Set<Worker>(); // draining, until they exit
  const status: ServeStatus = {
    pid: process.pid,
    version: VERSION,
    started: new Date().toISOString(),
    state: 'starting',
    roles: [...new Set(plan.flatMap((p) => p.roles))],
    url: null,
    database: null,
    workers: [],
    reloads: 0,
    lastReload: null,
    lastReloadError: null,
  };
  const saveStatus = () => {
    status.workers = workers.map((w) => ({ pid: w.proc.pid!, roles: w.roles, ready: w.ready }));
    writeStatus(pidFile, status);
  };
  const log = (msg: string) => console.log(`[xos ${new Date().toISOString()}] ${msg}`);

  // Connections: to the API workers in turn; held while none can take them.
  const held: net.Socket[] = [];
  let holding = false;
  let turn = 0;
  const dispatch = (socket: net.Socket) => {
    if (socket.destroyed) return;
    const api = workers.filter((w) => w.ready && !w.draining && w.roles.includes('api'));
    if (holding || !api.length) return void held.push(socket);
    const w = api[turn++ % api.length];
    w.proc.send({ t: 'conn' } satisfies ToWorker, socket, (err) => {
      if (err) dispatch(socket); // that worker went away: another takes it
    });
  };
  const release = () => {
    holding = false;
    for (const s of held.splice(0)) dispatch(s);
  };
  const hasApi = plan.some((p) => p.roles.includes('api'));
  const server = hasApi ? net.createServer({ pauseOnConnect: true }, dispatch) : null;
  if (server)
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new Error(`cannot listen on ${host}:${port}: ${e.message}`)));
      server.listen({ port, host }, resolve);
    }).catch((e) => {
      releasePidFile(pidFile);
      throw e;
    });

  let stopping = false;
  const start = (p: WorkerPlan, first: boolean): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const proc = fork(workerEntry, [], { env: { ...process.env, XOS_WORKER: JSON.stringify({ configFile, roles: p.roles, first }) } });
      const w: Worker = { proc, roles: p.roles, ready: false, draining: false, exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
      proc.on('message', (m: FromWorker) => {
        if (m.t !== 'ready') return;
        w.ready = true;
        status.database = m.db;
        resolve(w);
      });
      void w.exited.then((code) => {
        leaving.delete(w);
        if (!w.ready) return reject(new Error(`a worker (${p.roles.join(', ')}) exited with status ${code} while starting`));
        if (w.draining || stopping || !workers.includes(w)) return;
        // A crash: its work goes on in a new process (its leases run out meanwhile).
        log(`worker ${proc.pid} (${p.roles.join(', ')}) exited with status ${code}; starting another`);
        workers = workers.filter((x) => x !== w);
        saveStatus();
        void (async () => {
          // Until one starts: a worker cannot start while the database is away, say.
          for (let pause = 1000; !stopping; pause = Math.min(pause * 2, 10_000)) {
            await new Promise((r) => setTimeout(r, pause));
            if (stopping) return;
            try {
              workers.push(await start(p, false));
              saveStatus();
              release();
              return;
            } catch (e) {
              log(`${(e as Error).message}; trying again in ${Math.min(pause * 2, 10_000) / 1000} s`);
            }
          }
        })();
      });
    });
  const drain = async (ws: Worker[]) => {
    for (const w of ws) {
      w.draining = true;
      leaving.add(w);
      w.proc.send({ t: 'drain' } satisfies ToWorker, () => {});
    }
    const bound = (config.server.stop_seconds + 15) * 1000; // their own bound, then some
    const timer = setTimeout(() => ws.forEach((w) => w.proc.exitCode === null && w.proc.kill('SIGKILL')), bound);
    await Promise.all(ws.map((w) => w.exited));
    clearTimeout(timer);
  };
  const startAll = async (ps: WorkerPlan[], first: boolean) => {
    const out: Worker[] = [];
    try {
      // One after the other: the first applies migrations and makes the first administrator.
      for (const [i, p] of ps.entries()) out.push(await start(p, first && i === 0));
    } catch (e) {
      await drain(out);
      throw e;
    }
    return out;
  };

  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    status.state = 'stopping';
    saveStatus();
    log(`${why}: stopping (requests and reconciles in flight get up to ${config.server.stop_seconds} s)`);
    server?.close();
    for (const s of held.splice(0)) s.destroy();
    await drain([...workers, ...leaving]);
    releasePidFile(pidFile);
    process.exit(0);
  };

  let reloading = false;
  const reload = async () => {
    if (reloading || stopping) return;
    reloading = true;
    status.state = 'reloading';
    saveStatus();
    const old = workers;
    try {
      const next = readConfig();
      const nextPlan = planFor(next, o);
      if (!!next.db.url !== !embedded || next.db.url !== config.db.url) throw new Error('[db] url changed: that needs a restart (xos stop, xos start)');
      if (nextPlan.some((p) => p.roles.includes('api')) !== hasApi) throw new Error('the api role was added or removed: that needs a restart');
      if (next.api.port !== config.api.port || next.api.host !== config.api.host) log('[api] host and port apply at the next start, not on reload');
      config = next;
      if (embedded) {
        // One process at a time: connections wait in the supervisor while the worker is replaced.
        holding = true;
        await drain(old);
        workers = [];
        workers = await startAll(nextPlan, false);
      } else {
        const fresh = await startAll(nextPlan, false);
        workers = fresh; // new connections go to them from now on
        await drain(old);
      }
      plan = nextPlan;
      status.roles = [...new Set(plan.flatMap((p) => p.roles))];
      status.reloads++;
      status.lastReload = new Date().toISOString();
      status.lastReloadError = null;
      log(`reloaded: ${workers.length} worker(s), pids ${workers.map((w) => w.proc.pid).join(', ')}`);
    } catch (e) {
      status.lastReloadError = (e as Error).message;
      log(`reload failed, still running the previous configuration: ${(e as Error).message}`);
      if (embedded && !workers.some((w) => !w.draining)) workers = await startAll(plan, false).catch(() => []);
    } finally {
      reloading = false;
      status.state = stopping ? 'stopping' : 'running';
      if (!stopping) saveStatus();
      release();
    }
  };

  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void reload());
  try {
    workers = await startAll(plan, true);
  } catch (e) {
    server?.close();
    releasePidFile(pidFile);
    throw new Error(`XOS did not start: ${(e as Error).message}`);
  }
  const addr = server?.address();
  status.url = addr && typeof addr === 'object' ? `http://${host === '0.0.0.0' ? 'localhost' : host}:${addr.port}` : null;
  status.state = 'running';
  saveStatus();
  release();
  const what = `XOS ${VERSION} (${status.database}; roles ${status.roles.join(', ')}; ${workers.length} worker process${workers.length > 1 ? 'es' : ''}, pid ${process.pid})`;
  console.log(status.url ? `${what} is listening on ${status.url}` : `${what} is running`);
}
