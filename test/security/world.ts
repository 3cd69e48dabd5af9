// A small world for the security tests: the seeded administrator at site 1 (MySite), a second
// site, and users holding one role each. Every user has the same password.
import assert from 'node:assert/strict';
import { ADMIN, type TestServer, type Who } from '../helpers/xos.js';

export const PW = 'user-password-1';

export interface World {
  adminId: number;
  siteA: number; // the administrator's own site
  siteB: number;
  roles: { site: Record<string, number>; slice: Record<string, number>; deployment: Record<string, number> };
  user: (email: string, site: number, extra?: Record<string, unknown>) => Promise<{ id: number; who: Who }>;
  grantSite: (user: number, site: number, role: string) => Promise<number>;
  grantSlice: (user: number, slice: number, role: string) => Promise<number>;
  make: (plural: string, body: Record<string, unknown>) => Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function buildWorld(s: TestServer): Promise<World> {
  const make = async (plural: string, body: Record<string, unknown>) => {
    const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, `creating ${plural}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const vocab = async (plural: string) =>
    Object.fromEntries((await s.call(ADMIN, 'GET', `/api/core/${plural}`)).body.items.map((r: { role: string; id: number }) => [r.role, r.id]));
  const roles = { site: await vocab('siteroles'), slice: await vocab('sliceroles'), deployment: await vocab('deploymentroles') };
  const admin = (await s.call(ADMIN, 'GET', `/api/core/users?email=${ADMIN.email}`)).body.items[0];
  const siteB = (await make('sites', { name: 'Site B', login_base: 'siteb' })).id;
  return {
    adminId: admin.id,
    siteA: admin.site,
    siteB,
    roles,
    make,
    user: async (email, site, extra = {}) => {
      const u = await make('users', { email, password: PW, firstname: 'Test', lastname: 'User', site, ...extra });
      return { id: u.id, who: { email, password: PW } };
    },
    grantSite: async (user, site, role) => (await make('siteprivileges', { user, site, role: roles.site[role] })).id,
    grantSlice: async (user, slice, role) => (await make('sliceprivileges', { user, slice, role: roles.slice[role] })).id,
  };
}
