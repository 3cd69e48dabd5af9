// Who may change an account: an administrator's account is the administrators' alone, another
// user's password is set by an administrator only, one's own password needs the current one,
// nobody grants themself a role, and the last administrator stays. A changed password or a
// deactivation ends the user's sessions and API tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, backends, startTestServer, type TestServer, type Who } from '../helpers/xos.js';
import { buildWorld, PW, type World } from './world.js';

const show = (r: { status: number; body: unknown }) => `${r.status} ${JSON.stringify(r.body)}`;

for (const backend of backends) {
  describe(`accounts and privileges (${backend})`, () => {
    let s: TestServer;
    let w: World;
    let pi: { id: number; who: Who }; // PI of the administrator's own site
    let sadmin: { id: number; who: Who }; // site admin of the administrator's own site
    let plain: { id: number; who: Who };
    before(async () => {
      s = await startTestServer(backend);
      w = await buildWorld(s);
      pi = await w.user('pi@a.example', w.siteA);
      await w.grantSite(pi.id, w.siteA, 'pi');
      sadmin = await w.user('sadmin@a.example', w.siteA);
      await w.grantSite(sadmin.id, w.siteA, 'admin');
      plain = await w.user('plain@a.example', w.siteA);
    });
    after(() => s.close());

    const canLogIn = async (who: { email: string; password: string }) => (await s.call(who, 'GET', '/api/auth/me')).status === 200;

    test("a PI or site admin of the administrator's site cannot change or delete the administrator", async () => {
      for (const who of [pi.who, sadmin.who]) {
        for (const patch of [{ password: 'taken-over-1' }, { is_active: false }, { firstname: 'Mallory' }, { email: 'mallory@a.example' }]) {
          const r = await s.call(who, 'PATCH', `/api/core/users/${w.adminId}`, patch);
          assert.equal(r.status, 403, `${who!.email} ${JSON.stringify(patch)}: ${show(r)}`);
          assert.match(r.body.detail, /only administrators may change or delete an administrator's account/);
        }
        assert.equal((await s.call(who, 'DELETE', `/api/core/users/${w.adminId}`)).status, 403);
      }
      assert.ok(await canLogIn(ADMIN), 'the administrator still logs in with the old password');
      assert.ok(!(await canLogIn({ email: ADMIN.email, password: 'taken-over-1' })));
      const admin = (await s.call(ADMIN, 'GET', `/api/core/users/${w.adminId}`)).body;
      assert.equal(admin.is_active, true);
      assert.equal(admin.firstname, 'XOS');
    });

    test("only an administrator sets another user's password", async () => {
      const victim = await w.user('victim@a.example', w.siteA);
      for (const who of [pi.who, sadmin.who]) {
        const r = await s.call(who, 'PATCH', `/api/core/users/${victim.id}`, { password: 'known-to-pi-1' });
        assert.equal(r.status, 403, show(r));
        assert.deepEqual(r.body.errors, [{ field: 'password', message: "only an administrator may set another user's password" }]);
      }
      assert.ok(await canLogIn(victim.who!));
      // they still manage the user otherwise
      assert.equal((await s.call(pi.who, 'PATCH', `/api/core/users/${victim.id}`, { phone: '+1 555' })).status, 200);
      const reset = await s.call(ADMIN, 'PATCH', `/api/core/users/${victim.id}`, { password: 'reset-by-admin-1' });
      assert.equal(reset.status, 200, show(reset));
      assert.ok(await canLogIn({ email: victim.who!.email, password: 'reset-by-admin-1' }));
    });

    test('one changes their own password by giving the current one, administrators too', async () => {
      const me = await w.user('self@a.example', w.siteA);
      const direct = await s.call(me.who, 'PATCH', `/api/core/users/${me.id}`, { password: 'new-password-1' });
      assert.equal(direct.status, 403, show(direct));
      assert.match(direct.body.errors[0].message, /POST \/api\/auth\/password/);
      assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${w.adminId}`, { password: 'new-password-1' })).status, 403);
      const wrong = await s.call(me.who, 'POST', '/api/auth/password', { current_password: 'not-it-1', password: 'new-password-1' });
      assert.equal(wrong.status, 403, show(wrong));
      assert.deepEqual(wrong.body.errors, [{ field: 'current_password', message: 'is not your current password' }]);
      assert.ok(await canLogIn(me.who!));
      const ok = await s.call(me.who, 'POST', '/api/auth/password', { current_password: PW, password: 'new-password-1' });
      assert.equal(ok.status, 204, show(ok));
      assert.ok(!(await canLogIn(me.who!)));
      assert.ok(await canLogIn({ email: me.who!.email, password: 'new-password-1' }));
    });

    test('nobody grants themself a role or makes themself an administrator', async () => {
      const r1 = await s.call(pi.who, 'POST', '/api/core/siteprivileges', { user: pi.id, site: w.siteA, role: w.roles.site.admin });
      assert.equal(r1.status, 403, show(r1));
      assert.deepEqual(r1.body.errors, [{ field: 'user', message: 'you may not grant a role to yourself' }]);
      // the PI still grants roles to others
      assert.equal((await s.call(pi.who, 'POST', '/api/core/siteprivileges', { user: plain.id, site: w.siteA, role: w.roles.site.tech })).status, 201);
      // nor changes their own privilege's role
      const own = (await s.call(ADMIN, 'GET', `/api/core/siteprivileges?user=${pi.id}`)).body.items[0];
      assert.equal((await s.call(pi.who, 'PATCH', `/api/core/siteprivileges/${own.id}`, { role: w.roles.site.admin })).status, 403);
      const slice = await w.make('slices', { name: 'mysite_self', site: w.siteA });
      const member = await w.user('member@a.example', w.siteA);
      await w.grantSlice(member.id, slice.id, 'admin');
      const r2 = await s.call(member.who, 'POST', '/api/core/sliceprivileges', { user: member.id, slice: slice.id, role: w.roles.slice.access });
      assert.equal(r2.status, 403, show(r2));
      const dep = await w.make('deployments', { name: 'Dep self', access_control: 'allow all' });
      const dadmin = await w.user('dadmin@a.example', w.siteB);
      await w.make('deploymentprivileges', { user: dadmin.id, deployment: dep.id, role: w.roles.deployment.admin });
      const other = await w.make('deployments', { name: 'Dep other', access_control: 'allow all' });
      const r3 = await s.call(dadmin.who, 'POST', '/api/core/deploymentprivileges', { user: dadmin.id, deployment: dep.id, role: w.roles.deployment.admin });
      assert.equal(r3.status, 403, show(r3));
      void other;
      for (const patch of [{ is_admin: true }, { is_readonly: false, is_admin: true }]) {
        const r = await s.call(plain.who, 'PATCH', `/api/core/users/${plain.id}`, patch);
        assert.equal(r.status, 403, show(r));
      }
      assert.equal((await s.call(ADMIN, 'GET', `/api/core/users/${plain.id}`)).body.is_admin, false);
      const mine = await s.call(pi.who, 'GET', '/api/auth/me');
      assert.deepEqual(mine.body.site_roles[w.siteA], ['pi']);
    });

    test('the last active administrator cannot be deleted, deactivated or demoted (409, saying why)', async () => {
      for (const [method, body] of [
        ['DELETE', undefined],
        ['PATCH', { is_active: false }],
        ['PATCH', { is_admin: false }],
        ['PATCH', { is_readonly: true }],
      ] as const) {
        const r = await s.call(ADMIN, method, `/api/core/users/${w.adminId}`, body);
        assert.equal(r.status, 409, `${method} ${JSON.stringify(body)}: ${show(r)}`);
        assert.match(r.body.detail, /admin@example\.com is the last active administrator; make another user an administrator/);
      }
      assert.ok(await canLogIn(ADMIN));
      // with a second administrator, either may go, but not both
      const second = await w.user('second-admin@a.example', w.siteA, { is_admin: true });
      // Both callers known from a moment ago, so both requests are past authentication before
      // either writes: the two deactivations meet in the store's last-administrator check. (Were
      // one request still looking its caller up, the other's write could make that caller
      // inactive first, and it would be refused as unknown instead.)
      assert.ok((await canLogIn(ADMIN)) && (await canLogIn(second.who!)));
      const [a, b] = await Promise.all([
        s.call(ADMIN, 'PATCH', `/api/core/users/${second.id}`, { is_active: false }),
        s.call(second.who, 'PATCH', `/api/core/users/${w.adminId}`, { is_active: false }),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 409], `${show(a)} / ${show(b)}`);
      const active = (await s.call(ADMIN, 'GET', '/api/core/users?is_admin=true&is_active=true').catch(() => null)) ?? null;
      const list = active?.status === 200 ? active.body.items : (await s.call(second.who, 'GET', '/api/core/users?is_admin=true&is_active=true')).body.items;
      assert.equal(list.length, 1, 'exactly one active administrator is left');
      // put the world back: the remaining administrator reactivates the other one
      const left = list[0].email === ADMIN.email ? ADMIN : second.who;
      const back = a.status === 200 ? second.id : w.adminId;
      assert.equal((await s.call(left, 'PATCH', `/api/core/users/${back}`, { is_active: true })).status, 200);
    });
  });

  describe(`sessions and tokens end with a password change or a deactivation (${backend})`, () => {
    let s: TestServer;
    let w: World;
    before(async () => {
      s = await startTestServer(backend);
      w = await buildWorld(s);
    });
    after(() => s.close());

    const login = async (email: string, password: string) => {
      const r = await s.call(null, 'POST', '/api/auth/login', { email, password });
      assert.equal(r.status, 200, show(r));
      return r.body.token as string;
    };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const status = async (token: string) => (await s.call(null, 'GET', '/api/auth/me', undefined, bearer(token))).status;
    const apiToken = async (session: string) => {
      const r = await s.call(null, 'POST', '/api/auth/tokens', { name: 'script' }, bearer(session));
      assert.equal(r.status, 201, show(r));
      return r.body.token as string;
    };

    test('changing one\'s own password ends the other sessions and the API tokens, not the session that did it', async () => {
      const u = await w.user('rotate@a.example', w.siteA);
      const [mine, other] = [await login(u.who!.email, PW), await login(u.who!.email, PW)];
      const token = await apiToken(other);
      const r = await s.call(null, 'POST', '/api/auth/password', { current_password: PW, password: 'rotated-password-1' }, bearer(mine));
      assert.equal(r.status, 204, show(r));
      assert.equal(await status(mine), 200);
      assert.equal(await status(other), 401);
      assert.equal(await status(token), 401);
    });

    test("an administrator's reset of a password ends all of that user's sessions and tokens", async () => {
      const u = await w.user('reset@a.example', w.siteA);
      const session = await login(u.who!.email, PW);
      const token = await apiToken(session);
      assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${u.id}`, { password: 'reset-password-1' })).status, 200);
      assert.equal(await status(session), 401);
      assert.equal(await status(token), 401);
    });

    test('deactivating a user ends their sessions and tokens for good: reactivating does not revive them', async () => {
      const u = await w.user('leaver@a.example', w.siteA);
      const session = await login(u.who!.email, PW);
      const token = await apiToken(session);
      assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${u.id}`, { is_active: false })).status, 200);
      assert.equal(await status(session), 401);
      assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${u.id}`, { is_active: true })).status, 200);
      assert.equal(await status(session), 401);
      assert.equal(await status(token), 401);
      assert.equal(await status(await login(u.who!.email, PW)), 200, 'a new login works');
    });

    test('other changes to the account keep its sessions', async () => {
      const u = await w.user('stays@a.example', w.siteA);
      const session = await login(u.who!.email, PW);
      assert.equal((await s.call(ADMIN, 'PATCH', `/api/core/users/${u.id}`, { phone: '+1 555 0100' })).status, 200);
      assert.equal(await status(session), 200);
    });
  });
}
