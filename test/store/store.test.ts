// One store suite, run on every backend (PGlite always; PostgreSQL when XOS_TEST_PG=1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM, type Actor } from '../../src/store/repository.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../src/model/errors.js';
import { CHANGES_CHANNEL } from '../../src/store/db.js';
import { dbOf } from '../../src/store/inspect.js';

const who: Actor = { id: null, email: 'test@example.com' };

for (const backend of backends) {
  describe(`store on ${backend}`, () => {
    let t: TestStore;
    let site: Record<string, unknown>;
    let user: Record<string, unknown>;
    before(async () => {
      t = await openTestStore(backend);
      site = await t.store.create(model('Site'), { name: 'Princeton', login_base: 'princeton' }, SYSTEM);
      user = await t.store.create(
        model('User'),
        { email: 'pi@princeton.edu', firstname: 'P', lastname: 'I', site: site.id, password: 'long-password' },
        SYSTEM,
      );
    });
    after(() => t.close());

    const count = async (name: string, filters: Record<string, string> = {}) => (await t.store.list(model(name), { filters })).total;

    test('first start seeds roles, the three network templates and flavors', async () => {
      const roles = (name: string) => t.store.list(model(name)).then((r) => r.items.map((x) => x.role).sort());
      assert.deepEqual(await roles('SiteRole'), ['admin', 'pi', 'tech']);
      assert.deepEqual(await roles('SliceRole'), ['access', 'admin']);
      assert.deepEqual(await roles('DeploymentRole'), ['admin']);
      const templates = (await t.store.list(model('NetworkTemplate'))).items;
      assert.deepEqual(
        templates.map((x) => [x.name, x.visibility, x.translation, x.shared_network_name]),
        [
          ['Private', 'private', 'none', null],
          ['Public shared IPv4', 'private', 'NAT', 'nat-net'],
          ['Public dedicated IPv4', 'public', 'none', 'ext-net'],
        ],
      );
      assert.deepEqual((await t.store.list(model('Flavor'), { sort: 'order' })).items.map((f) => f.name), ['m1.small', 'm1.medium', 'm1.large']);
    });

    test('passwords are hashed and never presented', async () => {
      const [row] = await dbOf(t.store).query<{ password: string }>('SELECT password FROM users WHERE id = $1', [user.id]);
      assert.match(row.password, /^\$argon2id\$/);
      assert.ok(!('password' in user));
    });

    test('controller credentials are encrypted at rest and hidden from the API shape', async () => {
      const d = await t.store.create(model('Deployment'), { name: 'cred-dep' }, SYSTEM);
      const c = await t.store.create(
        model('Controller'),
        { name: 'c1', deployment: d.id, auth_url: 'http://127.0.0.1:5000/v3', admin_user: 'admin', admin_password: 'Sup3r-secret' },
        who,
      );
      assert.equal(c.has_admin_password, true);
      assert.ok(!('admin_password' in c));
      const stored = (await t.store.raw(model('Controller'), Number(c.id)))!.admin_password as string;
      assert.match(stored, /^v1:[0-9a-f]{8}:/);
      assert.ok(!stored.includes('Sup3r-secret'));
      assert.equal(t.store.secret(stored), 'Sup3r-secret');
      const audit = await t.store.auditLog({ model: 'Controller', objectId: Number(c.id) });
      assert.equal(audit.items[0].user_email, 'test@example.com');
      assert.equal((audit.items[0].changes as Record<string, unknown>).admin_password, '[redacted]');
      assert.ok(!JSON.stringify(audit).includes('Sup3r-secret'));
    });

    test('validation names each field and writes nothing', async () => {
      const before = await count('Slice');
      await assert.rejects(
        t.store.create(model('Slice'), { name: 'has space', site: site.id, max_instances: -1, nonsense: 1 }, who),
        (e: ValidationError) => {
          assert.ok(e instanceof ValidationError);
          const fields = Object.fromEntries(e.errors.map((x) => [x.field, x.message]));
          assert.match(fields.name, /may contain only letters/);
          assert.match(fields.max_instances, /at least 0/);
          assert.equal(fields.nonsense, 'is not a field of Slice');
          return true;
        },
      );
      await assert.rejects(t.store.create(model('Slice'), { name: 'other_x', site: site.id }, who), /must start with the site's login base "princeton_"/);
      await assert.rejects(t.store.create(model('Slice'), { name: 'princeton_', site: site.id }, who), /needs a name after/);
      await assert.rejects(t.store.create(model('Slice'), { name: 'princeton_x', site: 999 }, who), /site: Site 999 does not exist/);
      assert.equal(await count('Slice'), before);
    });

    test('uniqueness: 409 among live rows; a deleted name can be used again', async () => {
      const a = await t.store.create(model('Slice'), { name: 'princeton_uniq', site: site.id }, who);
      await assert.rejects(t.store.create(model('Slice'), { name: 'princeton_uniq', site: site.id }, who), ConflictError);
      await t.store.delete(model('Slice'), Number(a.id), who);
      const b = await t.store.create(model('Slice'), { name: 'princeton_uniq', site: site.id }, who);
      assert.notEqual(a.id, b.id);
    });

    test('updated moves with desired state, version with every write; If-Match guards', async () => {
      const s = await t.store.create(model('Slice'), { name: 'princeton_ver', site: site.id }, who);
      await new Promise((r) => setTimeout(r, 5));
      const u = await t.store.update(model('Slice'), Number(s.id), { description: 'x' }, who, { ifVersion: 1 });
      assert.equal(u.version, 2);
      assert.ok(Date.parse(String(u.updated)) > Date.parse(String(s.updated)));
      const same = await t.store.update(model('Slice'), Number(s.id), { description: 'x' }, who);
      assert.equal(same.version, 2, 'writing the same value changes nothing');
      await assert.rejects(t.store.update(model('Slice'), Number(s.id), { description: 'y' }, who, { ifVersion: 1 }), PreconditionFailedError);
      await assert.rejects(t.store.update(model('Slice'), Number(s.id), { site: site.id }, who), /site: cannot be changed after creation/);
      await assert.rejects(t.store.update(model('Slice'), Number(s.id), { backend_status: '1 - OK' }, who), /backend_status: is read-only/);
    });

    test('deleting a slice soft-deletes its instances, ports, owned networks, privileges and link rows', async () => {
      const dep = await t.store.create(model('Deployment'), { name: 'del-dep' }, SYSTEM);
      const ctl = await t.store.create(
        model('Controller'),
        { name: 'del-ctl', deployment: dep.id, auth_url: 'http://127.0.0.1:5000/v3', admin_user: 'a', admin_password: 'b' },
        SYSTEM,
      );
      const img = await t.store.create(model('Image'), { name: 'del-img' }, SYSTEM);
      const slice = await t.store.create(model('Slice'), { name: 'princeton_del', site: site.id }, who);
      const inst = await t.store.create(model('Instance'), { slice: slice.id, deployment: dep.id, image: img.id, flavor: 1 }, who);
      const net = await t.store.create(model('Network'), { name: 'del-net', template: 1, owner: slice.id }, who);
      const port = await t.store.create(model('Port'), { network: net.id, instance: inst.id }, who);
      const priv = await t.store.create(model('SlicePrivilege'), { user: user.id, slice: slice.id, role: 1 }, who);
      const link = await t.store.create(model('ControllerSlice'), { controller: ctl.id, slice: slice.id }, SYSTEM);
      const ns = await t.store.create(model('NetworkSlice'), { network: net.id, slice: slice.id }, who);
      await t.store.delete(model('Slice'), Number(slice.id), who);
      for (const [name, row] of [['Slice', slice], ['Instance', inst], ['Network', net], ['Port', port], ['SlicePrivilege', priv], ['ControllerSlice', link], ['NetworkSlice', ns]] as const) {
        await assert.rejects(t.store.get(model(name), Number(row.id)), NotFoundError, `${name} should be gone`);
        const raw = await t.store.raw(model(name), Number(row.id));
        assert.equal(raw!.deleted, true, `${name} is soft-deleted, kept for the synchronizer`);
      }
      // synced rows become pending again so the synchronizer removes the backend resources
      assert.equal((await t.store.raw(model('Instance'), Number(inst.id)))!.enacted, null);
      assert.equal((await t.store.raw(model('Image'), Number(img.id)))!.deleted, false, 'the image is not the slice\'s');
    });

    test('a referenced row is protected and the failed delete changes nothing', async () => {
      const s2 = await t.store.create(model('Site'), { name: 'Busy', login_base: 'busy' }, SYSTEM);
      const sl = await t.store.create(model('Slice'), { name: 'busy_one', site: s2.id }, who);
      await assert.rejects(t.store.delete(model('Site'), Number(s2.id), who), (e: ConflictError) => {
        assert.ok(e instanceof ConflictError);
        assert.match(e.message, /Site Busy is still used by 1 slice/);
        return true;
      });
      assert.equal((await t.store.get(model('Slice'), Number(sl.id))).deleted, false);
      assert.equal((await t.store.get(model('Site'), Number(s2.id))).deleted, false);
    });

    test('write_protect blocks deletion, also when reached by a cascade', async () => {
      const sl = await t.store.create(model('Slice'), { name: 'princeton_wp', site: site.id }, who);
      const img = await t.store.create(model('Image'), { name: 'wp-img' }, SYSTEM);
      const inst = await t.store.create(model('Instance'), { slice: sl.id, deployment: 1, image: img.id, flavor: 1, write_protect: true }, SYSTEM);
      await assert.rejects(t.store.delete(model('Slice'), Number(sl.id), who), /write-protected \(reached from Slice princeton_wp\)/);
      assert.equal((await t.store.get(model('Instance'), Number(inst.id))).deleted, false);
      assert.equal((await t.store.get(model('Slice'), Number(sl.id))).deleted, false);
    });

    test('list filters, sorts, searches and pages with a total', async () => {
      for (let i = 0; i < 7; i++) await t.store.create(model('Slice'), { name: `princeton_page${i}`, site: site.id, max_instances: i }, who);
      const m = model('Slice');
      const page = await t.store.list(m, { filters: { name__contains: 'page' }, sort: '-max_instances', limit: 3, offset: 3 });
      assert.equal(page.total, 7);
      assert.deepEqual(page.items.map((s) => s.max_instances), [3, 2, 1]);
      assert.equal((await t.store.list(m, { filters: { max_instances__gte: '5', name__contains: 'page' } })).total, 2);
      assert.equal((await t.store.list(m, { filters: { max_instances__in: '1,2,99', name__contains: 'page' } })).total, 2);
      assert.equal((await t.store.list(m, { search: 'PAGE6' })).total, 1);
      assert.equal((await t.store.list(m, { filters: { name__contains: '%' } })).total, 0, 'LIKE wildcards are literal');
      await assert.rejects(t.store.list(m, { filters: { max_instances: 'ten' } }), /max_instances: "ten" is not a whole number/);
      await assert.rejects(t.store.list(m, { sort: 'nope' }), /cannot sort by "nope"/);
      await assert.rejects(t.store.list(model('User'), { filters: { password: 'x' } }), /not a field of User that can be filtered/);
    });

    test('node site is derived from its site deployment', async () => {
      const sd = (await t.store.list(model('SiteDeployment'))).items[0] ?? (await t.store.create(model('SiteDeployment'), { site: site.id, deployment: 1 }, SYSTEM));
      const n = await t.store.create(model('Node'), { name: 'compute9', site_deployment: sd.id }, SYSTEM);
      assert.equal(n.site, sd.site);
    });

    test('a create whose reference goes away after its checks inserts nothing and says what is missing', async () => {
      const sl = await t.store.create(model('Slice'), { name: 'princeton_gone', site: site.id }, who);
      const image = await t.store.create(model('Image'), { name: 'gone-image' }, SYSTEM);
      const [flavor] = (await t.store.list(model('Flavor'))).items;
      const body = { slice: sl.id, deployment: 1, image: image.id, flavor: flavor.id, name: 'orphan' };
      let checks = 0;
      // The slice is deleted by another writer once this create has checked its references.
      const authorize = async () => {
        if (++checks === 1) await t.store.delete(model('Slice'), Number(sl.id), who);
      };
      await assert.rejects(t.store.create(model('Instance'), body, SYSTEM, { authorize }), (e: ValidationError) => {
        assert.ok(e instanceof ValidationError, String(e));
        assert.deepEqual(e.errors, [{ field: 'slice', message: `Slice ${sl.id} does not exist` }]);
        return true;
      });
      assert.equal(checks, 1, 'the second attempt found the slice gone before asking the rules');
      const rows = await dbOf(t.store).query<{ n: number }>(`SELECT count(*)::int AS n FROM instances WHERE name = 'orphan'`);
      assert.equal(rows[0].n, 0, 'no instance on the deleted slice');
      const audit = await dbOf(t.store).query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE model = 'Instance' AND changes->>'name' = 'orphan'`);
      assert.equal(audit[0].n, 0, 'no audit entry for a create that did not happen');
      // With the slice still there, the same create goes in.
      const sl2 = await t.store.create(model('Slice'), { name: 'princeton_kept', site: site.id }, who);
      const made = await t.store.create(model('Instance'), { ...body, slice: sl2.id }, SYSTEM);
      assert.equal(made.slice, sl2.id);
    });

    test('the rules read several rows of a model at once, in the order asked, null where none is live', async () => {
      const other = await t.store.create(model('Site'), { name: 'Other', login_base: 'other' }, SYSTEM);
      const ctx = t.store.context();
      const rows = await ctx.getMany('Site', [Number(other.id), 999999, Number(site.id), Number(other.id)]);
      assert.deepEqual(rows.map((r) => r?.login_base ?? null), ['other', null, 'princeton', 'other']);
      await t.store.delete(model('Site'), Number(other.id), SYSTEM);
      assert.deepEqual(await ctx.getMany('Site', [Number(other.id)]), [null], 'a deleted row is not live');
    });

    test('every write emits a change notice after commit', async () => {
      const got: { model: string; id: number; op: string }[] = [];
      const stop = await dbOf(t.store).listen(CHANGES_CHANNEL, (p) => got.push(JSON.parse(p)));
      const s = await t.store.create(model('Slice'), { name: 'princeton_notify', site: site.id }, who);
      await t.store.update(model('Slice'), Number(s.id), { description: 'd' }, who);
      await t.store.delete(model('Slice'), Number(s.id), who);
      await assert.rejects(t.store.create(model('Slice'), { name: 'princeton_notify', site: 999 }, who));
      const deadline = Date.now() + 3000;
      while (got.filter((g) => g.id === s.id && g.model === 'Slice').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await stop();
      assert.deepEqual(got.filter((g) => g.model === 'Slice' && g.id === s.id).map((g) => g.op), ['create', 'update', 'delete']);
      assert.equal(got.filter((g) => g.model === 'Slice' && g.id !== s.id).length, 0, 'a failed write notifies nobody');
    });
  });
}
