import fs from 'node:fs';
import type { XosConfig } from '../config/schema.js';
import { openStore } from '../api/runtime.js';
import { generatePassword } from '../auth/passwords.js';
import { model } from '../model/registry.js';
import { SYSTEM } from '../store/repository.js';
import { importSqlToEmbedded } from '../store/import.js';

export async function migrateDb(config: XosConfig) {
  const store = await openStore(config); // opening applies what is missing
  console.log(`database ${store.where} is up to date (${await store.migrationsApplied()} migrations applied)`);
  await store.close();
}

// The export holds every password hash and encrypted credential: only its owner may read it,
// also when the file was already there with a looser mode (which open's mode would keep).
function privateWriteStream(file: string) {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
  } catch (e) {
    fs.closeSync(fd);
    throw new Error(`cannot make ${file} readable by its owner only: ${(e as Error).message}`);
  }
  return fs.createWriteStream('', { fd });
}

export async function exportDb(config: XosConfig, output?: string) {
  const store = await openStore(config);
  try {
    const out = output ? privateWriteStream(output) : process.stdout;
    await store.exportTo(out);
    if (output) {
      await new Promise<void>((resolve, reject) => (out as fs.WriteStream).end((e?: Error) => (e ? reject(e) : resolve())));
      console.error(`wrote ${output}`);
    }
  } finally {
    await store.close();
  }
}

export async function createUser(
  config: XosConfig,
  o: { email: string; password?: string; admin?: boolean; site?: string; firstname: string; lastname: string },
) {
  const store = await openStore(config);
  try {
    const password = o.password ?? process.env.XOS_NEW_PASSWORD ?? generatePassword();
    const site = o.site ? Number(o.site) : Number((await store.list(model('Site'), { limit: 1 })).items[0]?.id);
    if (!site) throw new Error('there is no site yet; start XOS once (xos serve) or give --site');
    const u = await store.create(
      model('User'),
      { email: o.email, password, firstname: o.firstname, lastname: o.lastname, site, is_admin: Boolean(o.admin) },
      SYSTEM,
    );
    console.log(`created ${o.admin ? 'administrator' : 'user'} ${u.email} (id ${u.id})`);
    if (!o.password && !process.env.XOS_NEW_PASSWORD) console.log(`password: ${password}`);
  } finally {
    await store.close();
  }
}

export async function importDb(config: XosConfig, file: string) {
  if (config.db.url) throw new Error('[db] url is set: restore into PostgreSQL with psql -v ON_ERROR_STOP=1 -f FILE; xos db import fills a new embedded database');
  const sql = fs.readFileSync(file, 'utf8');
  await importSqlToEmbedded(config.db.data_dir, sql);
  console.log(`imported ${file} into the embedded database in ${config.db.data_dir}`);
}
