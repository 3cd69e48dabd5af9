// How a list walks a large table: keyset cursors on the default order (by id), and a total that
// is counted exactly up to a cap and estimated by the planner above it, so that neither a deep
// page nor the total of a million rows costs a scan of everything before it.
import { ValidationError } from '../model/errors.js';
import { sql, type Frag } from './sql.js';

// Up to this many matching rows the total is exact; above it, the planner's estimate.
export const EXACT_TOTAL_CAP = 10_000;

export type Direction = 'asc' | 'desc';

// The direction of a keyset walk when the order is by id alone (the default order); null when it
// is any other order, which pages by offset.
export function keysetDirection(sort: string | undefined): Direction | null {
  const keys = (sort ?? 'id').split(',').filter(Boolean);
  if (keys.length === 0) return 'asc';
  if (keys.length !== 1) return null;
  return keys[0] === 'id' ? 'asc' : keys[0] === '-id' ? 'desc' : null;
}

// A cursor is opaque to clients: it names the last row seen and the direction it was seen in.
export function encodeCursor(dir: Direction, lastId: number): string {
  return Buffer.from(`v1:${dir}:${lastId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, dir: Direction | null): number {
  const bad = (message: string) => new ValidationError([{ field: 'cursor', message }]);
  if (!dir) throw bad('works only with the default order (sort by id or -id); page other orders with offset');
  const m = /^v1:(asc|desc):(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad('is not a cursor this API gave out; follow the list\'s `next` link');
  if (m[1] !== dir) throw bad(`was made for sort=${m[1] === 'asc' ? 'id' : '-id'}; use the same sort as the page it came from`);
  const id = Number(m[2]);
  if (id > 2147483647) throw bad('is not a cursor this API gave out; follow the list\'s `next` link');
  return id;
}

// The rows after the cursor's row in the walk's direction.
export const afterCursor = (dir: Direction, lastId: number): Frag => (dir === 'asc' ? sql`t.id > ${lastId}` : sql`t.id < ${lastId}`);

// `SELECT count(*)` over at most cap + 1 rows: exact when it is ≤ cap.
export const cappedCount = (from: Frag, where: Frag): Frag =>
  sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} t WHERE ${where} LIMIT ${EXACT_TOTAL_CAP + 1}) capped`;

// The planner's estimate of the rows a condition matches (EXPLAIN, no execution).
export const estimateQuery = (from: Frag, where: Frag): Frag => sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${from} t WHERE ${where}`;

export function planRows(explainRows: Record<string, unknown>[]): number {
  const v = explainRows[0]?.['QUERY PLAN'];
  const plan = (typeof v === 'string' ? JSON.parse(v) : v) as { Plan?: { 'Plan Rows'?: number } }[];
  const n = Number(plan?.[0]?.Plan?.['Plan Rows']);
  return Number.isFinite(n) ? Math.round(n) : 0;
}
