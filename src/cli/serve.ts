import type { XosConfig } from '../config/schema.js';
import { ensureFirstAdmin, openStore } from '../api/runtime.js';
import { buildServer } from '../api/server.js';
import path from 'node:path';
import { Engine } from '../sync/engine.js';
import { watchImageDirectory } from '../sync/image-files.js';
import { openstackBackend } from '../openstack/index.js';
import { openstackInventory } from '../openstack/inventory.js';
import { openstackConsoles } from '../openstack/consoles.js';
import { synchronizerFor } from '../sync/backends.js';

export async function serve(config: XosConfig, o: { port?: string; host?: string }) {
  const port = o.port !== undefined ? Number(o.port) : config.api.port;
  const host = o.host ?? config.api.host;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${o.port}" is not a port number`);
  const store = await openStore(config);
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
  const inventory = openstackInventory((s) => store.secret(s), { caFile: config.nova.ca_ssl_cert || undefined }); // for controller imports
  const consoles = openstackConsoles((s) => store.secret(s), { caFile: config.nova.ca_ssl_cert || undefined }); // instance consoles and logs
  const app = await buildServer({ store, config, inventory, consoles });
  // The synchronizer runs in the same process unless [observer] enabled = False (then run it
  // elsewhere, or not at all).
  const engine = config.observer.enabled
    ? new Engine(store, synchronizerFor(openstackBackend({ caFile: config.nova.ca_ssl_cert || undefined })), {
        resyncSeconds: config.observer.resync_seconds,
        perController: config.observer.workers,
        backoff: { disabled: config.observer.backoff_disabled },
        log: (msg, extra) => app.log.info(extra ?? {}, msg),
      })
    : null;
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: shutting down`);
    stopImages?.();
    await engine?.stop({ graceMs: 10_000 }); // then calls still hanging on a dead cluster are aborted
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    await app.listen({ port, host });
  } catch (e) {
    await store.close();
    throw new Error(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
  }
  await engine?.start();
  const stopImages = engine
    ? watchImageDirectory(store, config.observer.images_directory || path.join(path.resolve(config.db.data_dir), 'images'), (m) => app.log.info(m))
    : null;
  const addr = app.server.address();
  const shown = typeof addr === 'object' && addr ? `http://${host === '0.0.0.0' ? 'localhost' : host}:${addr.port}` : String(addr);
  console.log(`XOS ${store.kind === 'pglite' ? `(embedded database in ${store.where})` : `(PostgreSQL ${store.where})`} is listening on ${shown}`);
}
