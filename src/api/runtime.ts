// Opening XOS: the database named by the configuration, the store over it, the seed data and,
// on the very first start, an administrator.
import path from 'node:path';
import type { XosConfig } from '../config/schema.js';
import { Store, SYSTEM } from '../store/repository.js';
import { resolveSecretKey, secretBox } from '../store/secrets.js';
import { seed } from '../store/seed.js';
import { hashPassword, generatePassword } from '../auth/passwords.js';
import { PASSWORD_RULE, weakPassword } from '../auth/password-rule.js';
import { model } from '../model/registry.js';

export async function openStore(config: XosConfig, opts: { memory?: boolean } = {}): Promise<Store> {
  const dataDir = path.resolve(config.db.data_dir);
  const key = resolveSecretKey({ key: config.security.secret_key, keyFile: config.security.secret_key_file, dataDir });
  const secrets = secretBox(key);
  const store = await Store.open(
    { url: config.db.url || undefined, dataDir, memory: opts.memory },
    { secrets, hashPassword, settings: { defaultFlavor: config.nova.default_flavor || null } },
  );
  try {
    await seed(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

export interface FirstAdmin {
  email: string;
  password: string | null; // set when XOS made it up and must show it once
}

// With no administrator yet, make one (and the site and deployment it needs, as XOS always had).
export async function ensureFirstAdmin(store: Store, env: NodeJS.ProcessEnv = process.env): Promise<FirstAdmin | null> {
  if ((await store.context().count('User', { is_admin: true })) > 0) return null;
  const email = env.XOS_ADMIN_EMAIL || 'admin@example.com';
  const given = env.XOS_ADMIN_PASSWORD;
  const weak = given ? weakPassword(given, email) : null;
  if (weak)
    throw new Error(
      `XOS_ADMIN_PASSWORD: ${weak}; the first administrator's password must be ${PASSWORD_RULE} ` +
        '(or leave XOS_ADMIN_PASSWORD unset: XOS then makes one up and shows it once)',
    );
  const password = given || generatePassword();
  const sites = await store.list(model('Site'), { limit: 1 });
  const site = sites.items[0] ?? (await store.create(model('Site'), { name: 'MySite', login_base: 'mysite', abbreviated_name: 'mysite' }, SYSTEM));
  const deployments = await store.list(model('Deployment'), { limit: 1 });
  const deployment = deployments.items[0] ?? (await store.create(model('Deployment'), { name: 'MyDeployment', access_control: 'allow all' }, SYSTEM));
  const links = await store.list(model('SiteDeployment'), { filters: { site: String(site.id), deployment: String(deployment.id) } });
  if (!links.total) await store.create(model('SiteDeployment'), { site: site.id, deployment: deployment.id }, SYSTEM);
  const existing = await store.list(model('User'), { filters: { email } });
  if (existing.items[0]) await store.update(model('User'), Number(existing.items[0].id), { is_admin: true, is_active: true, password }, SYSTEM);
  else await store.create(model('User'), { email, password, firstname: 'XOS', lastname: 'Admin', site: site.id, is_admin: true }, SYSTEM);
  return { email, password: given ? null : password };
}
