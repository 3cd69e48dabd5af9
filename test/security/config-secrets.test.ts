// A PostgreSQL URL can carry secrets in its query as well as in its password part (libpq reads
// password= and sslpassword= there): wherever XOS shows the URL, neither may appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, showConfig } from '../../src/config/load.js';
import { freePort, run, xos } from '../helpers/xos-process.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-config-secrets-'));
const cleanEnv = { ...process.env, XOS_CONFIG: '', XOS_DATA_DIR: path.join(tmp, 'data') };

test('xos config show masks passwords, keys and tokens in the query of [db] url', async () => {
  const file = path.join(tmp, 'xos_config');
  fs.writeFileSync(
    file,
    '[db]\nurl = postgres://xos:url-secret-1@db.example:5432/xos?sslmode=verify-full&password=query-secret-2&sslpassword=query-secret-3&application_name=xos-main\n',
  );
  const { stdout } = await run(xos, ['--config', file, 'config', 'show'], { env: cleanEnv });
  const line = stdout.split('\n').find((l) => l.startsWith('url = '));
  assert.equal(line, 'url = postgres://xos:********@db.example:5432/xos?sslmode=verify-full&password=********&sslpassword=********&application_name=xos-main');
  assert.doesNotMatch(stdout, /secret-\d/);
});

test('every query parameter named like a password, secret, token or key is masked, the others kept as written', () => {
  const url = 'postgresql://u@h/db?PassWord=a1&db_pwd=a2&auth_token=a3&client_secret=a4&sslkey=a5&api-key=a6&options=-c%20search_path%3Dxos&connect_timeout=10&ssl';
  const shown = showConfig(loadConfig({ env: { XOS_DB_URL: url } }));
  assert.match(
    shown,
    /^url = postgresql:\/\/u@h\/db\?PassWord=\*+&db_pwd=\*+&auth_token=\*+&client_secret=\*+&sslkey=\*+&api-key=\*+&options=-c%20search_path%3Dxos&connect_timeout=10&ssl$/m,
  );
  assert.doesNotMatch(shown, /a[1-6]/);
});

test('the message of a failed PostgreSQL connection does not show the query password', async () => {
  const port = await freePort(); // nothing listens there
  const r = await run(xos, ['db', 'migrate'], { env: { ...cleanEnv, XOS_DB_URL: `postgres://xos@127.0.0.1:${port}/xos?password=conn-secret-4` } }).then(
    () => assert.fail('there is no PostgreSQL to connect to'),
    (e: { stderr: string }) => e,
  );
  assert.match(r.stderr, new RegExp(`cannot connect to PostgreSQL at postgres://xos@127\\.0\\.0\\.1:${port}/xos\\?password=\\*+`));
  assert.doesNotMatch(r.stderr, /conn-secret-4/);
});
