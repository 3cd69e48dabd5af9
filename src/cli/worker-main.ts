// Entry of a worker process of `xos serve` (forked by serve.ts, which passes XOS_WORKER).
import { loadConfig } from '../config/load.js';
import { runWorker } from './serve-worker.js';
import type { Role } from './roles.js';

const spec = JSON.parse(process.env.XOS_WORKER ?? '{}') as { configFile: string | null; roles: Role[]; first: boolean };
try {
  await runWorker(loadConfig({ file: spec.configFile }), spec);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
