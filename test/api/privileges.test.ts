// Privileges through the API: every model × every role × every operation, against a hand-written
// table of who may do what (the original XOS's intended semantics, not its known bugs), then the
// field-level rules on User, the creator of slices and instances, and the deployment access list
// on Instance create. One server and one fixture world for the whole file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { model, models } from '../../src/model/registry.js';
import type { ModelDef } from '../../src/model/types.js';
import { ADMIN, startTestServer, type TestServer, type Who } from '../helpers/xos.js';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ---- the roles --------------------------------------------------------------------------------
// root: the first admin. roadmin: is_admin + is_readonly. ro: is_readonly, no privileges.
// sadmin/spi/stech: site admin/pi/tech of site A. sliceadmin/sliceaccess: on slice A.
// dadmin: deployment admin of D (homed at site B). plain: a user of site A without privileges.
// badmin: site admin of site B. Root comes last so that its successful creates of one-off rows
// (the "billing" site role) do not turn the other roles' attempts into conflicts.
const ROLES = ['roadmin', 'ro', 'sadmin', 'spi', 'stech', 'sliceadmin', 'sliceaccess', 'dadmin', 'plain', 'badmin', 'root'] as const;
type Role = (typeof ROLES)[number];
const READ_ONLY: Role[] = ['roadmin', 'ro'];

// ---- the expectations ---------------------------------------------------------------------------
// For each model: the roles that see the fixture row (list and get) and that may create a row in
// its scope (site A, slice A, deployment D), change the fixture row, and delete such a row.
// `hidden`: the model is for administrators only, so everyone else gets 403 even on list.
// A role not listed is refused: 403, or 404 when it cannot see the row; read-only users always 403.
// Root is never refused; where root is not listed, the data forbids the write (409).
interface Expect {
  read: string;
  create: string;
  update: string;
  delete: string;
  hidden?: boolean;
  adminWrites?: boolean; // the model's writes are for root only: 403 before any lookup
  // A new row refers to rows that only the model's readers see (its slice): for anyone else such
  // a reference is one to no row at all, so their create is a 400, as for a missing reference.
  refersToHidden?: boolean;
}
const ALL = 'roadmin ro sadmin spi stech sliceadmin sliceaccess dadmin plain badmin root';
// Slice A is seen by its members and by its site's admins and PIs (the original XOS added the admins later).
const SLICE_READERS = 'root roadmin sadmin spi sliceadmin sliceaccess';
// can_update_slice: root, the creator, the site's admin or PI, a slice admin. "access" only SSHes in.
const SLICE_WRITERS = 'root sadmin spi sliceadmin';
const w = (read: string, write: string, extra: Partial<Expect> = {}): Expect => ({ read, create: write, update: write, delete: write, ...extra });
const LINK = w('root roadmin', 'root', { hidden: true }); // Controller* link rows: admins only

const EXPECT: Record<string, Expect> = {
  // Everyone lists Sites, Deployments and Nodes (§1.4). Sites are created by root only; a site's
  // admin and PI may change it, and (as X15's can_update governs delete) delete it.
  Site: w(ALL, 'root sadmin spi', { create: 'root' }),
  // A deployment admin manages the deployment and its ACL, but does not create deployments.
  Deployment: w(ALL, 'root dadmin', { create: 'root' }),
  // Controllers are seen by the admins of their deployment; "bind ... controllers to it" (§1.4).
  Controller: w('root roadmin dadmin', 'root dadmin'),
  // Spec silent on reading bindings: like Sites and Deployments, everyone sees them. Binding a
  // site to a deployment is the deployment admin's call, not the site's.
  SiteDeployment: w(ALL, 'root dadmin'),
  // "tech may manage the site's nodes"; admin may write everything at the site.
  Node: w(ALL, 'root sadmin stech'),
  // Images, flavors and network templates are global rows here (not per deployment), so only root
  // changes them; a deployment admin enables images on the deployment (ImageDeployment).
  Image: w(ALL, 'root'),
  ImageDeployment: w(ALL, 'root dadmin'),
  Flavor: w(ALL, 'root'),
  NetworkTemplate: w(ALL, 'root'),
  Instance: w(SLICE_READERS, SLICE_WRITERS, { refersToHidden: true }),
  Network: w(SLICE_READERS, SLICE_WRITERS, { refersToHidden: true }),
  NetworkSlice: w(SLICE_READERS, SLICE_WRITERS, { refersToHidden: true }),
  Port: w(SLICE_READERS, SLICE_WRITERS, { refersToHidden: true }),
  // Public address pools are cloud-wide: everyone sees them, root manages them. An allocation is
  // seen with its instance; the synchronizer makes them, root may add one by hand (a reservation).
  AddressPool: w(ALL, 'root'),
  AddressAllocation: w(SLICE_READERS, 'root', { adminWrites: true }),
  // Every user lists all Users (§1.4); the fixture is another user of site A, whom the site's
  // admin and PI manage ("pi may manage the site's users").
  User: w(ALL, 'root sadmin spi'),
  // The role vocabulary: readable by all, root's alone. Slice and deployment roles have every
  // allowed value seeded and in use, so nobody, not even root, can add or delete one (409).
  SiteRole: w(ALL, 'root'),
  SliceRole: w(ALL, 'root', { create: '', delete: '' }),
  DeploymentRole: w(ALL, 'root', { create: '', delete: '' }),
  // Site privileges: managed by the site's admin and PI (X15, which lets a PI grant any role at
  // the site, admin included; kept); seen by them and by their holder.
  SitePrivilege: w('root roadmin sadmin spi', 'root sadmin spi'),
  DeploymentPrivilege: w('root roadmin dadmin', 'root dadmin'),
  // Slices are created by the site's admin or PI; afterwards can_update_slice applies.
  Slice: w(SLICE_READERS, SLICE_WRITERS, { create: 'root sadmin spi' }),
  // Ambiguous: X15b shows a slice's privileges to the site's admins/PIs and the slice's admins
  // (and each holder their own); these rules show them to everyone who sees the slice, so an
  // "access" member sees the membership list too. Kept: it reveals no more than the slice's keys.
  SlicePrivilege: w(SLICE_READERS, SLICE_WRITERS, { refersToHidden: true }),
  ControllerSite: LINK,
  ControllerUser: LINK,
  ControllerSlice: LINK,
  ControllerImage: LINK,
  ControllerNetwork: LINK,
  ControllerSitePrivilege: LINK,
  ControllerSlicePrivilege: LINK,
  ControllerAddressPool: LINK,
};

