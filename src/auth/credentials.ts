// The ways a caller proves who they are: HTTP Basic (email and password), a login session
// (cookie, with a CSRF token for writes, or the same value as a bearer token), or an API token
// for scripts. Only hashes of session ids and tokens are stored.
import type { Store } from '../store/repository.js';
import type { Row } from '../model/types.js';
import { randomToken, sha256, verifyPassword } from './passwords.js';


// argon2 is deliberately slow; a script calling with Basic auth in a loop should not pay it on
// every request. A verified (email, password) pair is remembered briefly, bound to the stored
// hash so that a password change takes effect at once.
const basicCache = new Map<string, { hash: string; until: number }>();

export async function checkPassword(store: Store, email: string, password: string): Promise<Row | null> {
  const user = await store.accounts.userByEmail(email);
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

export async function createSession(store: Store, userId: number, hours: number) {
  const token = randomToken();
  const csrf = randomToken(18);
  const expires = new Date(Date.now() + hours * 3600_000);
  await store.accounts.createSession(sha256(token), userId, csrf, expires);
  return { token, csrf, expires };
}

export const findSession = (store: Store, token: string) => store.accounts.findSession(sha256(token));
export const deleteSession = (store: Store, token: string) => store.accounts.deleteSession(sha256(token));
export const sessionHash = (token: string) => sha256(token);

export const API_TOKEN_PREFIX = 'xos_';

export async function createApiToken(store: Store, userId: number, name: string, expiresDays?: number) {
  const token = `${API_TOKEN_PREFIX}${randomToken()}`;
  const expires = expiresDays ? new Date(Date.now() + expiresDays * 86400_000).toISOString() : null;
  const row = await store.accounts.createToken(userId, name, sha256(token), token.slice(0, 10), expires);
  return { ...row, token } as Row & { token: string };
}

export const findApiToken = (store: Store, token: string) => store.accounts.findToken(sha256(token));
