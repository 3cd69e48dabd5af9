// Builds the web UI into ui/dist (served by XOS at /, or by nginx in production).
//   npx vite build --config ui/vite.config.ts      one build (npm run build:ui)
//   npx vite --config ui/vite.config.ts            development server; /api goes to XOS on :8000
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

// Writes .gz and .br next to every text asset, so that XOS (and nginx's gzip_static) can send
// them without compressing on each request.
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'xos-precompress',
    apply: 'build',
    configResolved(c) {
      outDir = resolve(c.root, c.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
      for (const f of walk(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(f)) continue;
        const data = readFileSync(f);
        if (data.length < 1024) continue;
        writeFileSync(`${f}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(`${f}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

// main.tsx loads the app (start.tsx) with import(), after its own first requests have gone out;
// a module preload in index.html lets the browser fetch that chunk at once, beside the entry,
// rather than only when the entry asks for it.
function preloadApp(): Plugin {
  return {
    name: 'xos-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const dynamic = Object.values(ctx.bundle ?? {}).filter((c) => c.type === 'chunk' && c.isDynamicEntry);
        return dynamic.map((c) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${c.fileName}` }, injectTo: 'head' as const }));
      },
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), preloadApp(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false } },
  },
});
