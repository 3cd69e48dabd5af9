// A synchronizer that kills itself (SIGKILL, no cleanup) the moment Nova has accepted a server
// create: the worst time to die, between the cloud call and the database write.
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/api/runtime.js';
import { Engine } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { synchronizerFor } from '../../src/sync/backends.js';

const store = await openStore(loadConfig({ env: process.env }));
const engine = new Engine(
  store,
  synchronizerFor(openstackBackend({
    timeoutMs: 20_000,
    onRequest: (e) => {
      if (e.service === 'compute' && e.method === 'POST' && /\/servers$/.test(new URL(e.url).pathname) && e.status === 202) {
        process.stdout.write('server created; dying\n');
        process.kill(process.pid, 'SIGKILL');
      }
    },
  })),
  { tickMs: 100, leaseSeconds: 2, backoff: { baseSeconds: 1, capSeconds: 2 } },
);
await engine.start();
