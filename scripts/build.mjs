// `npm run build` (`node scripts/build.mjs [--if-stale]`): compiles src/ to JavaScript in dist/ (one file per module, the same layout),
// so that neither the server nor the CLI compiles TypeScript when it starts. Types are checked
// separately (`npm run typecheck`); this only strips them.
//
// bin/xos builds only when a source is newer than the last build, or one was added or removed
// (scripts/stale.cjs).
// A build is written beside dist/ and swapped in, so a concurrent reader sees an old or a new
// tree, never half of one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dist, fingerprint, sources, src, staleReason } from './stale.cjs';

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
    const cli = cliBundle(tmp);
    await esbuild.build(cli.options);
    cli.routeDynamicImports();
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
//
// bin/xos runs the bundle through V8's code cache (scripts/run-cached.cjs), compiled by vm,
// where import() does not work; so every dynamic import in the bundle becomes a call of `__lazy`,
// which is the import() bin/xos hands in, or the bundle's own when it is simply required. The
// name has import's length, so the source map stays right.
const CLI_BUNDLED_PACKAGES = new Set([
  'commander',
  'ini',
  // what the tables every list and show prints measure text with
  'string-width',
  'strip-ansi',
  'ansi-regex',
  'emoji-regex',
  'is-fullwidth-code-point',
]);
function cliBundle(out) {
  const dynamicImports = new Set();
  const external = (p, args) => {
    if (args.kind === 'dynamic-import') dynamicImports.add(p);
    return { path: p, external: true };
  };
  const lazyToDist = {
    name: 'lazy-imports-to-dist',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = path.relative(src, path.resolve(path.dirname(args.importer), args.path)).split(path.sep).join('/');
        return external(`../${target}`, args);
      });
    },
  };
  const otherPackagesExternal = {
    name: 'other-packages-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return CLI_BUNDLED_PACKAGES.has(name) ? undefined : external(args.path, args);
      });
    },
  };
  const outdir = path.join(out, 'cli-bundle');
  const routeDynamicImports = () => {
    const file = path.join(outdir, 'main.cjs');
    const routed = new Set();
    const code = fs.readFileSync(file, 'utf8').replace(/\bimport\((["'])([^"']+)\1/g, (_, q, specifier) => (routed.add(specifier), `__lazy(${q}${specifier}${q}`));
    const same = routed.size === dynamicImports.size && [...routed].every((x) => dynamicImports.has(x));
    if (!same) throw new Error(`the CLI bundle imports ${[...routed].join(', ')} where esbuild resolved the dynamic imports ${[...dynamicImports].join(', ')}`);
    fs.writeFileSync(file, code);
  };
  const options = {
    entryPoints: { main: path.join(src, 'cli', 'main.ts') },
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // The sources are ES modules: import.meta.url is the bundle's own file URL.
    define: { 'import.meta.url': '__bundleFileUrl' },
    banner: {
      js: [
        "const __bundleFileUrl = require('node:url').pathToFileURL(__filename).href;",
        "const __lazy = typeof __import === 'function' ? __import : (specifier) => import(specifier);",
      ].join('\n'),
    },
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [lazyToDist, otherPackagesExternal],
  };
  return { options, routeDynamicImports };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  if (process.argv.includes('--if-stale') && !staleReason()) process.exit(0);
  const n = await build();
  console.log(`built ${n} modules into dist/ in ${Date.now() - started} ms`);
}