const has = (list: string, r: Role) => list.split(/\s+/).includes(r);

function expectedWrite(e: Expect, r: Role, op: 'create' | 'update' | 'delete'): number {
  if (has(e[op], r)) return { create: 201, update: 200, delete: 204 }[op];
  if (r === 'root') return 409;
  if (READ_ONLY.includes(r) || e.hidden || e.adminWrites) return 403;
  if (op !== 'create' && !has(e.read, r)) return 404;
  if (op === 'create' && e.refersToHidden && !has(e.read, r)) return 400;
  return 403;
}

// ---- the world --------------------------------------------------------------------------------

let srv: TestServer;
const PW = 'role-password-1';
const who = {} as Record<Role, Who>;
const uid = {} as Record<Role | 'member' | 'm1' | 'm2' | 'target', number>;
const fx: Record<string, number> = {}; // the fixture row of each model
const W = {} as Record<
  'siteA' | 'siteB' | 'D' | 'C' | 'sdAD' | 'node' | 'image' | 'flavor' | 'template' | 'sliceA' | 'instance' | 'net' | 'sitePriv' | 'slicePriv' | 'pool',
  number
>;
const siteRole: Record<string, number> = {};
const sliceRole: Record<string, number> = {};
const depRole: Record<string, number> = {};
let seq = 0;
const uniq = (p: string) => `${p}${++seq}`;

