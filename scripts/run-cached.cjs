// Runs a CommonJS file as require() would, but compiled with V8's code cache kept beside it, so
// a command does not compile the CLI bundle (a quarter of a megabyte) at every start. Node 22
// does this itself (module.enableCompileCache()); Node 20 does not.
//
// The cache is written when the process exits, so it holds the functions the command compiled as
// it ran, not only the top level; it is written when there was none or V8 rejected it (another
// node). V8 checks a cache against its source's length only, so the cache's name carries the
// file's size and modification time: a rebuilt bundle never meets the cache of the one before.
// Where dist/ cannot be written (an installation owned by another user) it runs without one.
//
// Code compiled through vm has no dynamic import() of its own (node asks for
// --experimental-vm-modules), so the file gets `__import`, an import() from this module, as one
// more wrapper argument; the CLI bundle's lazy imports call it (scripts/build.mjs).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');

function runCached(file) {
  const source = fs.readFileSync(file, 'utf8');
  const { size, mtimeMs } = fs.statSync(file);
  const cacheFile = `${file}.${size}-${Math.trunc(mtimeMs)}.v8-cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // none yet: this run writes it
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname, __import) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  // Registered before the file runs: a command may end the process while it runs (--help does).
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => saveCache(script, cacheFile));
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  const base = pathToFileURL(file);
  const importFromFile = (specifier) => import(specifier.startsWith('.') ? new URL(specifier, base).href : specifier);
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file), importFromFile);
  mod.loaded = true;
  return mod.exports;
}

function saveCache(script, cacheFile) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile); // a reader sees the whole cache or none
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

exports.runCached = runCached;
