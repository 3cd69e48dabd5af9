// The Keystone reconcilers against the fake cloud: site and slice projects, users and role
// assignments are made, adopted (by name, after a crash or from an operator), repaired when they
// drift, and removed, only when XOS made them; failures show on the rows that wait for them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World, type R, type Scene } from './world.js';

describe('Keystone reconcilers (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  const projectsNamed = (s: Scene, name: string) => s.cloud.projects.filter((p) => p.name === name);
  const role = async (s: Scene, model: 'SliceRole' | 'SiteRole', name: string) => (await s.find(model, { role: name }))[0];

  describe('ControllerSite', () => {
    test('makes the site project, tagged, and the Site reports its controller', async () => {
      const s = await w.begin();
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      const row = await s.synced('ControllerSite', cs.id);
      const [p] = projectsNamed(s, s.tag);
      assert.ok(p, 'a project named after the login base');
      assert.equal(row.tenant_id, p.id);
      assert.equal(p.description, `Site ${s.tag}`);
      assert.equal(p.domain_id, 'default');
      assert.deepEqual(p.tags, ['xos', `xos-site-${s.ids.site}`]);
      const site = await s.synced('Site', s.ids.site);
      assert.equal(site.backend_status, `1 - OK on ${s.tag}-ctl`);
    });

    test('adopts a project of that name made behind its back: tagged, not made again', async () => {
      const s = await w.begin({ start: false });
      const mine = s.cloud.keystone.addProject({ name: s.tag, description: 'made by an operator' });
      await s.engine.start();
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      const row = await s.synced('ControllerSite', cs.id);
      assert.equal(row.tenant_id, mine.id);
      assert.equal(s.cloud.count('POST', '/identity/v3/projects'), 0);
      assert.deepEqual(mine.tags, ['xos', `xos-site-${s.ids.site}`]);
      assert.equal(projectsNamed(s, s.tag).length, 1);
    });

    test('a crash after the create (the answer lost) is adopted on the next attempt, no duplicate', async () => {
      const s = await w.begin();
      s.cloud.fail('POST /identity/v3/projects', { afterHandling: true, drop: true, times: 1 });
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      const row = await s.synced('ControllerSite', cs.id);
      const all = projectsNamed(s, s.tag);
      assert.equal(all.length, 1, 'exactly one project');
      assert.equal(row.tenant_id, all[0].id);
      assert.equal(s.cloud.count('POST', '/identity/v3/projects'), 1, 'the lost create is not repeated');
      assert.ok(s.logs.some((l) => /ControllerSite \d+ reconcile: error: site project: cannot reach identity/.test(l)), s.logs.join('\n'));
    });

    test('a project deleted behind its back is made again at the next resync', async () => {
      const s = await w.begin();
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      const before = await s.synced('ControllerSite', cs.id);
      s.cloud.keystone.projects.delete(before.tenant_id);
      await s.resync('ControllerSite', cs.id);
      const after = await s.settle('ControllerSite', cs.id, (r) => r.backend_code === 1 && r.tenant_id !== before.tenant_id, 'a new project id');
      const [p] = projectsNamed(s, s.tag);
      assert.equal(after.tenant_id, p.id);
      assert.deepEqual(p.tags, ['xos', `xos-site-${s.ids.site}`]);
    });

    test('a 500 from Keystone is retried with backoff and makes one project', async () => {
      const s = await w.begin();
      s.cloud.fail('POST /identity/v3/projects', { status: 500, times: 2 });
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      const row = await s.synced('ControllerSite', cs.id);
      assert.equal(s.cloud.count('POST', '/identity/v3/projects'), 3);
      assert.equal(projectsNamed(s, s.tag).length, 1);
      assert.equal(row.retry_count, 0, 'reset by the success');
      assert.equal(s.logs.filter((l) => new RegExp(`^ControllerSite ${cs.id} reconcile: error: site project: .*Keystone failed with an internal error`).test(l)).length, 2, s.logs.join('\n'));
    });

    test('removal deletes the project XOS tagged, and leaves one that is no longer tagged as its own', async () => {
      const s = await w.begin();
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      const row = await s.synced('ControllerSite', cs.id);
      await s.remove('ControllerSite', cs.id);
      await s.purged('ControllerSite', cs.id);
      assert.equal(s.cloud.keystone.projects.has(row.tenant_id), false);
      assert.equal(s.cloud.count('DELETE', `/identity/v3/projects/${row.tenant_id}`), 1);

      const site2 = await s.create('Site', { name: 'Other', login_base: `${s.tag}b` });
      const cs2 = await s.create('ControllerSite', { controller: s.ids.ctl, site: site2.id });
      const row2 = await s.synced('ControllerSite', cs2.id);
      s.cloud.keystone.projects.get(row2.tenant_id)!.tags = ['someone-elses'];
      await s.remove('ControllerSite', cs2.id);
      await s.purged('ControllerSite', cs2.id);
      assert.ok(s.cloud.keystone.projects.has(row2.tenant_id), 'never delete what XOS did not make');
    });

    test('in a domain of its own, projects go to that domain', async () => {
      const s = await w.begin({ cloud: { domain: 'xosdom' } });
      const dom = [...s.cloud.keystone.domains.values()].find((d) => d.name === 'xosdom')!;
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      await s.synced('ControllerSite', cs.id);
      assert.equal(projectsNamed(s, s.tag)[0].domain_id, dom.id);
      assert.equal(s.cloud.requestsTo('GET /identity/v3/domains')[0].query.get('name'), 'xosdom');
    });
  });

  describe('ControllerUser', () => {
    test('makes the user with a random password of its own, stored encrypted', async () => {
      const s = await w.begin();
      const u = await s.user('ann', { password: 'xos-password-1' });
      const cu = await s.create('ControllerUser', { controller: s.ids.ctl, user: u.id });
      const row = await s.synced('ControllerUser', cu.id);
      const ku = s.cloud.keystone.users.get(row.kuser_id)!;
      assert.equal(ku.name, u.email);
      assert.equal(ku.email, u.email);
      assert.equal(ku.description, `xos-user-${u.id}`);
      assert.equal(ku.enabled, true);
      const password = s.store.secret(row.kuser_password);
      assert.ok(password && password.length >= 20, 'a random password');
      assert.equal(ku.password, password, 'what Keystone has is what XOS stored');
      assert.notEqual(password, 'xos-password-1');
      assert.ok(!String(row.kuser_password).includes(password!), 'stored encrypted');
      assert.equal((await s.synced('User', u.id)).backend_status, `1 - OK on ${s.tag}-ctl`);
    });

    test('adopts a Keystone user of that name (setting its password), and follows is_active', async () => {
      const s = await w.begin({ start: false });
      const u = await s.user('bob');
      const existing = s.cloud.keystone.addUser({ name: u.email, password: 'old', description: 'made by hand' });
      await s.engine.start();
      const cu = await s.create('ControllerUser', { controller: s.ids.ctl, user: u.id });
      const row = await s.synced('ControllerUser', cu.id);
      assert.equal(row.kuser_id, existing.id);
      assert.equal(s.cloud.count('POST', '/identity/v3/users'), 0);
      assert.equal(existing.password, s.store.secret(row.kuser_password));
      assert.equal(existing.description, `xos-user-${u.id}`);

      await s.update('User', u.id, { is_active: false });
      await s.synced('ControllerUser', cu.id);
      assert.equal(existing.enabled, false, 'a user made inactive in XOS is disabled in Keystone');
    });

    test('a user deleted behind its back is made again with the password already stored', async () => {
      const s = await w.begin();
      const u = await s.user('cy');
      const cu = await s.create('ControllerUser', { controller: s.ids.ctl, user: u.id });
      const before = await s.synced('ControllerUser', cu.id);
      s.cloud.keystone.users.delete(before.kuser_id);
      await s.resync('ControllerUser', cu.id);
      const after = await s.settle('ControllerUser', cu.id, (r) => r.backend_code === 1 && r.kuser_id !== before.kuser_id, 'a new Keystone user');
      assert.equal(after.kuser_password, before.kuser_password, 'the same stored secret');
      assert.equal(s.cloud.keystone.users.get(after.kuser_id)!.password, s.store.secret(before.kuser_password));
    });

    test('removal deletes the Keystone user only while it still carries its XOS description', async () => {
      const s = await w.begin();
      const [a, b] = [await s.user('dee'), await s.user('eve')];
      const [ca, cb] = [await s.create('ControllerUser', { controller: s.ids.ctl, user: a.id }), await s.create('ControllerUser', { controller: s.ids.ctl, user: b.id })];
      const [ra, rb] = [await s.synced('ControllerUser', ca.id), await s.synced('ControllerUser', cb.id)];
      s.cloud.keystone.users.get(rb.kuser_id)!.description = 'taken over by an operator';
      await s.remove('ControllerUser', ca.id);
      await s.remove('ControllerUser', cb.id);
      await s.purged('ControllerUser', ca.id);
      await s.purged('ControllerUser', cb.id);
      assert.equal(s.cloud.keystone.users.has(ra.kuser_id), false);
      assert.equal(s.cloud.keystone.users.has(rb.kuser_id), true);
    });
  });

  describe('ControllerSlice', () => {
    test('makes the slice project after the site project, with XOS as admin, the quota and the members', async () => {
      const s = await w.begin();
      const u = await s.user('fay');
      const slice = await s.slice('web', { max_instances: 3 });
      await s.create('SlicePrivilege', { user: u.id, slice: slice.id, role: (await role(s, 'SliceRole', 'access')).id });
      const cs = await s.create('ControllerSlice', { controller: s.ids.ctl, slice: slice.id });
      const row = await s.synced('ControllerSlice', cs.id);
      const p = s.cloud.keystone.projects.get(row.tenant_id)!;
      assert.equal(p.name, `${s.tag}_web`);
      assert.deepEqual(p.tags, ['xos', `xos-slice-${slice.id}`]);
      // the site project came first, made because the slice needed it
      const site = await s.one('ControllerSite', { site: s.ids.site, controller: s.ids.ctl });
      assert.equal(site.backend_code, 1);
      const posts = s.cloud.requestsTo('POST /identity/v3/projects').map((r) => r.json.project.name);
      assert.deepEqual(posts, [s.tag, `${s.tag}_web`]);
      assert.ok(s.cloud.keystone.hasRole(p.id, s.cloud.keystone.admin.user.id, 'admin'), 'XOS works in the project as admin');
      assert.equal(s.cloud.nova.quotaOf(p.id).instances, 3);
      // the member's account and role assignment (SliceRole access → Keystone member)
      const cu = await s.synced('ControllerUser', (await s.one('ControllerUser', { user: u.id, controller: s.ids.ctl })).id);
      const priv = await s.one('ControllerSlicePrivilege', { controller: s.ids.ctl });
      await s.synced('ControllerSlicePrivilege', priv.id);
      assert.ok(s.cloud.keystone.hasRole(p.id, cu.kuser_id, 'member'));
      assert.equal((await s.synced('Slice', slice.id)).backend_status, `1 - OK on ${s.tag}-ctl`);
    });

    test("a change of max_instances reaches Nova's quota for the same project", async () => {
      const s = await w.begin();
      const slice = await s.slice('q', { max_instances: 2 });
      const cs = await s.create('ControllerSlice', { controller: s.ids.ctl, slice: slice.id });
      const before = await s.synced('ControllerSlice', cs.id);
      assert.equal(s.cloud.nova.quotaOf(before.tenant_id).instances, 2);
      await s.update('Slice', slice.id, { max_instances: 7 });
      const after = await s.synced('ControllerSlice', cs.id);
      assert.equal(after.tenant_id, before.tenant_id);
      assert.equal(s.cloud.nova.quotaOf(before.tenant_id).instances, 7);
      assert.deepEqual(s.cloud.requestsTo('PUT /compute/v2.1/os-quota-sets/*').map((r) => r.json.quota_set.instances), [2, 7]);
    });

    test('a site project that cannot be made shows on the slice, which waits; both recover', async () => {
      const s = await w.begin();
      s.cloud.fail('POST /identity/v3/projects', { status: 403, message: 'You are not authorized to perform the requested action: identity:create_project.' });
      const slice = await s.slice('dep');
      const cs = await s.create('ControllerSlice', { controller: s.ids.ctl, slice: slice.id });
      const siteLink = await s.settleValue('the ControllerSite the slice asked for', async () => (await s.find('ControllerSite', { site: s.ids.site }))[0]);
      const site = await s.failed('ControllerSite', siteLink.id);
      assert.equal(site.backend_status, '2 - site project: identity refused the request (403): You are not authorized to perform the requested action: identity:create_project.');
      assert.equal(site.backend_reason, 'configuration');
      const waiting = await s.failed('ControllerSlice', cs.id);
      assert.equal(waiting.backend_status, `2 - Waiting for the project of site ${s.ids.site} on this controller, which failed: site project: identity refused the request (403): You are not authorized to perform the requested action: identity:create_project.`);
      assert.equal(waiting.backend_reason, 'dependency');
      const sl = await s.failed('Slice', slice.id);
      assert.match(sl.backend_status, new RegExp(`^2 - on ${s.tag}-ctl: Waiting for the project of site`));
      s.cloud.heal();
      await s.synced('ControllerSite', siteLink.id);
      await s.synced('ControllerSlice', cs.id);
      await s.synced('Slice', slice.id);
    });

    test('removal waits for the servers of the project to go, then deletes the project', async () => {
      const s = await w.begin();
      const slice = await s.slice('gone');
      const cs = await s.create('ControllerSlice', { controller: s.ids.ctl, slice: slice.id });
      const row = await s.synced('ControllerSlice', cs.id);
      const server = s.cloud.nova.addServer({ name: 'left-behind', project: row.tenant_id });
      await s.remove('ControllerSlice', cs.id);
      const waiting = await s.settle('ControllerSlice', cs.id, (r) => /waiting for 1 servers and 0 networks/.test(r.backend_status), 'waiting for the server');
      assert.equal(waiting.backend_status, '0 - waiting for 1 servers and 0 networks of the project to go');
      assert.ok(s.cloud.keystone.projects.has(row.tenant_id));
      s.cloud.nova.removeServer(server.id);
      await s.purged('ControllerSlice', cs.id);
      assert.equal(s.cloud.keystone.projects.has(row.tenant_id), false);
    });
  });

  describe('privileges', () => {
    const sitePrivilege = async (s: Scene, roleName: string) => {
      const u = await s.user('gus');
      const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
      await s.synced('ControllerSite', cs.id);
      const sp = await s.create('SitePrivilege', { user: u.id, site: s.ids.site, role: (await role(s, 'SiteRole', roleName)).id });
      const link = await s.settleValue('the ControllerSitePrivilege', async () => (await s.find('ControllerSitePrivilege', { site_privilege: sp.id }))[0]);
      return { u, sp, link: await s.synced('ControllerSitePrivilege', link.id), project: (await s.row('ControllerSite', cs.id))!.tenant_id as string };
    };
    const kuser = async (s: Scene, u: R) => (await s.one('ControllerUser', { user: u.id, controller: s.ids.ctl })).kuser_id as string;

    test('a site privilege becomes a role assignment (tech → reader); the role is made when missing', async () => {
      const s = await w.begin({ start: false });
      s.cloud.keystone.roles.delete(s.cloud.keystone.roleNamed('reader')!.id);
      await s.engine.start();
      const { u, sp, link, project } = await sitePrivilege(s, 'tech');
      const reader = s.cloud.keystone.roleNamed('reader')!;
      assert.ok(reader, 'made');
      assert.equal(link.role_id, reader.id);
      assert.ok(s.cloud.keystone.hasRole(project, await kuser(s, u), 'reader'));
      assert.equal(s.cloud.keystone.hasRole(project, await kuser(s, u), 'member'), false);
      assert.equal((await s.synced('SitePrivilege', sp.id)).backend_status, `1 - OK on ${s.tag}-ctl`);
    });

    test('an assignment revoked behind its back is granted again at the next resync', async () => {
      const s = await w.begin();
      const { u, link, project } = await sitePrivilege(s, 'pi');
      const ku = await kuser(s, u);
      s.cloud.keystone.revoke(project, ku, link.role_id);
      await s.resync('ControllerSitePrivilege', link.id);
      await s.cloudState('the role granted again', () => s.cloud.keystone.hasRole(project, ku, 'member'));
      assert.equal(s.cloud.count('PUT', `/identity/v3/projects/${project}/users/${ku}/roles/${link.role_id}`), 2);
    });

    test('removing the privilege revokes the assignment', async () => {
      const s = await w.begin();
      const { u, sp, link, project } = await sitePrivilege(s, 'admin');
      const ku = await kuser(s, u);
      await s.remove('SitePrivilege', sp.id);
      await s.purged('ControllerSitePrivilege', link.id);
      await s.purged('SitePrivilege', sp.id);
      assert.equal(s.cloud.keystone.hasRole(project, ku, 'member'), false);
      assert.equal(s.cloud.count('DELETE', `/identity/v3/projects/${project}/users/${ku}/roles/${link.role_id}`), 1);
      assert.ok(s.cloud.keystone.users.has(ku), 'the account stays: the user may hold other privileges');
    });

    test("a privilege waits for the user's account, and says so when it cannot be made", async () => {
      const s = await w.begin();
      s.cloud.fail('POST /identity/v3/users', { status: 400, message: "Invalid input for field 'name': too long" });
      const { sp } = await (async () => {
        const u = await s.user('hal');
        const cs = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
        await s.synced('ControllerSite', cs.id);
        return { sp: await s.create('SitePrivilege', { user: u.id, site: s.ids.site, role: (await role(s, 'SiteRole', 'pi')).id }) };
      })();
      const link = await s.settleValue('the ControllerSitePrivilege', async () => (await s.find('ControllerSitePrivilege', { site_privilege: sp.id }))[0]);
      const row = await s.failed('ControllerSitePrivilege', link.id);
      assert.equal(row.backend_status, "2 - Waiting for the user's account on this controller, which failed: Keystone user: identity rejected the request: Invalid input for field 'name': too long");
      assert.equal(row.backend_reason, 'dependency');
      const cu = await s.one('ControllerUser', { controller: s.ids.ctl });
      const failedUser = await s.row('ControllerUser', cu.id);
      assert.equal(failedUser!.backend_reason, 'unrecoverable', 'a 400 is terminal: retried only when the row changes');
      assert.equal(failedUser!.next_retry, null);
    });
  });
});
