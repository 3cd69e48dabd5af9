// What the server log keeps of an unexpected error. The errors of pg and PGlite carry the failed
// statement and its parameters (a new user's password hash, a secret about to be stored), and
// their `detail` and `where` quote row values; a log is read by more people than the database.
// So only the fields that say what went wrong and where in the code are kept.
const DB_FIELDS = ['code', 'severity', 'routine', 'schema', 'table', 'column', 'constraint', 'dataType'] as const;

export interface LoggableError {
  type: string;
  message: string;
  stack?: string;
  statusCode?: number;
  cause?: LoggableError;
  [field: string]: unknown;
}

export function loggableError(e: unknown, depth = 0): LoggableError {
  if (!(e instanceof Error)) return { type: typeof e, message: String(e) };
  const out: LoggableError = { type: e.name, message: e.message, stack: e.stack };
  const fields = e as unknown as Record<string, unknown>;
  for (const f of DB_FIELDS) if (typeof fields[f] === 'string') out[f] = fields[f];
  if (typeof fields.statusCode === 'number') out.statusCode = fields.statusCode;
  if (e.cause !== undefined && depth < 3) out.cause = loggableError(e.cause, depth + 1);
  return out;
}
