import fs from 'node:fs';
import type { XosConfig } from '../config/schema.js';
import { openStore } from '../api/runtime.js';
import { exportSql } from '../store/export.js';
import { generatePassword } from '../auth/passwords.js';
import { model } from '../model/registry.js';
import { SYSTEM } from '../store/repository.js';

export async function migrateDb(config: XosConfig) {
  const store = await openStore(config); // opening applies what is missing
  const [{ n }] = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
  console.log(`database ${store.db.where} is up to date (${n} migrations applied)`);
  await store.db.close();
}

export async function exportDb(config: XosConfig, output?: string) {
  const store = await openStore(config);
  try {
    const out = output ? fs.createWriteStream(output) : process.stdout;
    await exportSql(store.db, out);
    if (output) {
      await new Promise<void>((resolve, reject) => (out as fs.WriteStream).end((e?: Error) => (e ? reject(e) : resolve())));
      console.error(`wrote ${output}`);
    }
  } finally {
    await store.db.close();
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
    await store.db.close();
  }
}
