// What the web UI ships on first load: the JavaScript and CSS that ui/dist/index.html names
// (entry scripts, module preloads, stylesheets), raw, gzipped and brotli-compressed as XOS and
// nginx send them. The reference, built in the same run with the same Vite settings, is an empty
// React app (createRoot and one render): the ratio says what the UI adds to React's floor.
//
//   node --import tsx bench/ui-bundle.ts [--no-build] [--json]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'ui/dist');
if (!args['no-build']) execFileSync('bash', [path.join(root, 'ui/build.sh'), '--force'], { stdio: ['ignore', 'ignore', 'inherit'] });

interface Size {
  file: string;
  raw: number;
  gzip: number; // level 9, as the build writes the .gz files
  gzip6: number; // nginx's default level, for comparison
  brotli: number;
}
const measure = (file: string, data: Buffer): Size => ({
  file,
  raw: data.length,
  gzip: zlib.gzipSync(data, { level: 9 }).length,
  gzip6: zlib.gzipSync(data, { level: 6 }).length,
  brotli: zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const sum = (xs: Size[], file: string): Size =>
  xs.reduce((a, b) => ({ file, raw: a.raw + b.raw, gzip: a.gzip + b.gzip, gzip6: a.gzip6 + b.gzip6, brotli: a.brotli + b.brotli }), {
    file,
    raw: 0,
    gzip: 0,
    gzip6: 0,
    brotli: 0,
  });

const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const refs = (re: RegExp) => [...html.matchAll(re)].map((m) => m[1]);
const firstJs = [...new Set([...refs(/<script[^>]+src="([^"]+)"/g), ...refs(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)])];
const firstCss = refs(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g);
const read = (url: string) => measure(url, fs.readFileSync(path.join(dist, url.replace(/^\//, ''))));
const js = firstJs.map(read);
const css = firstCss.map(read);
const allJs = fs
  .readdirSync(path.join(dist, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => read(`/assets/${f}`));

// The framework floor: an empty React app, built by Vite with the same target and minifier.
async function reactFloor(): Promise<Size> {
  const { build } = await import('vite');
  const dir = path.join(root, 'node_modules/.cache/xos-ui-bench');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="./main.js"></script>');
  fs.writeFileSync(path.join(dir, 'main.js'), "import { createRoot } from 'react-dom/client';\nimport { jsx } from 'react/jsx-runtime';\ncreateRoot(document.getElementById('root')).render(jsx('p', { children: 'hello' }));\n");
  const out = (await build({
    root: dir,
    logLevel: 'silent',
    configFile: false,
    build: { write: false, target: 'es2022', modulePreload: { polyfill: false } },
  })) as { output: { fileName: string; type: string; code?: string }[] } | { output: { fileName: string; type: string; code?: string }[] }[];
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output);
  const code = outputs.filter((o) => o.type === 'chunk' && o.fileName.endsWith('.js')).map((o) => o.code ?? '').join('\n');
  fs.rmSync(dir, { recursive: true, force: true });
  return measure('empty React app', Buffer.from(code));
}
const react = await reactFloor();

const firstLoadJs = sum(js, 'first-load JavaScript');
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const result = {
  first_load_js: firstLoadJs,
  first_load_css: sum(css, 'first-load CSS'),
  all_js: sum(allJs, 'all JavaScript chunks'),
  react_runtime: react,
  ratio_first_load_js_to_react_gzip: firstLoadJs.gzip / react.gzip,
  files: [...js, ...css],
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log('Web UI bundle (ui/dist)\n');
  console.log(`${'what'.padEnd(28)} ${'raw'.padStart(11)} ${'gzip -9'.padStart(11)} ${'gzip -6'.padStart(11)} ${'brotli'.padStart(11)}`);
  for (const r of [...result.files, result.first_load_js, result.first_load_css, result.all_js, react])
    console.log(`${r.file.padEnd(28).slice(0, 28)} ${kb(r.raw).padStart(11)} ${kb(r.gzip).padStart(11)} ${kb(r.gzip6).padStart(11)} ${kb(r.brotli).padStart(11)}`);
  console.log(
    `\nFirst load ships ${kb(firstLoadJs.gzip)} of JavaScript gzipped (${kb(firstLoadJs.brotli)} brotli), ` +
      `${result.ratio_first_load_js_to_react_gzip.toFixed(2)}× an empty React app built the same way (${kb(react.gzip)} gzipped); ` +
      `the UI's code adds ${kb(firstLoadJs.gzip - react.gzip)}.`,
  );
}