// Every request goes through here. A request that never answers (a deadlock in the one PGlite
// connection) fails its test instead of silently cancelling the rest of the file.
let wedged: string | null = null;
async function api(r: Role | Who, method: string, url: string, body?: unknown) {
  if (wedged) throw new Error(`the server stopped answering at ${wedged}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      wedged = `${method} ${url}`;
      reject(new Error(`${method} ${url} did not answer within 8 s`));
    }, 8_000);
  });
  try {
    return await Promise.race([srv.call(typeof r === 'string' ? who[r] : r, method, url, body), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
const show = (res: { status: number; body: unknown }) => `${res.status} ${JSON.stringify(res.body)}`.slice(0, 400);

async function mk(plural: string, body: Row): Promise<Row> {
  const res = await api(ADMIN, 'POST', `/api/core/${plural}`, body);
  assert.equal(res.status, 201, `creating ${plural} ${JSON.stringify(body)}: ${show(res)}`);
  return res.body;
}
const rootGet = (plural: string, id: number) => api(ADMIN, 'GET', `/api/core/${plural}/${id}`);
async function rootCount(plural: string, query = ''): Promise<number> {
  const res = await api(ADMIN, 'GET', `/api/core/${plural}?limit=1${query}`);
  assert.equal(res.status, 200, show(res));
  return res.body.total;
}
async function find(plural: string, query: string): Promise<Row | undefined> {
  const res = await api(ADMIN, 'GET', `/api/core/${plural}?${query}`);
  assert.equal(res.status, 200, show(res));
  return res.body.items[0];
}

const freshUser = async (site = W.siteA) =>
  (await mk('users', { email: `${uniq('u')}@example.org`, firstname: 'Fresh', lastname: 'User', site })).id as number;
const freshSite = async () => (await mk('sites', { name: uniq('Site '), login_base: uniq('vsite') })).id as number;
const freshImage = async () => (await mk('images', { name: uniq('img-') })).id as number;
const freshNet = async () => (await mk('networks', { name: uniq('net-'), template: W.template, owner: W.sliceA })).id as number;
const controllerBody = () => ({
  name: uniq('ctl-'),
  deployment: W.D,
  auth_url: 'http://keystone.example:5000/v3',
  admin_user: 'admin',
  admin_password: 'cluster-secret',
});
const freshController = async () => (await mk('controllers', controllerBody())).id as number;
const instanceBody = (slice = W.sliceA, deployment = W.D) => ({ name: uniq('vm-'), slice, deployment, image: W.image, flavor: W.flavor });
// Instance rows the tests need but do not test the creation of (the fixture, delete victims) are
// stored directly as root: creating an instance through the API runs the deployment ACL, which
// its own tests at the end of the file exercise, so that a fault on that path fails those tests
// and not the whole matrix.
const storeInstance = async (body: Row) =>
  Number((await srv.store.create(model('Instance'), body, { id: uid.root, email: ADMIN.email })).id);

// How to make a new row of each model in the fixture's scope (for create, and as a victim to
// delete), and a real change to the fixture row. A victim of Site, Deployment or Slice is a new
// one on which the role holds what it holds on site A, deployment D or slice A.
interface Maker {
  body: (r: Role) => Promise<Row>;
  victim?: (r: Role) => Promise<number>; // default: created by root from body()
  patch: (cur: Row) => Promise<Row> | Row;
}
const SITE_ROLE_OF: Partial<Record<Role, string>> = { sadmin: 'admin', spi: 'pi', stech: 'tech' };
const SLICE_ROLE_OF: Partial<Record<Role, string>> = { sliceadmin: 'admin', sliceaccess: 'access' };
const toggle = (field: string) => (cur: Row) => ({ [field]: !cur[field] });
const link = (target: string, fixture: () => number): Maker => ({
  body: async () => ({ controller: await freshController(), [target]: fixture() }),
  patch: toggle('no_sync'),
});
const roleRow = (vocab: string, value: string): Maker => ({
  body: async () => ({ role: value }),
  // A closed vocabulary cannot lose a value either: then the victim is the fixture row, in use.
  victim: async () => (await find(vocab, `role=${value}`))?.id ?? (await mk(vocab, { role: value })).id,
  patch: toggle('write_protect'),
});

const MAKERS: Record<string, Maker> = {
  Site: {
    body: async () => ({ name: uniq('Site '), login_base: uniq('nsite') }),
    victim: async (r) => {
      const id = await freshSite();
      if (SITE_ROLE_OF[r]) await mk('siteprivileges', { user: uid[r], site: id, role: siteRole[SITE_ROLE_OF[r]!] });
      return id;
    },
    patch: () => ({ abbreviated_name: uniq('abbr') }),
  },
  Deployment: {
    body: async () => ({ name: uniq('Deployment ') }),
    victim: async (r) => {
      const id = (await mk('deployments', { name: uniq('Deployment ') })).id;
      if (r === 'dadmin') await mk('deploymentprivileges', { user: uid.dadmin, deployment: id, role: depRole.admin });
      return id;
    },
    patch: () => ({ access_control: `allow all\n# revision ${uniq('')}` }),
  },
  Controller: { body: async () => controllerBody(), patch: () => ({ region: uniq('Region') }) },
  SiteDeployment: {
    body: async () => ({ site: await freshSite(), deployment: W.D }),
    patch: () => ({ availability_zone: uniq('az') }),
  },
  Node: { body: async () => ({ name: uniq('node-'), site_deployment: W.sdAD }), patch: () => ({ name: uniq('node-') }) },
  Image: { body: async () => ({ name: uniq('img-') }), patch: () => ({ path: `/images/${uniq('i')}.qcow2` }) },
  ImageDeployment: {
    body: async () => ({ image: await freshImage(), deployment: W.D }),
    patch: async () => ({ image: await freshImage() }),
  },
  Flavor: { body: async () => ({ name: uniq('fl-') }), patch: () => ({ description: uniq('d') }) },
  NetworkTemplate: { body: async () => ({ name: uniq('tpl-') }), patch: () => ({ description: uniq('d') }) },
  Instance: {
    body: async () => instanceBody(),
    victim: async () => storeInstance(instanceBody()),
    patch: () => ({ name: uniq('vm-') }),
  },
  Network: {
    body: async () => ({ name: uniq('net-'), template: W.template, owner: W.sliceA }),
    patch: () => ({ labels: uniq('l') }),
  },
  NetworkSlice: {
    body: async () => ({ network: await freshNet(), slice: W.sliceA }),
    patch: async () => ({ network: await freshNet() }),
  },
  Port: {
    body: async () => ({ network: W.net }),
    patch: () => {
      const n = ++seq;
      return { ip: `10.9.${Math.floor(n / 250) % 250}.${(n % 250) + 1}` };
    },
  },
  AddressPool: {
    body: async () => ({ name: uniq('pool-'), cidr: '10.201.0.0/24', ranges: '10.201.0.10-10.201.0.20', controller: await freshController() }),
    patch: () => ({ network_name: uniq('ext-') }),
  },
  AddressAllocation: {
    body: async () => ({ pool: W.pool, address: nextPoolAddress(), instance: W.instance }),
    patch: () => ({ address: nextPoolAddress() }),
  },
  User: {
    body: async () => ({ email: `${uniq('new')}@example.org`, firstname: 'New', lastname: 'User', site: W.siteA }),
    patch: () => ({ phone: uniq('+1 555 0') }),
  },
  SiteRole: roleRow('siteroles', 'billing'),
  SliceRole: roleRow('sliceroles', 'access'),
  DeploymentRole: roleRow('deploymentroles', 'admin'),
  SitePrivilege: {
    body: async () => ({ user: await freshUser(), site: W.siteA, role: siteRole.tech }),
    patch: (cur) => ({ role: cur.role === siteRole.tech ? siteRole.pi : siteRole.tech }),
  },
  DeploymentPrivilege: {
    body: async () => ({ user: await freshUser(), deployment: W.D, role: depRole.admin }),
    patch: (cur) => ({ user: cur.user === uid.m1 ? uid.m2 : uid.m1 }),
  },
  Slice: {
    body: async () => ({ name: uniq('mysite_s'), site: W.siteA }),
    victim: async (r) => {
      const id = (await mk('slices', { name: uniq('mysite_v'), site: W.siteA })).id;
      if (SLICE_ROLE_OF[r]) await mk('sliceprivileges', { user: uid[r], slice: id, role: sliceRole[SLICE_ROLE_OF[r]!] });
      return id;
    },
    patch: () => ({ description: uniq('about ') }),
  },
  SlicePrivilege: {
    body: async () => ({ user: await freshUser(), slice: W.sliceA, role: sliceRole.access }),
    patch: (cur) => ({ role: cur.role === sliceRole.access ? sliceRole.admin : sliceRole.access }),
  },
  ControllerSite: link('site', () => W.siteA),
  ControllerUser: link('user', () => uid.target),
  ControllerSlice: link('slice', () => W.sliceA),
  ControllerImage: link('image', () => W.image),
  ControllerNetwork: link('network', () => W.net),
  ControllerSitePrivilege: link('site_privilege', () => W.sitePriv),
  ControllerSlicePrivilege: link('slice_privilege', () => W.slicePriv),
  ControllerAddressPool: link('address_pool', () => W.pool),
};
// Addresses of the fixture pool (10.200.0.0/16), one per use.
let poolSeq = 2;
const nextPoolAddress = () => {
  const n = ++poolSeq;
  return `10.200.${Math.floor(n / 250)}.${(n % 250) + 1}`;
};

