// Login, logout, who-am-I and API tokens for scripts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { checkPassword, createApiToken, createSession, deleteSession } from '../auth/credentials.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../model/errors.js';
import { verifyPassword } from '../auth/passwords.js';
import { afterWrites } from '../auth/after-write.js';
import { model } from '../model/registry.js';
import type { Store } from '../store/repository.js';
import type { GuessLimit } from '../auth/guess-limit.js';
import { CSRF_COOKIE, SESSION_COOKIE, refuseGuess } from './authn.js';
import { always, errorResponses, jsonResponse, noContent } from './contract.js';
import { modelSchema } from './model-schemas.js';

const tags = ['Authentication'];
const tokenFields = {
  id: { type: 'integer' },
  name: { type: 'string' },
  prefix: { type: 'string', description: 'The first characters of the token, to tell tokens apart' },
  created: { type: 'string', format: 'date-time' },
  expires: { type: ['string', 'null'], format: 'date-time' },
};
const tokenRow = always({
  ...tokenFields,
  last_used: { type: ['string', 'null'], format: 'date-time', description: 'When the token was last used, to the minute (a use within a minute of the last one noted is not noted again)' },
});
const newToken = always({ ...tokenFields, token: { type: 'string', description: 'Shown once, when the token is created' } });
const roles = { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, description: 'Role names by site or slice id' };
const meSchema = always({
  user: modelSchema.row(model('User')),
  is_admin: { type: 'boolean' },
  is_readonly: { type: 'boolean' },
  site_roles: roles,
  slice_roles: roles,
  deployment_admin: { type: 'array', items: { type: 'integer' }, description: 'The deployments the caller administers' },
});
const loginSchema = always({
  token: { type: 'string', description: 'A bearer token for this session' },
  csrf_token: { type: 'string', description: 'Send it as X-CSRF-Token with writes authenticated by the session cookie' },
  expires: { type: 'string', format: 'date-time' },
  user: modelSchema.row(model('User')),
});
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

export async function authRoutes(app: FastifyInstance, opts: { store: Store; sessionHours: number; loginPerMinute: number; guesses: GuessLimit }) {
  const { store } = opts;
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error(`too many login attempts; try again in ${Math.ceil(ctx.ttl / 1000)} s`), { statusCode: 429 }),
  });

  const me = (req: FastifyRequest) => {
    const p = req.principal!;
    return {
      user: store.present(model('User'), p.user),
      is_admin: p.isAdmin,
      is_readonly: p.readOnly,
      site_roles: Object.fromEntries([...p.siteRoles].map(([k, v]) => [k, [...v]])),
      slice_roles: Object.fromEntries([...p.sliceRoles].map(([k, v]) => [k, [...v]])),
      deployment_admin: [...p.deploymentAdmin],
    };
  };

  app.post('/api/auth/login', {
    config: { public: true, rateLimit: { max: opts.loginPerMinute, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Log in: sets a session cookie and returns a bearer token',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password'],
        properties: { email: { type: 'string', minLength: 1, maxLength: 255 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
      },
      response: { 200: jsonResponse(loginSchema, 'Logged in: the session cookie is set'), ...errorResponses(401) },
    },
    handler: async (req: FastifyRequest<{ Body: { email: string; password: string } }>, reply: FastifyReply) => {
      // The limit above counts every login from an address; this one counts wrong passwords per
      // account too, and shares them with HTTP Basic, so neither is a way around the other.
      const wait = opts.guesses.retryAfter(req.ip, req.body.email);
      if (wait) return refuseGuess(reply, wait);
      const user = await checkPassword(store, req.body.email, req.body.password);
      if (!user) {
        opts.guesses.failed(req.ip, req.body.email);
        throw new UnauthorizedError('wrong email or password');
      }
      const s = await createSession(store, Number(user.id), opts.sessionHours);
      const cookie = { path: '/', sameSite: 'lax' as const, secure: req.protocol === 'https', expires: s.expires };
      reply.setCookie(SESSION_COOKIE, s.token, { ...cookie, httpOnly: true });
      reply.setCookie(CSRF_COOKIE, s.csrf, cookie); // readable by the page, which echoes it
      return {
        token: s.token,
        csrf_token: s.csrf,
        expires: s.expires.toISOString(),
        user: store.present(model('User'), user),
      };
    },
  });

  app.post('/api/auth/logout', {
    schema: { tags, summary: 'End this session', response: { 204: noContent('Logged out') } },
    handler: async (req, reply) => {
      if (req.sessionToken) await deleteSession(store, req.sessionToken);
      reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  });

  // Changing one's own password needs the current one, and ends every other session and token.
  app.post('/api/auth/password', {
    config: { rateLimit: { max: opts.loginPerMinute, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Change your own password (give the current one); your other sessions and API tokens end',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['current_password', 'password'],
        properties: {
          current_password: { type: 'string', minLength: 1, maxLength: 256 },
          password: { type: 'string', minLength: 8, maxLength: 256, description: 'The new password, at least 8 characters' },
        },
      },
      response: { 204: noContent('Changed'), ...errorResponses(403) },
    },
    handler: async (req: FastifyRequest<{ Body: { current_password: string; password: string } }>, reply: FastifyReply) => {
      const p = req.principal!;
      if (!(await verifyPassword(p.user.password, req.body.current_password)))
        throw new ForbiddenError('the current password is wrong', [{ field: 'current_password', message: 'is not your current password' }]);
      await store.update(model('User'), p.id, { password: req.body.password }, p, {
        afterWrite: (inTx, after, before) => afterWrites.User!(inTx, after, before, { principal: p, sessionToken: req.sessionToken }),
      });
      return reply.code(204).send();
    },
  });

  app.get('/api/auth/me', {
    schema: { tags, summary: 'The caller and their privileges', response: { 200: jsonResponse(meSchema, 'The caller') } },
    handler: async (req) => me(req),
  });

  app.get('/api/auth/tokens', {
    schema: { tags, summary: 'Your API tokens', response: { 200: jsonResponse(always({ items: { type: 'array', items: tokenRow } }), 'Your API tokens') } },
    handler: async (req) => ({
      items: (await store.accounts.listTokens(req.principal!.id)).map((t) => ({ ...t, created: iso(t.created), expires: iso(t.expires), last_used: iso(t.last_used) })),
    }),
  });

  app.post('/api/auth/tokens', {
    schema: {
      tags,
      summary: 'Create an API token for scripts (Authorization: Bearer <token>)',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, expires_days: { type: 'integer', minimum: 1, maximum: 3650 } },
      },
      response: { 201: jsonResponse(newToken, 'Created: the token is shown this once') },
    },
    handler: async (req: FastifyRequest<{ Body: { name: string; expires_days?: number } }>, reply) => {
      const t = await createApiToken(store, req.principal!.id, req.body.name, req.body.expires_days);
      return reply.code(201).send({ ...t, created: iso(t.created), expires: iso(t.expires) });
    },
  });

  app.delete('/api/auth/tokens/:id', {
    schema: {
      tags,
      summary: 'Revoke one of your API tokens',
      params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } } },
      response: { 204: noContent('Revoked'), ...errorResponses(404) },
    },
    handler: async (req: FastifyRequest<{ Params: { id: number } }>, reply) => {
      if (!(await store.accounts.deleteToken(req.principal!.id, req.params.id))) throw new NotFoundError(`token ${req.params.id}`);
      return reply.code(204).send();
    },
  });
}
