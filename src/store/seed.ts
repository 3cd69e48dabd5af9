// What every XOS starts with: the roles, the three network templates and the basic flavors.
// Seeding is idempotent: it adds only what is missing, so it runs on every start.
import { model } from '../model/registry.js';
import type { Row } from '../model/types.js';
import { SYSTEM, type Store } from './repository.js';

const seeds: [string, string, Row[]][] = [
  ['SiteRole', 'role', [{ role: 'admin' }, { role: 'pi' }, { role: 'tech' }]],
  ['SliceRole', 'role', [{ role: 'admin' }, { role: 'access' }]],
  ['DeploymentRole', 'role', [{ role: 'admin' }]],
  [
    'NetworkTemplate',
    'name',
    [
      { name: 'Private', description: 'A private network of the slice', visibility: 'private', translation: 'none' },
      {
        name: 'Public shared IPv4',
        description: 'Outbound access through NAT, inbound through port forwarding',
        visibility: 'private',
        translation: 'NAT',
        shared_network_name: 'nat-net',
      },
      {
        name: 'Public dedicated IPv4',
        description: 'A public address from the external pool',
        visibility: 'public',
        translation: 'none',
        shared_network_name: 'ext-net',
      },
    ],
  ],
  [
    'Flavor',
    'name',
    [
      { name: 'm1.small', description: 'Small', vcpus: 1, ram_mb: 2048, disk_gb: 20, order: 1, default: true },
      { name: 'm1.medium', description: 'Medium', vcpus: 2, ram_mb: 4096, disk_gb: 40, order: 2 },
      { name: 'm1.large', description: 'Large', vcpus: 4, ram_mb: 8192, disk_gb: 80, order: 3 },
    ],
  ],
];

export async function seed(store: Store) {
  for (const [name, key, rows] of seeds) {
    const m = model(name);
    for (const row of rows) {
      const { items } = await store.list(m, { filters: { [key]: String(row[key]) } });
      if (!items.length) await store.create(m, row, SYSTEM);
    }
  }
}
