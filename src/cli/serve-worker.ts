// One worker process of `xos serve`: the roles it was given (api, sync, ops) over one store. The
// supervisor (serve.ts) owns the listening socket and hands this process its connections; it
// tells it when to drain: stop taking work, finish what is in flight, then exit.
import path from 'node:path';
import type { Socket } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { XosConfig } from '../config/schema.js';
import { ensureFirstAdmin, openStore } from '../api/runtime.js';
import { buildServer } from '../api/server.js';
import { Engine } from '../sync/engine.js';
import { watchImageDirectory } from '../sync/image-files.js';
import { openstackBackend } from '../openstack/index.js';
import { openstackInventory } from '../openstack/inventory.js';
import { synchronizerFor } from '../sync/backends.js';
import { openstackProbe } from '../openstack/probe.js';
import { openstackConsoles } from '../openstack/consoles.js';
import { openstackQuotas } from '../openstack/quotas.js';
import { openstackRunAccess } from '../openstack/run-access.js';
import { XosMetrics } from '../ops/metrics.js';
import type { Role } from './roles.js';
import { startOpsRole } from './ops-role.js';
import type { ToWorker, FromWorker } from './serve-messages.js';

// Idle keep-alive connections are let expire rather than closed while draining: a client may be
// sending on one at that instant. The Keep-Alive header tells clients the timeout,
// and they drop the connection a little before it; so the drain waits about this long.
const KEEP_ALIVE_MS = 5_000;

export interface WorkerOptions {
  roles: Role[];
  first: boolean; // the first worker of a start: it makes the first administrator
}

const send = (m: FromWorker) => process.send?.(m);

export async function runWorker(config: XosConfig, o: WorkerOptions) {
  const has = (r: Role) => o.roles.includes(r);
  const store = await openStore(config);
  if (o.first) {
    const admin = await ensureFirstAdmin(store).catch(async (e: unknown) => {
      await store.close(); // releases the data directory before the error is shown
      throw e;
    });
    if (admin?.password)
      console.log(
        `\n  First start: created the administrator ${admin.email}\n  with the password ${admin.password}\n` +
          '  It is shown only this once. Set XOS_ADMIN_EMAIL and XOS_ADMIN_PASSWORD to choose them instead.\n',
      );
    else if (admin) console.log(`First start: created the administrator ${admin.email} (password from XOS_ADMIN_PASSWORD)`);
  }
  const caFile = config.nova.ca_ssl_cert || undefined;
  // The operator tools' view of the clusters: the doctor reads afresh with it, the collectors poll with it.
  const probe = openstackProbe((s) => store.secret(s), { caFile });
  const metrics = new XosMetrics(); // this process's request and reconcile durations; the rest is read from the store
  const app = has('api')
    ? await buildServer({
        store,
        config,
        inventory: openstackInventory((s) => store.secret(s), { caFile }), // controller imports
        consoles: openstackConsoles((s) => store.secret(s), { caFile }), // instance consoles and logs
        quotas: openstackQuotas((s) => store.secret(s), { caFile }), // slice usage against cluster quotas
        runAccess: openstackRunAccess((s) => store.secret(s), { caFile }), // tokens for `xos cluster run -- ...`
        probe,
        metrics,
      })
    : null;
  // Without the API's logger, the same JSON lines (time, pid, message) on standard output.
  const log = (msg: string, extra?: object) =>
    app ? app.log.info(extra ?? {}, msg) : console.log(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, ...extra, msg }));
  const engine = has('sync')
    ? new Engine(store, synchronizerFor(openstackBackend({ caFile })), {
        resyncSeconds: config.observer.resync_seconds,
        perController: config.observer.workers,
        leaseSeconds: config.observer.lease_seconds,
        backoff: { disabled: config.observer.backoff_disabled },
        log: (msg, extra) => log(msg, extra),
        observe: (model, outcome, seconds) => metrics.observeReconcile(model, outcome, seconds),
      })
    : null;

  const http = app ? connections(app.server) : null;
  await app?.ready();
  await engine?.start();
  const stopImages = engine
    ? watchImageDirectory(store, config.observer.images_directory || path.join(path.resolve(config.db.data_dir), 'images'), (m) => log(m))
    : null;
  const stopOps = has('ops') ? await startOpsRole({ store, config, log, probe }) : null;

  let draining: Promise<void> | null = null;
  const drain = () =>
    (draining ??= (async () => {
      const graceMs = config.server.stop_seconds * 1000;
      stopImages?.();
      await Promise.all([engine?.stop({ graceMs }), http?.drain(graceMs)]);
      await stopOps?.();
      await app?.close();
      await store.close();
      send({ t: 'drained' });
      process.exit(0);
    })());

  process.on('message', (m: ToWorker, handle?: Socket) => {
    if (m.t === 'conn' && handle) http?.accept(handle);
    else if (m.t === 'drain') void drain();
  });
  // Ctrl-C reaches every process of the terminal: the supervisor decides. A TERM sent to this
  // process alone, or the supervisor going away, stops it.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', () => void drain());
  process.on('disconnect', () => void drain());
  send({ t: 'ready', db: store.kind === 'pglite' ? `embedded database in ${store.where}` : `PostgreSQL ${store.where}` });
}

// The connections handed over by the supervisor, and how to let them finish. A request in flight
// is one whose response has not ended. An event stream never ends by itself: it is ended, and its
// connection closed, once the requests are done; its client reconnects (to another worker).
function connections(server: Server) {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const active = new Map<Socket, number>(); // each connection and the requests in flight on it
  const streams = new Set<ServerResponse>();
  let draining = false;
  let wake = () => {};
  server.on('connection', (s: Socket) => {
    active.set(s, 0);
    s.on('close', () => {
      active.delete(s);
      wake();
    });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader('connection', 'close'); // its next request goes elsewhere
    if (req.url?.startsWith('/api/events')) {
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    const s = req.socket;
    active.set(s, (active.get(s) ?? 0) + 1);
    res.on('close', () => {
      if (active.has(s)) active.set(s, active.get(s)! - 1);
      wake();
    });
  });
  const inFlight = () => [...active.values()].reduce((a, b) => a + b, 0);
  const endStreams = () => {
    for (const res of streams) {
      if (!res.headersSent) continue; // still being opened: next round
      res.end();
      res.socket?.end();
      streams.delete(res);
    }
  };
  const until = (done: () => boolean, deadline: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!done() && Date.now() < deadline) return;
        wake = () => {};
        clearInterval(poll);
        resolve();
      };
      const poll = setInterval(check, 50);
      wake = check;
      check();
    });
  return {
    accept(socket: Socket) {
      server.emit('connection', socket);
      socket.resume();
    },
    // Idle keep-alive connections are let expire rather than closed (see KEEP_ALIVE_MS), for a
    // stop as for a reload: closing one could cut off a request on its way to us.
    async drain(graceMs: number) {
      draining = true;
      const deadline = Date.now() + graceMs;
      await until(() => inFlight() === 0, deadline);
      await until(() => (endStreams(), active.size === 0), Math.min(deadline, Date.now() + KEEP_ALIVE_MS + 1_000));
      for (const s of active.keys()) s.destroy();
    },
  };
}
