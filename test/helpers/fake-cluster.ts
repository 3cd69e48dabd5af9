// The fake cloud connected to the default site and deployment the way an operator does it: the
// cluster as deployment 1's controller, the site's deployment, and a tiny image enabled there.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FakeCloud } from '../fake-cloud/index.js';

type Api = (method: string, url: string, body?: unknown) => Promise<{ id: number }>;

export async function connectFakeCloud(api: Api, cloud: FakeCloud, dir: string): Promise<{ controller: number; image: number }> {
  const ctl = await api('POST', '/api/core/controllers', {
    name: 'fake', deployment: 1, auth_url: cloud.authUrl, admin_user: cloud.adminUser, admin_password: cloud.adminPassword, admin_tenant: cloud.adminProject, domain: cloud.domain,
  });
  await api('POST', '/api/core/sitedeployments', { site: 1, deployment: 1, controller: ctl.id });
  const file = path.join(dir, 'disk.img');
  fs.writeFileSync(file, crypto.randomBytes(4096));
  const image = await api('POST', '/api/core/images', { name: 'tiny', disk_format: 'raw', container_format: 'bare', path: file });
  await api('POST', '/api/core/imagedeployments', { image: image.id, deployment: 1 });
  return { controller: ctl.id, image: image.id };
}
