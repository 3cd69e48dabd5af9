// The web UI: the built single-page app (ui/dist) at `/`, and the little configuration it needs
// before anyone has logged in. Paths under /api/ are never answered with the app's page, so an
// unknown API route stays a JSON 404. In production nginx serves ui/dist itself (the same rules).
import fs from 'node:fs';
import path from 'node:path';
import { fromPackageRoot } from '../config/package-root.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { XosConfig } from '../config/schema.js';
import { always, jsonResponse } from './contract.js';

export const DEFAULT_UI_DIST = fromPackageRoot('ui', 'dist');

// The page may talk only to its own origin; nothing may frame it.
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>XOS</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The web UI is not built</h1>
<p>Run <code>npm run build:ui</code> (or <code>npm start</code>, which builds it when it is missing), then reload.</p>
<p>The API and its documentation work meanwhile: <a href="/api/docs">/api/docs</a>.</p></body></html>`;

// No file system holds a name with a NUL or longer than 255 bytes, and Node throws rather than
// answer "no such file" for them: such a path is simply not found.
const couldBeAFile = (pathname: string) =>
  !pathname.includes('\u0000') && pathname.split('/').every((seg) => Buffer.byteLength(seg) <= 255);

// What a path names under the root. A path through a file ("/app.js/", "/index.html/x"), or one
// the server may not read, makes Node throw: it names nothing that could be served, so it is not
// found rather than a client route of the app.
function lookup(file: string): 'file' | 'none' | 'impossible' {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? 'file' : 'none';
  } catch {
    return 'impossible';
  }
}

export async function uiRoutes(app: FastifyInstance, opts: { config: XosConfig; distDir?: string }) {
  const root = path.resolve(opts.distDir ?? DEFAULT_UI_DIST);

  app.get('/api/ui/config', {
    config: { public: true },
    schema: {
      tags: ['Meta'],
      summary: 'What the web UI needs before login: the product name and which panels to show (no authentication)',
      response: { 200: jsonResponse(always({ branding_name: { type: 'string' }, disable_minidashboard: { type: 'boolean' } }), 'The configuration') },
    },
    handler: async () => ({
      branding_name: opts.config.gui.branding_name,
      disable_minidashboard: opts.config.gui.disable_minidashboard,
    }),
  });

  // The reply.sendFile decorator only: the route below decides what each path means.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true, dotfiles: 'deny', index: false });

  const sendApp = (reply: FastifyReply) => {
    if (!fs.existsSync(path.join(root, 'index.html')))
      return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    // The page names hashed assets, so it must never be cached past a new build.
    return reply.headers(SECURITY_HEADERS).sendFile('index.html', { cacheControl: false, lastModified: false, etag: true });
  };

  app.get('/*', {
    config: { public: true },
    schema: { hide: true },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      let pathname: string;
      try {
        pathname = decodeURIComponent(req.url.split('?')[0]);
      } catch {
        return reply.callNotFound();
      }
      if (pathname === '/api' || pathname.startsWith('/api/')) return reply.callNotFound();
      if (!couldBeAFile(pathname)) return reply.callNotFound();
      const rel = path.posix.normalize(pathname).replace(/^\/+/, '');
      const file = path.join(root, rel);
      if (rel && !rel.startsWith('..') && file.startsWith(root + path.sep) && rel !== 'index.html') {
        const found = lookup(file);
        if (found === 'impossible') return reply.callNotFound();
        if (found === 'file') {
          reply.header('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=86400');
          reply.header('x-content-type-options', 'nosniff');
          await reply.sendFile(rel, { cacheControl: false });
          return reply;
        }
      }
      // A missing asset is a 404, not the page (that would hide a broken build behind a MIME error).
      if (rel.startsWith('assets/') || /\.[a-z0-9]{1,8}$/i.test(rel)) return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      return sendApp(reply);
    },
  });
}