async function buildWorld() {
  for (const [plural, map] of [
    ['siteroles', siteRole],
    ['sliceroles', sliceRole],
    ['deploymentroles', depRole],
  ] as const) {
    const res = await api(ADMIN, 'GET', `/api/core/${plural}`);
    for (const r of res.body.items) map[r.role] = r.id;
  }
  W.siteA = (await find('sites', 'login_base=mysite'))!.id;
  W.siteB = (await mk('sites', { name: 'Site B', login_base: 'siteb' })).id;
  W.D = (await mk('deployments', { name: 'Deployment D', access_control: 'allow all' })).id;
  W.flavor = (await find('flavors', 'name=m1.small'))!.id;
  W.template = (await find('networktemplates', 'name=Private'))!.id;

  who.root = ADMIN;
  uid.root = (await find('users', `email=${ADMIN.email}`))!.id;
  const home: Partial<Record<Role, number>> = { dadmin: W.siteB, badmin: W.siteB };
  for (const r of ROLES) {
    if (r === 'root') continue;
    const email = `${r}@example.com`;
    const u = await mk('users', {
      email,
      password: PW,
      firstname: r,
      lastname: 'Tester',
      site: home[r] ?? W.siteA,
      ...(r === 'roadmin' ? { is_admin: true, is_readonly: true } : {}),
      ...(r === 'ro' ? { is_readonly: true } : {}),
    });
    uid[r] = u.id;
    who[r] = { email, password: PW };
  }
  for (const n of ['member', 'm1', 'm2', 'target'] as const) uid[n] = await freshUser();

  await mk('siteprivileges', { user: uid.sadmin, site: W.siteA, role: siteRole.admin });
  await mk('siteprivileges', { user: uid.spi, site: W.siteA, role: siteRole.pi });
  await mk('siteprivileges', { user: uid.stech, site: W.siteA, role: siteRole.tech });
  await mk('siteprivileges', { user: uid.badmin, site: W.siteB, role: siteRole.admin });
  await mk('deploymentprivileges', { user: uid.dadmin, deployment: W.D, role: depRole.admin });
  W.sliceA = (await mk('slices', { name: 'mysite_alpha', site: W.siteA })).id;
  await mk('sliceprivileges', { user: uid.sliceadmin, slice: W.sliceA, role: sliceRole.admin });
  await mk('sliceprivileges', { user: uid.sliceaccess, slice: W.sliceA, role: sliceRole.access });

  // Fixture privilege rows belong to bystanders, so changing them leaves the roles intact.
  W.sitePriv = (await mk('siteprivileges', { user: uid.member, site: W.siteA, role: siteRole.tech })).id;
  W.slicePriv = (await mk('sliceprivileges', { user: uid.member, slice: W.sliceA, role: sliceRole.access })).id;
  const depPriv = (await mk('deploymentprivileges', { user: uid.m1, deployment: W.D, role: depRole.admin })).id;
  W.C = (await mk('controllers', { ...controllerBody(), name: 'Controller C' })).id;
  W.sdAD = (await mk('sitedeployments', { site: W.siteA, deployment: W.D, controller: W.C })).id;
  W.node = (await mk('nodes', { name: 'compute-a1', site_deployment: W.sdAD })).id;
  W.image = (await mk('images', { name: 'fixture-image' })).id;
  const imageDep = (await mk('imagedeployments', { image: W.image, deployment: W.D })).id;
  W.instance = await storeInstance({ ...instanceBody(), node: W.node });
  W.net = (await mk('networks', { name: 'alpha-net', template: W.template, owner: W.sliceA })).id;
  const netSlice = (await mk('networkslices', { network: W.net, slice: W.sliceA })).id;
  const port = (await mk('ports', { network: W.net, instance: W.instance })).id;
  W.pool = (await mk('addresspools', { name: 'fixture-pool', cidr: '10.200.0.0/16', ranges: '10.200.0.2-10.200.255.254', deployment: W.D })).id;
  const allocation = (await mk('addressallocations', { pool: W.pool, address: '10.200.0.2', instance: W.instance })).id;

  Object.assign(fx, {
    Site: W.siteA,
    Deployment: W.D,
    Controller: W.C,
    SiteDeployment: W.sdAD,
    Node: W.node,
    Image: W.image,
    ImageDeployment: imageDep,
    Flavor: W.flavor,
    NetworkTemplate: W.template,
    Instance: W.instance,
    Network: W.net,
    NetworkSlice: netSlice,
    Port: port,
    AddressPool: W.pool,
    AddressAllocation: allocation,
    User: uid.target,
    SiteRole: siteRole.tech,
    SliceRole: sliceRole.access,
    DeploymentRole: depRole.admin,
    SitePrivilege: W.sitePriv,
    DeploymentPrivilege: depPriv,
    Slice: W.sliceA,
    SlicePrivilege: W.slicePriv,
  });
  for (const [name, plural, target, id] of [
    ['ControllerSite', 'controllersites', 'site', W.siteA],
    ['ControllerUser', 'controllerusers', 'user', uid.target],
    ['ControllerSlice', 'controllerslices', 'slice', W.sliceA],
    ['ControllerImage', 'controllerimages', 'image', W.image],
    ['ControllerNetwork', 'controllernetworks', 'network', W.net],
    ['ControllerSitePrivilege', 'controllersiteprivileges', 'site_privilege', W.sitePriv],
    ['ControllerSlicePrivilege', 'controllersliceprivileges', 'slice_privilege', W.slicePriv],
    ['ControllerAddressPool', 'controlleraddresspools', 'address_pool', W.pool],
  ] as const)
    fx[name] = (await mk(plural, { controller: W.C, [target]: id })).id;
}

