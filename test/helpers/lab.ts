// The OpenStack test cluster (scripts/openstack-lab) for the openstack tier.
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OpenStackClient } from '../../src/openstack/client/index.js';
import { scaled } from './wait.js';

export interface Lab {
  auth_url: string;
  region: string;
  domain: string;
  admin: { username: string; password: string; project: string };
  compute_hosts: string[];
  dir: string;
  port_offset: number;
}

export const labEnabled = process.env.XOS_TEST_OPENSTACK === '1';
export const labSkip = labEnabled ? false : 'needs the OpenStack test cluster (XOS_TEST_OPENSTACK=1, scripts/openstack-lab/up.sh)';

export function lab(dir = process.env.OSLAB_DIR ?? '/tmp/xos-oslab'): Lab {
  const file = path.join(dir, 'cluster.json');
  if (!fs.existsSync(file)) throw new Error(`XOS_TEST_OPENSTACK=1 but ${file} does not exist: run scripts/openstack-lab/up.sh`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// Stops, starts, pauses or resumes one of the lab's services (scripts/openstack-lab/svc.sh). The
// script renders the lab's configuration again on start, so it gets the lab's port offset too.
export const labService = (l: Lab, action: 'stop' | 'start' | 'kill' | 'pause' | 'resume', name: string) =>
  promisify(execFile)('bash', [path.resolve('scripts/openstack-lab/svc.sh'), action, name], {
    env: { ...process.env, OSLAB_DIR: l.dir, OSLAB_PORT_OFFSET: String(l.port_offset) },
    timeout: scaled(240_000),
  });

// The body that registers a lab cluster as a Controller.
export const controllerBody = (l: Lab, name: string, deployment: number) => ({
  name,
  deployment,
  auth_url: l.auth_url,
  admin_user: l.admin.username,
  admin_password: l.admin.password,
  admin_tenant: l.admin.project,
  domain: l.domain,
  region: l.region,
  backend_version: 'Zed',
});

// The cluster's admin, for checking through the OpenStack API what XOS made.
export const labClient = (l: Lab) =>
  new OpenStackClient({
    authUrl: l.auth_url,
    region: l.region,
    credentials: { type: 'password', username: l.admin.username, password: l.admin.password, projectName: l.admin.project, userDomainName: l.domain, projectDomainName: l.domain },
  });

// A small file of random bytes, a disk image Glance accepts as raw.
export function tinyImageFile(bytes = 16 * 1024): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xos-img-')), 'tiny.img');
  fs.writeFileSync(file, crypto.randomBytes(bytes));
  return file;
}

type Post = (plural: string, body: unknown) => Promise<{ id: number } & Record<string, unknown>>;

// A lab cluster connected to a site the way an operator does it: a deployment, the cluster as
// its controller, the site's deployment, and the image enabled in the deployment.
export async function connectLab(post: Post, l: Lab, name: string, site: number, image: number) {
  const dep = await post('deployments', { name });
  const ctl = await post('controllers', controllerBody(l, name, dep.id));
  const sd = await post('sitedeployments', { site, deployment: dep.id, controller: ctl.id });
  await post('imagedeployments', { image, deployment: dep.id });
  return { dep: dep.id, ctl: ctl.id, sd: sd.id };
}

// Creates a row as the administrator and returns it; anything but 201 fails the test.
export const adminPost =
  (s: { call: (who: { email: string; password: string }, method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }> }, admin: { email: string; password: string }) => // eslint-disable-line @typescript-eslint/no-explicit-any
  async (plural: string, body: unknown) => {
    const r = await s.call(admin, 'POST', `/api/core/${plural}`, body);
    if (r.status !== 201) throw new Error(`POST ${plural}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
