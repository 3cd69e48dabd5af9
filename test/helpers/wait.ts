// Waiting in the tests that drive real clusters. A wait polls for the outcome that matters (a
// server ACTIVE, a quota changed), never sleeps a fixed time, and has a budget stated for an idle
// machine. The budget stretches while the machine is overloaded (CI runs on 2 cores beside two
// OpenStack clusters and other suites): each poll spends elapsed / stretch of it, stretch being
// the load per CPU. The stretch is capped, so a wait that can never succeed still fails, after
// at most budget × XOS_TEST_MAX_STRETCH (default 4) of wall time.
import os from 'node:os';

const CPUS = os.availableParallelism();
const MAX_STRETCH = Math.max(1, Number(process.env.XOS_TEST_MAX_STRETCH ?? 4));

// How many times slower than idle the machine is now: the 1-minute load average per CPU, 1 to the cap.
export function stretch(): number {
  return Math.min(MAX_STRETCH, Math.max(1, os.loadavg()[0] / CPUS));
}

// A duration for something that starts now and cannot be polled (a client timeout, a child's watchdog).
export const scaled = (ms: number) => Math.round(ms * stretch());

export class Budget {
  private spent = 0;
  private last = Date.now();
  private readonly t0 = this.last;
  private peak = 1;
  constructor(readonly ms: number) {}

  // Charges the time since the last look, at the current stretch; true once the budget is gone.
  expired(): boolean {
    const now = Date.now();
    const s = stretch();
    this.peak = Math.max(this.peak, s);
    this.spent += (now - this.last) / s;
    this.last = now;
    return this.spent > this.ms;
  }

  get elapsedMs() {
    return Date.now() - this.t0;
  }

  describe() {
    const [l1] = os.loadavg();
    return `${(this.elapsedMs / 1000).toFixed(1)} s (budget ${this.ms / 1000} s idle, stretched up to ${this.peak.toFixed(1)}×; load ${l1.toFixed(1)} on ${CPUS} CPUs)`;
  }
}

export interface UntilOptions {
  ms: number; // the budget on an idle machine
  everyMs?: number; // how often to look (default 500 ms)
}

// Polls probe until it returns something truthy and returns that. `what` names the outcome, or
// describes the current state when it is a function (called only for the error message). An
// exception from probe ends the wait at once: a probe can assert that nothing went wrong.
export async function until<T>(
  what: string | (() => string | Promise<string>),
  probe: () => Promise<T | null | undefined | false | 0 | ''> | T | null | undefined | false | 0 | '',
  o: UntilOptions,
): Promise<T> {
  const b = new Budget(o.ms);
  for (;;) {
    const v = await probe();
    if (v) return v as T;
    if (b.expired()) {
      const desc = typeof what === 'function' ? await Promise.resolve(what()).catch((e: Error) => `(state unknown: ${e.message})`) : what;
      throw new Error(`timed out after ${b.describe()} waiting for ${desc}`);
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 500));
  }
}
