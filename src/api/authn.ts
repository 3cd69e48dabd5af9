// Works out who is calling before anything else runs. Routes are private unless their config
// says `public: true`. A cookie-authenticated write must carry the session's CSRF token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import '@fastify/cookie';
import '@fastify/swagger';
import type { ModelDef } from '../model/types.js';
import { checkPassword, findApiToken, findSession, API_TOKEN_PREFIX } from '../auth/credentials.js';
import { loadPrincipal, type Principal } from '../auth/principal.js';
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

async function identify(
  store: Store,
  req: FastifyRequest,
): Promise<{ user: Row | null; problem?: string; badRequest?: FieldError; csrf?: string; cookie?: string }> {
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    // Base64 lets a NUL through the header; the email goes to the database (see model/nul.ts).
    if (decoded.includes('\u0000')) return { user: null, badRequest: { field: 'Authorization', message: `the Basic email and password ${NUL_MESSAGE}` } };
    const i = decoded.indexOf(':');
    const user = i > 0 ? await checkPassword(store.db, decoded.slice(0, i), decoded.slice(i + 1)) : null;
    return user ? { user } : { user: null, problem: 'wrong email or password' };
  }
  if (auth.startsWith('Bearer ')) {
    const token = auth.slice(7).trim();
    const user = token.startsWith(API_TOKEN_PREFIX) ? await findApiToken(store.db, token) : (await findSession(store.db, token))?.user ?? null;
    return user ? { user } : { user: null, problem: 'the token is unknown or has expired' };
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) {
    const s = await findSession(store.db, cookie);
    return s ? { user: s.user, csrf: s.csrf, cookie } : { user: null, problem: 'the session has expired; log in again' };
  }
  return { user: null, problem: 'authentication required: use HTTP Basic (email and password), a bearer token or log in' };
}

export const authn = fp(async (app: FastifyInstance, opts: { store: Store }) => {
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);
  app.addHook('onRequest', async (req, reply) => {
    // The API browser's own pages and assets come from a plugin whose routes carry no config.
    const isPublic = req.routeOptions.config?.public === true || req.url.startsWith('/api/docs');
    const hasCredentials = Boolean(req.headers.authorization || req.cookies?.[SESSION_COOKIE]);
    if (isPublic && !hasCredentials) return;
    const who = await identify(opts.store, req);
    if (who.badRequest) return sendProblem(reply, 400, `${who.badRequest.field}: ${who.badRequest.message}`, [who.badRequest]);
    if (!who.user) {
      if (isPublic) return;
      return sendProblem(reply, 401, who.problem!);
    }
    if (who.cookie) {
      if (!SAFE.has(req.method) && req.headers['x-csrf-token'] !== who.csrf)
        return sendProblem(reply, 403, 'missing or wrong X-CSRF-Token header (required with cookie sessions)');
      req.sessionToken = who.cookie;
    } else if (auth(req).startsWith('Bearer ') && !auth(req).slice(7).trim().startsWith(API_TOKEN_PREFIX)) req.sessionToken = auth(req).slice(7).trim();
    req.principal = await loadPrincipal(opts.store.db, who.user);
  });
});

const auth = (req: FastifyRequest) => req.headers.authorization ?? '';
