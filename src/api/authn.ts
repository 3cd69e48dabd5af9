// Works out who is calling before anything else runs. Routes are private unless their config
// says `public: true`. A cookie-authenticated write must carry the session's CSRF token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import '@fastify/cookie';
import '@fastify/swagger';
import type { ModelDef } from '../model/types.js';
import { checkPassword, findApiToken, findSession, API_TOKEN_PREFIX } from '../auth/credentials.js';
import { loadPrincipal, type Principal } from '../auth/principal.js';
import { PrincipalCache } from '../auth/principal-cache.js';
import type { GuessLimit } from '../auth/guess-limit.js';
import type { FieldError, Row } from '../model/types.js';
import { NUL_MESSAGE } from '../model/nul.js';
import type { Store } from '../store/repository.js';
import { sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    sessionToken: string | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
    model?: ModelDef;
  }
}

export const SESSION_COOKIE = 'xos_session';
export const CSRF_COOKIE = 'xos_csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

// The email and password of an HTTP Basic header (email '' when the header names none).
function basicCredentials(req: FastifyRequest): { email: string; password: string } | null {
  const a = auth(req);
  if (!a.startsWith('Basic ')) return null;
  const decoded = Buffer.from(a.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i > 0 ? { email: decoded.slice(0, i), password: decoded.slice(i + 1) } : { email: '', password: '' };
}

// 429 for a password attempt while its address or account is blocked (see guess-limit.ts).
export function refuseGuess(reply: FastifyReply, seconds: number) {
  reply.header('retry-after', String(seconds));
  return sendProblem(reply, 429, `too many login attempts from this address or for this account; try again in ${seconds} s`);
}

async function identify(
  store: Store,
  req: FastifyRequest,
): Promise<{ user: Row | null; problem?: string; badRequest?: FieldError; csrf?: string; cookie?: string }> {
  const auth = req.headers.authorization ?? '';
  const basic = basicCredentials(req);
  if (basic) {
    // Base64 lets a NUL through the header; the email goes to the database (see model/nul.ts).
    if (basic.email.includes('\u0000') || basic.password.includes('\u0000'))
      return { user: null, badRequest: { field: 'Authorization', message: `the Basic email and password ${NUL_MESSAGE}` } };
    const user = basic.email ? await checkPassword(store, basic.email, basic.password) : null;
    return user ? { user } : { user: null, problem: 'wrong email or password' };
  }
  if (auth.startsWith('Bearer ')) {
    const token = auth.slice(7).trim();
    const user = token.startsWith(API_TOKEN_PREFIX) ? await findApiToken(store, token) : (await findSession(store, token))?.user ?? null;
    return user ? { user } : { user: null, problem: 'the token is unknown or has expired' };
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) {
    const s = await findSession(store, cookie);
    return s ? { user: s.user, csrf: s.csrf, cookie } : { user: null, problem: 'the session has expired; log in again' };
  }
  return { user: null, problem: 'authentication required: use HTTP Basic (email and password), a bearer token or log in' };
}

// The user a long-lived request (the event stream) now acts for, on the credentials it came with;
// null once they no longer hold. A session must still exist (no logout) and be unexpired, an API
// token unrevoked and unexpired. Basic credentials are not verified again (argon2, every few
// seconds, for every stream), but the password hash they were verified against must still be the
// user's. Every way fails once the user is deactivated or deleted.
export async function reidentify(store: Store, req: FastifyRequest): Promise<Row | null> {
  if (req.sessionToken) return (await findSession(store, req.sessionToken))?.user ?? null;
  const a = auth(req);
  if (a.startsWith('Bearer ')) return findApiToken(store, a.slice(7).trim());
  const was = req.principal?.user;
  if (!a.startsWith('Basic ') || !was) return null;
  const now = await store.accounts.userById(Number(was.id));
  return now && now.password === was.password ? now : null;
}

export const authn = fp(async (app: FastifyInstance, opts: { store: Store; guesses: GuessLimit; principalTtlMs?: number }) => {
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);
  const known = new PrincipalCache(opts.principalTtlMs);
  const unsubscribe = opts.store.onLocalWrite((what) => known.changed(what));
  app.addHook('onClose', async () => unsubscribe());
  app.addHook('onRequest', async (req, reply) => {
    // The API browser's own pages and assets come from a plugin whose routes carry no config.
    const isPublic = req.routeOptions.config?.public === true || req.url.startsWith('/api/docs');
    const hasCredentials = Boolean(req.headers.authorization || req.cookies?.[SESSION_COOKIE]);
    if (isPublic && !hasCredentials) return;
    // Basic auth is a password attempt on every request, so it shares the login's guess limit.
    const basic = basicCredentials(req);
    if (basic) {
      const wait = opts.guesses.retryAfter(req.ip, basic.email);
      if (wait) return refuseGuess(reply, wait);
    }
    // The credential identify() goes by: the Authorization header if it is Basic or Bearer, else the cookie.
    const a = auth(req);
    const cookieValue = req.cookies?.[SESSION_COOKIE];
    const key = basic || a.startsWith('Bearer ') ? PrincipalCache.key('header', a) : cookieValue ? PrincipalCache.key('cookie', cookieValue) : null;
    const hit = key ? known.get(key) : undefined;
    if (hit) return admit(req, reply, hit.principal, hit.cookie, hit.csrf);
    const begun = known.begin();
    const who = await identify(opts.store, req);
    if (who.badRequest) return sendProblem(reply, 400, `${who.badRequest.field}: ${who.badRequest.message}`, [who.badRequest]);
    if (!who.user) {
      if (basic) opts.guesses.failed(req.ip, basic.email);
      if (isPublic) return;
      return sendProblem(reply, 401, who.problem!);
    }
    const principal = await loadPrincipal(opts.store, who.user);
    if (key) known.set(key, { principal, cookie: who.cookie, csrf: who.csrf }, begun);
    return admit(req, reply, principal, who.cookie, who.csrf);
  });
});

// The request goes on as this caller; a cookie-authenticated write needs the session's CSRF token.
function admit(req: FastifyRequest, reply: FastifyReply, principal: Principal, cookie?: string, csrf?: string) {
  if (cookie) {
    if (!SAFE.has(req.method) && req.headers['x-csrf-token'] !== csrf)
      return sendProblem(reply, 403, 'missing or wrong X-CSRF-Token header (required with cookie sessions)');
    req.sessionToken = cookie;
  } else if (auth(req).startsWith('Bearer ') && !auth(req).slice(7).trim().startsWith(API_TOKEN_PREFIX)) req.sessionToken = auth(req).slice(7).trim();
  req.principal = principal;
}

const auth = (req: FastifyRequest) => req.headers.authorization ?? '';
