// Whether dist/ is older than src/: what bin/xos asks before every command, and `npm start`
// before it builds. CommonJS, so that bin/xos (CommonJS too) loads it without starting the ES
// module loader, a good part of what a short command would otherwise spend starting up.
// The answer costs a directory walk and a stat of every source: a few milliseconds.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp.json');

// Every TypeScript module under dir (declarations left out). Plain loops and string paths: this
// runs before every command, before the JIT has warmed up, where path.join and flatMap cost more
// than the system calls.
function sources(dir = src, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// What a build records and a later check compares: how many sources, and the newest one's time.
function fingerprint(files) {
  let newest = 0;
  for (const f of files) {
    const t = fs.statSync(f).mtimeMs;
    if (t > newest) newest = t;
  }
  return { files: files.length, newest };
}

// Why dist/ needs building, or null when it is up to date.
function staleReason() {
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

exports.root = root;
exports.src = src;
exports.dist = dist;
exports.sources = sources;
exports.fingerprint = fingerprint;
exports.staleReason = staleReason;