before(async () => {
  srv = await startTestServer('pglite');
  await buildWorld();
});
after(async () => {
  if (!wedged) await srv?.close(); // a deadlocked database would never close
});

// ---- the matrix -------------------------------------------------------------------------------

test('every model of the registry has an expectation row, a fixture row and a maker (and no stale row)', () => {
  const names = models.map((m) => m.name).sort();
  assert.deepEqual(names.filter((n) => !EXPECT[n]), [], 'models without an expectation row');
  assert.deepEqual(names.filter((n) => !MAKERS[n]), [], 'models without a maker');
  assert.deepEqual(names.filter((n) => !fx[n]), [], 'models without a fixture row');
  assert.deepEqual(Object.keys(EXPECT).filter((n) => !names.includes(n)).sort(), [], 'expectations for unknown models');
  for (const [n, e] of Object.entries(EXPECT))
    for (const list of [e.read, e.create, e.update, e.delete])
      for (const r of list.split(/\s+/).filter(Boolean)) assert.ok((ROLES as readonly string[]).includes(r), `${n}: unknown role ${r}`);
});

test('anonymous callers get 401 on every collection', async () => {
  const bad: string[] = [];
  for (const m of models) {
    const res = await api(null, 'GET', `/api/core/${m.plural}`);
    if (res.status !== 401) bad.push(`${m.name}: ${res.status}`);
  }
  assert.deepEqual(bad, []);
});

type Op = 'list' | 'get' | 'create' | 'update' | 'delete';
const OPS: Op[] = ['list', 'get', 'create', 'update', 'delete'];
let cases = 0;

// One test per model and operation; it tries every role and reports every disagreement at once.
function matrix(m: ModelDef, op: Op) {
  const url = `/api/core/${m.plural}`;
  const id = () => fx[m.name];
  // Each returns the check of one role; the state carried between roles (the row count, the
  // fixture's last state) saves asking again what the previous role's check just learnt.
  const checks: Record<Op, (e: Expect, mkr: Maker) => Promise<(r: Role) => Promise<string | null>>> = {
    list: async (e) => async (r) => {
      const res = await api(r, 'GET', `${url}?id=${id()}`);
      const want = has(e.read, r) ? 'listed' : e.hidden ? '403' : 'not listed';
      const got = res.status !== 200 ? String(res.status) : res.body.items.some((x: Row) => x.id === id()) ? 'listed' : 'not listed';
      if (res.status === 200 && res.body.total !== res.body.items.length) return `total ${res.body.total} disagrees with the items`;
      return got === want ? null : `expected ${want}, got ${res.status !== 200 ? show(res) : got}`;
    },
    get: async (e) => async (r) => {
      const res = await api(r, 'GET', `${url}/${id()}`);
      const want = has(e.read, r) ? 200 : e.hidden ? 403 : 404;
      if (res.status !== want) return `expected ${want}, got ${show(res)}`;
      return want === 200 && res.body.id !== id() ? 'wrong row' : null;
    },
    // A refused create leaves the count as it was; an accepted one adds exactly one row. A body
    // nobody managed to store yet serves the next role too.
    create: async (e, mkr) => {
      let count = await rootCount(m.plural);
      let body: Row | null = null;
      return async (r) => {
        body ??= await mkr.body(r);
        const res = await api(r, 'POST', url, body);
        if (res.status === 201) body = null;
        const want = expectedWrite(e, r, 'create');
        const now = await rootCount(m.plural);
        const was = count;
        count = now;
        if (res.status !== want) return `expected ${want}, got ${show(res)}`;
        if (want === 201) return now === was + 1 ? null : `created, yet the count went from ${was} to ${now}`;
        return now === was ? null : `refused, yet the count went from ${was} to ${now}`;
      };
    },
    // A refused change leaves the row exactly as it was (version included); an accepted one shows.
    update: async (e, mkr) => {
      let before = (await rootGet(m.plural, id())).body;
      return async (r) => {
        const patch = await mkr.patch(before);
        const res = await api(r, 'PATCH', `${url}/${id()}`, patch);
        const want = expectedWrite(e, r, 'update');
        const now = (await rootGet(m.plural, id())).body;
        const was = before;
        before = now;
        if (res.status !== want) return `expected ${want}, got ${show(res)}`;
        if (want === 200) {
          const missed = Object.keys(patch).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(patch[k]));
          return missed.length ? `accepted but ${missed.join(', ')} not changed` : null;
        }
        return JSON.stringify(now) === JSON.stringify(was) ? null : `refused, yet the row changed: ${JSON.stringify(was)} → ${JSON.stringify(now)}`;
      };
    },
    // A victim to delete, made by root: a refused delete leaves it (for the next role), an
    // accepted one removes it.
    delete: async (e, mkr) => {
      let spare: number | null = null;
      return async (r) => {
        const victim = mkr.victim ? await mkr.victim(r) : (spare ??= (await mk(m.plural, await mkr.body(r))).id as number);
        const res = await api(r, 'DELETE', `${url}/${victim}`);
        const want = expectedWrite(e, r, 'delete');
        const left = await rootGet(m.plural, victim);
        if (left.status === 404) spare = null;
        if (res.status !== want) return `expected ${want}, got ${show(res)}`;
        if (want === 204) return left.status === 404 ? null : `deleted, yet still there: ${left.status}`;
        return left.status === 200 ? null : `refused, yet the row is gone: ${left.status}`;
      };
    },
  };
  const title = { list: 'list shows the fixture row to exactly its readers', get: 'get', create: 'create', update: 'update', delete: 'delete' }[op];
  test(title, async () => {
    const e = EXPECT[m.name];
    const maker = MAKERS[m.name];
    assert.ok(e, `no expectation row for ${m.name}`);
    assert.ok(maker && fx[m.name], `no fixture for ${m.name}`);
    const check = await checks[op](e, maker);
    const bad: string[] = [];
    for (const r of ROLES) {
      cases++;
      const problem = await check(r);
      if (problem) bad.push(`${r}: ${problem}`);
    }
    assert.deepEqual(bad, [], `${m.name} ${op}`);
  });
}

