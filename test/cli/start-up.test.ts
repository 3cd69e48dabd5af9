// How bin/xos starts, on a copy of the checkout: it compiles dist/ when a source is newer than the
// last build or one was added, not otherwise; it runs the CLI bundle through V8's code cache, which
// it writes on its first run, survives a damaged one, and never takes for another build's; and the
// commands the bundle loads lazily from dist/ (through the import() bin/xos hands it) still run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('bin/xos start-up', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-start-up-'));
  const xos = path.join(copy, 'bin', 'xos');
  const bundleDir = path.join(copy, 'dist', 'cli-bundle');
  const caches = () => fs.readdirSync(bundleDir).filter((f) => f.endsWith('.v8-cache'));
  const COMPILING = /xos: compiling the sources to dist\//;
  // Run in the copy with no XOS_CONFIG: defaults, whatever xos_config the tests' directory holds.
  const env = { ...process.env };
  delete env.XOS_CONFIG;
  const cli = (args: string[]) => run(xos, args, { cwd: copy, env });

  before(() => {
    for (const part of ['bin', 'scripts', 'src', 'package.json']) fs.cpSync(part, path.join(copy, part), { recursive: true });
    fs.symlinkSync(path.resolve('node_modules'), path.join(copy, 'node_modules'));
  });
  after(() => fs.rmSync(copy, { recursive: true, force: true }));

  test('a checkout without dist/ compiles it on the first command, and not on the next', async () => {
    const first = await cli(['--help']);
    assert.match(first.stderr, COMPILING);
    assert.match(first.stderr, /dist\/ has not been built/);
    assert.match(first.stdout, /Usage: xos/);
    const second = await cli(['--help']);
    assert.doesNotMatch(second.stderr, COMPILING);
    assert.equal(second.stdout, first.stdout);
  });

  test('the first run writes the code cache, and later runs use it rather than write another', async () => {
    await cli(['--help']);
    const written = caches();
    assert.equal(written.length, 1, `one cache: ${written}`);
    const size = fs.statSync(path.join(bundleDir, 'main.cjs')).size;
    assert.match(written[0], new RegExp(`^main\\.cjs\\.${size}-\\d+\\.v8-cache$`));
    const mtime = fs.statSync(path.join(bundleDir, written[0])).mtimeMs;
    await cli(['--help']);
    assert.deepEqual(caches(), written);
    assert.equal(fs.statSync(path.join(bundleDir, written[0])).mtimeMs, mtime, 'a cache V8 accepted is not rewritten');
  });

  test('a damaged cache is rejected, the command still runs, and the cache is written again', async () => {
    const [name] = caches();
    const file = path.join(bundleDir, name);
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.alloc(good.length, 7));
    const r = await cli(['--help']);
    assert.match(r.stdout, /Usage: xos/);
    assert.equal(r.stderr, '');
    assert.notDeepEqual(fs.readFileSync(file), Buffer.alloc(good.length, 7), 'rewritten');
  });

  test('a command the bundle loads from dist/ when it runs (nginx-config) works through the cache', async () => {
    const r = await cli(['nginx-config', '--listen', '8080']);
    assert.match(r.stdout, /listen 8080;/);
    assert.match(r.stdout, /proxy_pass/);
  });

  test('an edited source makes the next command compile; the new bundle gets a cache of its own', async () => {
    const before = caches();
    const source = path.join(copy, 'src', 'cli', 'main.ts');
    const text = fs.readFileSync(source, 'utf8');
    fs.writeFileSync(source, text.replace("description('XOS: the control plane of a multi-site OpenStack cloud')", "description('XOS, edited')"));
    const r = await cli(['--help']);
    assert.match(r.stderr, /sources changed since the last build/);
    assert.match(r.stdout, /XOS, edited/);
    const now = caches();
    assert.equal(now.length, 1);
    assert.notDeepEqual(now, before, "the rebuilt bundle does not meet the old bundle's cache");
  });

  test('an added source makes the next command compile', async () => {
    fs.writeFileSync(path.join(copy, 'src', 'cli', 'added-for-test.ts'), 'export const added = 1;\n');
    const r = await cli(['--help']);
    assert.match(r.stderr, /source files were added or removed/);
    assert.doesNotMatch((await cli(['--help'])).stderr, COMPILING);
  });

  test('a source that does not compile stops the command with the reason and the remedy', async () => {
    fs.writeFileSync(path.join(copy, 'src', 'cli', 'broken-for-test.ts'), 'export const = ;\n');
    const r = await cli(['--help']).then(
      () => assert.fail('expected the command to fail'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /xos: cannot compile the sources \(.*\); run `npm run build`/s);
  });
});
