// The ops role: the operator tools' collectors (cluster health, capacity, metrics) run in the one
// process that has it, so several API processes do not each poll every cluster. A collector is
// started with the store and configuration and returns how to stop it; add it to opsCollectors.
import type { XosConfig } from '../config/schema.js';
import type { Store } from '../store/repository.js';

export interface OpsContext {
  store: Store;
  config: XosConfig;
  log: (msg: string) => void;
}
export type OpsCollector = (ctx: OpsContext) => Promise<() => Promise<void>>;

export const opsCollectors: OpsCollector[] = [];

export async function startOpsRole(ctx: OpsContext): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  for (const start of opsCollectors) stops.push(await start(ctx));
  return async () => {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => ctx.log(`stopping a collector: ${(e as Error).message}`));
  };
}