// Creating an instance runs the deployment ACL; that test is with the ACL tests at the end.
const late = (m: ModelDef, op: Op) => m.name === 'Instance' && op === 'create';
for (const m of models) describe(`${m.name} privileges`, () => OPS.filter((op) => !late(m, op)).forEach((op) => matrix(m, op)));

// ---- User: field-level rules ------------------------------------------------------------------

describe('User fields', () => {
  const users = '/api/core/users';
  // A refused PATCH: 403 naming the field, and the row exactly as it was.
  async function refused(r: Role, id: number, patch: Row, field = Object.keys(patch)[0]) {
    const before = (await rootGet('users', id)).body;
    const res = await api(r, 'PATCH', `${users}/${id}`, patch);
    assert.equal(res.status, 403, `${r} PATCH user ${id} ${JSON.stringify(patch)}: ${show(res)}`);
    assert.match(res.body.detail, new RegExp(`${field}|move`), show(res));
    assert.deepEqual((await rootGet('users', id)).body, before, `${r} PATCH ${JSON.stringify(patch)} left a trace`);
  }
  async function accepted(r: Role, id: number, patch: Row) {
    const res = await api(r, 'PATCH', `${users}/${id}`, patch);
    assert.equal(res.status, 200, `${r} PATCH user ${id} ${JSON.stringify(patch)}: ${show(res)}`);
    const now = (await rootGet('users', id)).body;
    for (const [k, v] of Object.entries(patch)) assert.deepEqual(now[k], v, `${r} PATCH ${k}`);
  }

  test('a user edits their own names, phone and public key', async () => {
    await accepted('plain', uid.plain, {
      firstname: 'Pat',
      lastname: 'Plain',
      phone: '+1 555 0100',
      public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc0bXBsYWlu plain@laptop',
    });
  });

  test('but not their own is_admin, is_readonly, is_active or home site', async () => {
    for (const patch of [{ is_admin: true }, { is_readonly: true }, { is_active: false }, { site: W.siteB }, { write_protect: true }])
      await refused('plain', uid.plain, patch);
    // Holding a role elsewhere changes nothing: a site PI editing themselves still keeps their site.
    await refused('spi', uid.spi, { site: W.siteB });
  });

  test('read-only users cannot edit even their own record', async () => {
    for (const r of READ_ONLY) {
      const before = (await rootGet('users', uid[r])).body;
      const res = await api(r, 'PATCH', `${users}/${uid[r]}`, { phone: '+1 555 0199' });
      assert.equal(res.status, 403, `${r}: ${show(res)}`);
      assert.deepEqual((await rootGet('users', uid[r])).body, before);
    }
  });

  test('nobody deletes their own account; the site admin or PI does', async () => {
    // Spec silent on self-deletion; an operator expects closing accounts to be the site's call.
    const res = await api('plain', 'DELETE', `${users}/${uid.plain}`);
    assert.equal(res.status, 403, show(res));
    assert.equal((await rootGet('users', uid.plain)).status, 200);
  });

  test('a site PI manages the site users: may (de)activate, may not change their site or make them admin', async () => {
    await accepted('spi', uid.target, { is_active: false });
    await accepted('spi', uid.target, { is_active: true });
    await accepted('spi', uid.target, { firstname: 'Renamed' });
    await refused('spi', uid.target, { is_admin: true });
    await refused('spi', uid.target, { is_readonly: true });
    await refused('spi', uid.target, { site: W.siteB }); // not the PI's site either
    // Not even to another site where the PI is PI too: a PI never changes a user's site.
    const siteC = await freshSite();
    const priv = await mk('siteprivileges', { user: uid.spi, site: siteC, role: siteRole.pi });
    try {
      await refused('spi', uid.target, { site: siteC });
    } finally {
      assert.equal((await api(ADMIN, 'DELETE', `/api/core/siteprivileges/${priv.id}`)).status, 204);
    }
  });

  test('a site admin may not grant is_admin or is_readonly, nor move a user to a site they do not administer', async () => {
    await refused('sadmin', uid.target, { is_admin: true });
    await refused('sadmin', uid.target, { is_readonly: true });
    await refused('sadmin', uid.target, { site: W.siteB });
    await accepted('sadmin', uid.target, { is_active: false });
    await accepted('sadmin', uid.target, { is_active: true });
    // Between two sites they administer, a site admin may move a user (the PI may not, above).
    const siteC = await freshSite();
    const priv = await mk('siteprivileges', { user: uid.sadmin, site: siteC, role: siteRole.admin });
    try {
      await accepted('sadmin', uid.target, { site: siteC });
      await accepted('sadmin', uid.target, { site: W.siteA });
    } finally {
      assert.equal((await api(ADMIN, 'DELETE', `/api/core/siteprivileges/${priv.id}`)).status, 204);
    }
  });

  test('only root sets is_admin, is_readonly, write_protect and no_sync', async () => {
    for (const f of ['is_admin', 'is_readonly', 'write_protect', 'no_sync']) {
      for (const r of ['sadmin', 'spi', 'roadmin'] as const) {
        const before = (await rootGet('users', uid.target)).body;
        const res = await api(r, 'PATCH', `${users}/${uid.target}`, { [f]: true });
        assert.equal(res.status, 403, `${r} sets ${f}: ${show(res)}`);
        assert.deepEqual((await rootGet('users', uid.target)).body, before);
      }
      // Nor on a new user.
      const n = await rootCount('users');
      const res = await api('sadmin', 'POST', users, { email: `${uniq('x')}@example.org`, firstname: 'X', lastname: 'Y', site: W.siteA, [f]: true });
      assert.equal(res.status, 403, `sadmin creates a user with ${f}: ${show(res)}`);
      assert.equal(await rootCount('users'), n);
      await accepted('root', uid.target, { [f]: true });
      await accepted('root', uid.target, { [f]: false });
    }
  });
});

