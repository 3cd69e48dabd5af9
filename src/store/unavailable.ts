// Whether an error means the database cannot be reached right now (restarting, down, the
// connection lost) rather than that the request was wrong: the API answers such a request with a
// prompt 503 that the client may retry, and the process carries on.
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
// SQLSTATE: class 08 (connection exception), admin/crash shutdown, cannot connect now.
const SQLSTATE = /^(08...|57P01|57P02|57P03)$/;
const MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'the database system is',
];

export function isDatabaseUnavailable(e: unknown): boolean {
  for (let err = e as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; err && depth < 5; err = err.cause as typeof err, depth++) {
    if (err.code && (NETWORK.has(err.code) || SQLSTATE.test(err.code))) return true;
    if (typeof err.message === 'string' && MESSAGES.some((m) => err!.message!.includes(m))) return true;
  }
  return false;
}
