/**
 * Waiting for an asynchronous resource (a server being built, an image being
 * processed): read it, decide, sleep a growing interval, until done or out of time.
 */
import { OpenStackError } from '../errors.js';
import { sleep } from '../retry.js';

export interface WaitOptions {
  /** default 300 s */
  timeoutMs?: number;
  /** first polling interval; it grows by half each round, up to 5 s */
  intervalMs?: number;
  signal?: AbortSignal;
}

export type PollVerdict<R> =
  | { done: R }
  | { failed: string } // the resource reached a state it will not leave (ERROR, killed)
  | { waiting: string }; // where it is now, for the timeout message

export async function poll<T, R>(
  read: () => Promise<T>,
  judge: (value: T) => PollVerdict<R>,
  what: { service: string; url: string },
  options: WaitOptions = {},
): Promise<R> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  let interval = options.intervalMs ?? 500;
  for (;;) {
    const verdict = judge(await read());
    if ('done' in verdict) return verdict.done;
    if ('failed' in verdict) {
      throw new OpenStackError({ code: 'resource_error', status: 0, service: what.service, method: 'GET', url: what.url }, verdict.failed);
    }
    if (Date.now() + interval > deadline) {
      throw new OpenStackError(
        { code: 'wait_timeout', status: 0, service: what.service, method: 'GET', url: what.url },
        `${verdict.waiting} after ${timeoutMs} ms`,
      );
    }
    await sleep(interval, options.signal);
    interval = Math.min(5000, Math.round(interval * 1.5));
  }
}