// ---- read-only users and root-only models -------------------------------------------------------

describe('Writes that can never be allowed', () => {
  test('read-only users get 403 whatever they send: no 404, 409 or 400 to learn from', async () => {
    const counts = async () => [
      ...(await Promise.all(['slices', 'flavors', 'instances', 'users'].map((p) => rootCount(p)))),
      (await rootGet('slices', W.sliceA)).body,
      ...(await Promise.all(READ_ONLY.map(async (r) => (await rootGet('users', uid[r])).body))),
    ];
    const before = await counts();
    for (const r of READ_ONLY) {
      for (const [method, url, body] of [
        ['POST', '/api/core/slices', { name: 'mysite_alpha', site: W.siteA }], // an existing name
        ['POST', '/api/core/slices', { name: 'not_my_site', site: W.siteA }], // a name the site refuses
        ['POST', '/api/core/flavors', { name: 'm1.small' }],
        ['POST', '/api/core/users', { email: ADMIN.email, firstname: 'A', lastname: 'B', site: W.siteA }],
        ['PATCH', '/api/core/slices/999999', { description: 'x' }], // no such row
        ['PATCH', `/api/core/slices/${W.sliceA}`, { description: 'x' }],
        ['DELETE', '/api/core/instances/999999', undefined],
        ['DELETE', `/api/core/users/${uid[r]}`, undefined],
      ] as const) {
        const res = await api(r, method, url, body);
        assert.equal(res.status, 403, `${r} ${method} ${url}: ${show(res)}`);
      }
    }
    assert.deepEqual(await counts(), before);
  });

  test('non-admins writing a root-only model get 403 even when the row would conflict', async () => {
    for (const r of ['plain', 'sadmin', 'dadmin'] as const) {
      const n = await rootCount('flavors');
      const res = await api(r, 'POST', '/api/core/flavors', { name: 'm1.small' });
      assert.equal(res.status, 403, `${r}: ${show(res)}`);
      assert.equal(await rootCount('flavors'), n);
    }
  });
});

// ---- the creator of a slice -------------------------------------------------------------------

describe('Slice creator', () => {
  test('is the caller, and a non-admin cannot name someone else', async () => {
    const made = await api('spi', 'POST', '/api/core/slices', { name: uniq('mysite_pi'), site: W.siteA });
    assert.equal(made.status, 201, show(made));
    assert.equal(made.body.creator, uid.spi);
    // Naming oneself is not forging.
    const self = await api('spi', 'POST', '/api/core/slices', { name: uniq('mysite_pi'), site: W.siteA, creator: uid.spi });
    assert.equal(self.status, 201, show(self));
    const n = await rootCount('slices');
    const forged = await api('spi', 'POST', '/api/core/slices', { name: uniq('mysite_pi'), site: W.siteA, creator: uid.plain });
    assert.equal(forged.status, 403, show(forged));
    assert.match(forged.body.detail, /creator/);
    assert.equal(await rootCount('slices'), n);
  });

  test('cannot be changed by the site PI or a slice admin; root may', async () => {
    for (const r of ['spi', 'sadmin', 'sliceadmin'] as const) {
      const before = (await rootGet('slices', W.sliceA)).body;
      const res = await api(r, 'PATCH', `/api/core/slices/${W.sliceA}`, { creator: uid[r] });
      assert.equal(res.status, 403, `${r}: ${show(res)}`);
      assert.deepEqual((await rootGet('slices', W.sliceA)).body, before);
    }
    const res = await api(ADMIN, 'PATCH', `/api/core/slices/${W.sliceA}`, { creator: uid.sadmin });
    assert.equal(res.status, 200, show(res));
    assert.equal((await api(ADMIN, 'PATCH', `/api/core/slices/${W.sliceA}`, { creator: uid.root })).status, 200);
  });

  test('root may name a creator, who then sees and manages the slice (can_update_slice)', async () => {
    const made = await api(ADMIN, 'POST', '/api/core/slices', { name: uniq('mysite_forplain'), site: W.siteA, creator: uid.plain });
    assert.equal(made.status, 201, show(made));
    assert.equal(made.body.creator, uid.plain);
    assert.equal((await api('plain', 'GET', `/api/core/slices/${made.body.id}`)).status, 200);
    const listed = await api('plain', 'GET', `/api/core/slices?id=${made.body.id}`);
    assert.equal(listed.body.total, 1);
    const res = await api('plain', 'PATCH', `/api/core/slices/${made.body.id}`, { description: 'mine' });
    assert.equal(res.status, 200, show(res));
    // Another plain user of the same site sees nothing of it.
    assert.equal((await api('ro', 'GET', `/api/core/slices/${made.body.id}`)).status, 404);
  });
});

