// The ways a caller proves who they are: HTTP Basic (email and password), a login session
// (cookie, with a CSRF token for writes, or the same value as a bearer token), or an API token
// for scripts. Only hashes of session ids and tokens are stored.
import type { Queryable } from '../store/db.js';
import type { Row } from '../model/types.js';
import { randomToken, sha256, verifyPassword } from './passwords.js';

const liveUser = 'u.deleted = false AND u.is_active = true';

export async function userByEmail(db: Queryable, email: string): Promise<Row | null> {
  const [u] = await db.query(`SELECT * FROM users u WHERE lower(u.email) = lower($1) AND ${liveUser}`, [email]);
  return u ?? null;
}

export async function userById(db: Queryable, id: number): Promise<Row | null> {
  const [u] = await db.query(`SELECT * FROM users u WHERE u.id = $1 AND ${liveUser}`, [id]);
  return u ?? null;
}

// argon2 is deliberately slow; a script calling with Basic auth in a loop should not pay it on
// every request. A verified (email, password) pair is remembered briefly, bound to the stored
// hash so that a password change takes effect at once.
const basicCache = new Map<string, { hash: string; until: number }>();

export async function checkPassword(db: Queryable, email: string, password: string): Promise<Row | null> {
  const user = await userByEmail(db, email);
  if (!user) {
    await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', password); // same time either way
    return null;
  }
  const key = sha256(`${email.toLowerCase()}\0${password}`);
  const hit = basicCache.get(key);
  if (hit && hit.hash === user.password && hit.until > Date.now()) return user;
  if (!(await verifyPassword(user.password, password))) return null;
  if (basicCache.size > 10000) basicCache.clear();
  basicCache.set(key, { hash: String(user.password), until: Date.now() + 60_000 });
  return user;
}

export async function createSession(db: Queryable, userId: number, hours: number) {
  const token = randomToken();
  const csrf = randomToken(18);
  const expires = new Date(Date.now() + hours * 3600_000);
  await db.query('INSERT INTO sessions (id, user_id, csrf, expires) VALUES ($1, $2, $3, $4)', [sha256(token), userId, csrf, expires.toISOString()]);
  await db.query('DELETE FROM sessions WHERE expires < now()'); // keep the table small
  return { token, csrf, expires };
}

export async function findSession(db: Queryable, token: string): Promise<{ user: Row; csrf: string } | null> {
  const [row] = await db.query<Row & { _csrf: string }>(
    `SELECT u.*, s.csrf AS _csrf FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.expires > now() AND ${liveUser}`,
    [sha256(token)],
  );
  if (!row) return null;
  const { _csrf, ...user } = row;
  return { user, csrf: _csrf };
}

export const deleteSession = (db: Queryable, token: string) => db.query('DELETE FROM sessions WHERE id = $1', [sha256(token)]);

// Ends every session and API token of a user, but for one session (the caller's own, after they
// changed their password).
export async function revokeCredentials(db: Queryable, userId: number, keepSession: string | null = null) {
  await db.query('DELETE FROM sessions WHERE user_id = $1 AND id <> $2', [userId, keepSession ? sha256(keepSession) : '']);
  await db.query('DELETE FROM api_tokens WHERE user_id = $1', [userId]);
}

export const API_TOKEN_PREFIX = 'xos_';

export async function createApiToken(db: Queryable, userId: number, name: string, expiresDays?: number) {
  const secret = randomToken();
  const token = `${API_TOKEN_PREFIX}${secret}`;
  const expires = expiresDays ? new Date(Date.now() + expiresDays * 86400_000).toISOString() : null;
  const [row] = await db.query<Row>(
    'INSERT INTO api_tokens (user_id, name, token_hash, prefix, expires) VALUES ($1, $2, $3, $4, $5) RETURNING id, name, prefix, created, expires',
    [userId, name, sha256(token), token.slice(0, 10), expires],
  );
  return { ...row, token } as Row & { token: string };
}

export async function findApiToken(db: Queryable, token: string): Promise<Row | null> {
  const [row] = await db.query<Row & { _tid: number }>(
    `SELECT u.*, t.id AS _tid FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND (t.expires IS NULL OR t.expires > now()) AND ${liveUser}`,
    [sha256(token)],
  );
  if (!row) return null;
  const { _tid, ...user } = row;
  void db.query('UPDATE api_tokens SET last_used = now() WHERE id = $1', [_tid]).catch(() => {});
  return user;
}

export const listApiTokens = (db: Queryable, userId: number) =>
  db.query('SELECT id, name, prefix, created, expires, last_used FROM api_tokens WHERE user_id = $1 ORDER BY id', [userId]);

export async function deleteApiToken(db: Queryable, userId: number, id: number) {
  const rows = await db.query('DELETE FROM api_tokens WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId]);
  return rows.length > 0;
}
