// `npm run build` (`node scripts/build.mjs [--if-stale]`): compiles src/ to JavaScript in dist/ (one file per module, the same layout),
// so that neither the server nor the CLI compiles TypeScript when it starts. Types are checked
// separately (`npm run typecheck`); this only strips them.
//
// ensureBuilt() is what bin/xos calls first: it rebuilds only when a source is newer than the
// last build (or one was added or removed), which costs a few milliseconds of stat calls.
// A build is written beside dist/ and swapped in, so a concurrent reader sees an old or a new
// tree, never half of one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
export const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp.json');

function sources(dir = src) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function fingerprint(files) {
  let newest = 0;
  for (const f of files) newest = Math.max(newest, fs.statSync(f).mtimeMs);
  return { files: files.length, newest };
}

// Why dist/ needs building, or null when it is up to date.
export function staleReason() {
  if (!fs.existsSync(src)) return null; // an installation without sources runs what it has
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return 'dist/ has not been built';
  }
  const now = fingerprint(sources());
  if (now.files !== stamp.files) return 'source files were added or removed';
  if (now.newest > stamp.newest) return 'sources changed since the last build';
  return null;
}

export async function build() {
  const files = sources();
  const before = fingerprint(files);
  const esbuild = await import('esbuild');
  const tmp = `${dist}.tmp-${process.pid}-${Date.now()}`;
  try {
    await esbuild.build({
      entryPoints: files,
      outdir: tmp,
      outbase: src,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    await esbuild.build(cliBundle(tmp));
    fs.writeFileSync(path.join(tmp, '.build-stamp.json'), JSON.stringify(before) + '\n');
    const old = `${dist}.old-${process.pid}-${Date.now()}`;
    try {
      fs.renameSync(dist, old);
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    try {
      fs.renameSync(tmp, dist);
    } catch (e) {
      // another process swapped its build in first: the same sources, so keep that one
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    }
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await esbuild.stop(); // its service process would otherwise live as long as this one
  }
  return files.length;
}

// The CLI as one file (dist/cli-bundle/main.cjs, what bin/xos runs): a command starts by reading
// one module instead of resolving and reading every module of src/ it needs one by one, which
// was most of its start-up. It is CommonJS: node loads a CommonJS file, and the built-in modules
// it requires, without the ES module loader's linking and per-module facades. The packages every
// command loads are bundled too: resolving a package through node_modules and its package.json
// costs more than reading it. Other packages stay imports, loaded when a command needs them.
// What main.ts loads lazily (serve, the database commands) stays lazy: those imports point at
// the per-module build in dist/, so a quick command never loads the server.
const CLI_BUNDLED_PACKAGES = new Set(['commander', 'ini']);
function cliBundle(out) {
  const lazyToDist = {
    name: 'lazy-imports-to-dist',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = path.relative(src, path.resolve(path.dirname(args.importer), args.path)).split(path.sep).join('/');
        return { path: `../${target}`, external: true };
      });
    },
  };
  const otherPackagesExternal = {
    name: 'other-packages-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return CLI_BUNDLED_PACKAGES.has(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
  return {
    entryPoints: { main: path.join(src, 'cli', 'main.ts') },
    outdir: path.join(out, 'cli-bundle'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // The sources are ES modules: import.meta.url is the bundle's own file URL.
    define: { 'import.meta.url': '__bundleFileUrl' },
    banner: { js: "const __bundleFileUrl = require('node:url').pathToFileURL(__filename).href;" },
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [lazyToDist, otherPackagesExternal],
  };
}

export async function ensureBuilt({ log = (m) => process.stderr.write(m + '\n') } = {}) {
  const why = staleReason();
  if (!why) return false;
  log(`xos: compiling the sources to dist/ (${why})…`);
  await build();
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  if (process.argv.includes('--if-stale') && !staleReason()) process.exit(0);
  const n = await build();
  console.log(`built ${n} modules into dist/ in ${Date.now() - started} ms`);
}
