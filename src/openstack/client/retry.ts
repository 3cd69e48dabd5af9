/**
 * Waiting before a retry: the server's Retry-After when it sends one, otherwise
 * capped exponential backoff; both with jitter, so that many clients told to come
 * back at the same moment do not all return in the same millisecond.
 */

export interface RetryPolicy {
  /** retries after the first attempt, for 429/503 and for network errors on safe methods */
  maxRetries: number;
  /** first backoff step when the server gives no Retry-After */
  baseDelayMs: number;
  /** no single wait is longer; a longer Retry-After ends the retries instead */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Retry-After is either seconds ("120") or an HTTP date. Returns milliseconds, or
 * undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * How long to wait before retry number `retry` (1-based). With a Retry-After the
 * wait is at least that long plus up to 10 % (at most 1 s) of jitter; without one it
 * is "full jitter" backoff: a random time up to base * 2^(retry-1), capped.
 * Returns undefined when the server asks for more than the policy allows.
 */
export function retryDelay(
  retry: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxDelayMs) return undefined;
    return retryAfterMs + Math.floor(random() * Math.min(1000, retryAfterMs * 0.1 + 50));
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}

/** setTimeout as a promise that rejects at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