// ---- creating instances: the matrix row, the creator and the deployment ACL --------------------

describe('Instance privileges (create, which runs the deployment ACL)', () => matrix(model('Instance'), 'create'));

describe('Instance creator', () => {
  test('is the caller and cannot be forged', async () => {
    const made = await api('sliceadmin', 'POST', '/api/core/instances', instanceBody());
    assert.equal(made.status, 201, show(made));
    assert.equal(made.body.creator, uid.sliceadmin);
    const n = await rootCount('instances');
    const forged = await api('sliceadmin', 'POST', '/api/core/instances', { ...instanceBody(), creator: uid.plain });
    assert.equal(forged.status, 403, show(forged));
    assert.equal(await rootCount('instances'), n);
  });
});

describe('Deployment access list on Instance create (through the API)', () => {
  const instances = '/api/core/instances';
  let restricted: number; // "deny user plain@*" first, then "allow site mysite*"
  let reordered: number; // the same two rules the other way round
  let sliceB: number; // a slice of site B, created by its admin
  before(async () => {
    restricted = (await mk('deployments', { name: 'Restricted Deployment', access_control: 'deny user plain@*\nallow site mysite*' })).id;
    reordered = (await mk('deployments', { name: 'Reordered Deployment', access_control: 'allow site mysite*\ndeny user plain@*' })).id;
    const made = await api('badmin', 'POST', '/api/core/slices', { name: 'siteb_web', site: W.siteB });
    assert.equal(made.status, 201, show(made));
    sliceB = made.body.id;
  });
  // A refused create: 403 naming the deployment, and no instance.
  async function denied(r: Role, body: Row, name: string) {
    const n = await rootCount('instances');
    const res = await api(r, 'POST', instances, body);
    assert.equal(res.status, 403, `${r}: ${show(res)}`);
    assert.match(res.body.detail, new RegExp(name), show(res));
    assert.equal(await rootCount('instances'), n, 'a refused instance was stored');
  }
  async function allowed(r: Role, body: Row) {
    const res = await api(r, 'POST', instances, body);
    assert.equal(res.status, 201, `${r}: ${show(res)}`);
    assert.equal((await rootGet('instances', res.body.id)).status, 200);
  }

  test('allow: a site-A slice admin places an instance of slice A', async () => {
    await allowed('sliceadmin', instanceBody(W.sliceA, restricted));
  });

  test('implicit deny: when no rule matches anyone involved, 403 names the deployment', async () => {
    // badmin may change slice B (site admin), but nobody on it is at a mysite* site.
    await denied('badmin', instanceBody(sliceB, restricted), 'Restricted Deployment');
  });

  test("a slice member from an admitted site does not open it to the slice's site", async () => {
    // The list admits mysite*; slice B is site B's. A member from mysite does not change that.
    const priv = await mk('sliceprivileges', { user: uid.member, slice: sliceB, role: sliceRole.access });
    await denied('badmin', instanceBody(sliceB, restricted), 'Restricted Deployment');
    assert.equal((await api(ADMIN, 'DELETE', `/api/core/sliceprivileges/${priv.id}`)).status, 204);
  });

  test('nor does a slice creator from an admitted site', async () => {
    const made = await mk('slices', { name: uniq('siteb_c'), site: W.siteB, creator: uid.sliceaccess });
    await denied('badmin', instanceBody(made.id, restricted), 'Restricted Deployment');
  });

  test('the first matching rule wins', async () => {
    // plain is at site mysite, but "deny user plain@*" comes first; in the other order, allowed.
    const made = await mk('slices', { name: uniq('mysite_plain'), site: W.siteA, creator: uid.plain });
    await denied('plain', instanceBody(made.id, restricted), 'Restricted Deployment');
    await allowed('plain', instanceBody(made.id, reordered));
  });

  test('the list is read when the instance is created: changing it takes effect at once', async () => {
    await allowed('badmin', instanceBody(sliceB, W.D)); // D: allow all
    const res = await api('dadmin', 'PATCH', `/api/core/deployments/${W.D}`, { access_control: 'allow site siteb' });
    assert.equal(res.status, 200, show(res));
    await denied('sliceadmin', instanceBody(W.sliceA, W.D), 'Deployment D');
    await allowed('badmin', instanceBody(sliceB, W.D));
    assert.equal((await api('dadmin', 'PATCH', `/api/core/deployments/${W.D}`, { access_control: 'allow all' })).status, 200);
  });
});

test('the matrix covered every model × role × operation', () => {
  assert.equal(cases, models.length * ROLES.length * OPS.length);
});
