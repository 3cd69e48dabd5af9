// The ops role: the operator tools' collectors (cluster health, capacity, metrics) run in the one
// process that has it, so several API processes do not each poll every cluster. A collector is
// started with the store and configuration and returns how to stop it; add it to opsCollectors.
import type { XosConfig } from '../config/schema.js';
import type { Store } from '../store/repository.js';
import type { ClusterProbe } from '../ops/cluster-probe.js';
import { startCollectors } from '../ops/collectors.js';

export interface OpsContext {
  store: Store;
  config: XosConfig;
  log: (msg: string) => void;
  probe: ClusterProbe;
}
export type OpsCollector = (ctx: OpsContext) => Promise<() => Promise<void>>;

// Every cluster's services, agents, capacity and servers, every [ops] interval ([ops] enabled).
const clusterCollectors: OpsCollector = async ({ store, config, probe, log }) => {
  if (!config.ops.enabled) return async () => {};
  const c = startCollectors(store, config, probe, log);
  return () => c.stop();
};

export const opsCollectors: OpsCollector[] = [clusterCollectors];

export async function startOpsRole(ctx: OpsContext): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  for (const start of opsCollectors) stops.push(await start(ctx));
  return async () => {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => ctx.log(`stopping a collector: ${(e as Error).message}`));
  };
}
