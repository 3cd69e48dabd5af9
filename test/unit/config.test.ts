import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findConfigFile, loadConfig, showConfig, ConfigError } from '../../src/config/load.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-config-'));
const write = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};

test('defaults apply when there is no file', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.api.port, 8000);
  assert.equal(c.gui.disable_minidashboard, false);
  assert.equal(c.db.url, '');
  assert.equal(c.source.file, null);
});

test('a file sets typed values; Python-style booleans work', () => {
  const f = write('ok', '[api]\nport = 9001\n[gui]\ndisable_minidashboard = True\nbranding_name = OpenCloud\n[observer]\nbackoff_disabled=False\n');
  const c = loadConfig({ file: f, env: {} });
  assert.equal(c.api.port, 9001);
  assert.equal(c.gui.disable_minidashboard, true);
  assert.equal(c.gui.branding_name, 'OpenCloud');
  assert.equal(c.observer.backoff_disabled, false);
});

test('XOS_<SECTION>_<KEY> overrides the file, and XOS_DATA_DIR is an alias', () => {
  const f = write('env', '[api]\nport = 9001\n');
  const c = loadConfig({ file: f, env: { XOS_API_PORT: '9100', XOS_DATA_DIR: '/srv/xos', XOS_GUI_DISABLE_MINIDASHBOARD: 'yes' } });
  assert.equal(c.api.port, 9100);
  assert.equal(c.db.data_dir, '/srv/xos');
  assert.equal(c.gui.disable_minidashboard, true);
});

test('a bad value names the file, section, key and reason', () => {
  const f = write('bad', '[api]\nport = eighty\n');
  assert.throws(() => loadConfig({ file: f, env: {} }), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, new RegExp(`^${f.replace(/[/.]/g, '\\$&')}: \\[api\\] port: "eighty" is not a whole number$`));
    return true;
  });
  assert.throws(() => loadConfig({ file: write('range', '[api]\nport = 70000\n'), env: {} }), /\[api\] port: 70000 is outside 0–65535/);
  assert.throws(() => loadConfig({ file: write('bool', '[gui]\ndisable_minidashboard = maybe\n'), env: {} }), /\[gui\] disable_minidashboard: "maybe" is not a boolean/);
  assert.throws(() => loadConfig({ env: { XOS_API_PORT: 'x' } }), /: environment XOS_API_PORT: \[api\] port: "x" is not a whole number/);
});

test('unknown sections and keys are errors, not silently ignored', () => {
  assert.throws(() => loadConfig({ file: write('sec', '[apii]\nport = 1\n'), env: {} }), /\[apii\] \*: unknown section/);
  assert.throws(() => loadConfig({ file: write('key', '[api]\nprot = 1\n'), env: {} }), /\[api\] prot: unknown key \(known: host, port/);
  assert.throws(() => loadConfig({ file: write('url', '[db]\nurl = mysql://x\n'), env: {} }), /\[db\] url: must start with postgres/);
});

test('which file is read: --config, then XOS_CONFIG, then ./xos_config', () => {
  const a = write('a', '');
  const b = write('b', '');
  assert.equal(findConfigFile(a, { XOS_CONFIG: b }, tmp), a);
  assert.equal(findConfigFile(undefined, { XOS_CONFIG: b }, tmp), b);
  assert.equal(findConfigFile(undefined, {}, tmp), null);
  write('xos_config', '');
  assert.equal(findConfigFile(undefined, {}, tmp), path.join(tmp, 'xos_config'));
  assert.throws(() => findConfigFile('/no/such/file', {}), /config file \/no\/such\/file does not exist/);
});

test('config show masks secrets', () => {
  const c = loadConfig({ env: { XOS_DB_URL: 'postgres://xos:hunter2@db:5432/xos', XOS_SECURITY_SECRET_KEY: 'f'.repeat(64) } });
  const text = showConfig(c);
  assert.ok(!text.includes('hunter2'));
  assert.ok(!text.includes('f'.repeat(64)));
  assert.match(text, /url = postgres:\/\/xos:\*+@db:5432\/xos/);
  assert.match(text, /secret_key = \*+/);
  assert.match(text, /^port = 8000$/m);
});
