// The logical objects (Site, User, Slice, Image, privileges, Flavor) against the fake cloud: their
// policies add the link rows each controller needs, and their status is that of those links —
// OK on every controller, in progress on one, or failed on one with its reason; a link that
// recovers wakes its object at once rather than after the object's backoff.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from './world.js';

describe('logical objects: policies and roll-ups (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  test("an object no controller needs is OK; with links it reports each controller's state", async () => {
    const s = await w.begin();
    const { cloud: c2, ctl: ctl2 } = await s.addController('two');
    const [flavor] = await s.find('Flavor', { name: 'm1.medium' });
    await s.update('Flavor', flavor.id, { description: `touched by ${s.tag}` });
    assert.equal((await s.synced('Flavor', flavor.id)).backend_status, '1 - OK');
    assert.equal((await s.synced('Site', s.ids.site)).backend_status, '1 - OK (no controller needs it yet)');

    c2.fail('POST /identity/v3/projects', { status: 403, message: 'Forbidden by policy' });
    await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
    await s.create('ControllerSite', { controller: ctl2.id, site: s.ids.site });
    const failed = await s.failed('Site', s.ids.site);
    assert.equal(failed.backend_status, `2 - on ${ctl2.name}: site project: identity refused the request (403): Forbidden by policy`);
    assert.equal(failed.backend_reason, 'dependency');
    c2.heal(); // the link's next retry succeeds
    const ok = await s.synced('Site', s.ids.site);
    assert.equal(ok.backend_status, `1 - OK on ${s.tag}-ctl, ${ctl2.name}`);
  });

  test('a link that recovers wakes its object at once, whatever the object\'s backoff', async () => {
    // A backoff of a minute: only the link's own change can bring the Site back in time.
    const s = await w.begin({ engine: { backoff: { baseSeconds: 60, capSeconds: 60 } }, start: false });
    s.cloud.fail('POST /identity/v3/projects', { status: 500, times: 1 });
    await s.engine.start();
    const link = await s.create('ControllerSite', { controller: s.ids.ctl, site: s.ids.site });
    const failed = await s.failed('Site', s.ids.site);
    assert.ok(new Date(failed.next_retry).getTime() - Date.now() > 30_000, 'the Site backs off for long');
    const l = await s.row('ControllerSite', link.id);
    assert.equal(l!.backend_code, 2);
    // The link is tried again (an edit of it lifts its backoff) and succeeds; the Site follows.
    await s.update('ControllerSite', link.id, { write_protect: true });
    await s.synced('ControllerSite', link.id, 5000);
    const site = await s.synced('Site', s.ids.site, 5000);
    assert.equal(site.backend_status, `1 - OK on ${s.tag}-ctl`);
  });

  test("a slice gets its private and NAT networks, named apart even when the slice's name is long", async () => {
    const s = await w.begin();
    const short = await s.slice('web');
    const long = await s.slice('a_rather_long_slice_name_for_the_lab');
    for (const sl of [short, long]) await s.synced('Slice', sl.id);
    const names = async (id: number) =>
      Promise.all((await s.find('Network', { owner: id })).map(async (n) => `${(await s.row('NetworkTemplate', n.template))!.name}: ${n.name}`));
    assert.deepEqual((await names(short.id)).sort(), [`Private: ${short.name}-private`, `Public shared IPv4: ${short.name}-nat`]);
    const longNames = await names(long.id);
    assert.equal(longNames.length, 2);
    const [a, b] = longNames.map((x) => x.split(': ')[1]);
    assert.notEqual(a, b, `two networks named apart: ${longNames.join(', ')}`);
    for (const n of [a, b]) assert.ok(n.length <= 32);
    // looking again makes no more
    await s.resync('Slice', short.id);
    await s.settle('Slice', short.id, (r) => r.backend_code === 1 && r.enacted != null, 'looked at again');
    assert.equal((await s.find('Network', { owner: short.id })).length, 2);
  });

  test("an image enabled in a deployment goes to each of its controllers", async () => {
    const s = await w.begin();
    const { cloud: c2, ctl: ctl2 } = await s.addController('two');
    const img = await s.image();
    const done = await s.synced('Image', img.id);
    assert.equal(done.backend_status, `1 - OK on ${s.tag}-ctl, ${ctl2.name}`);
    for (const c of [s.cloud, c2]) assert.deepEqual(c.images.map((i) => `${i.name} ${i.status}`), [`${img.name} active`]);
  });

  test('a slice privilege added later reaches every controller the slice is on', async () => {
    const s = await w.begin();
    const { slice, cs } = await s.readySlice('team');
    const u = await s.user('jan');
    const [admin] = await s.find('SliceRole', { role: 'admin' });
    const sp = await s.create('SlicePrivilege', { user: u.id, slice: slice.id, role: admin.id });
    const done = await s.synced('SlicePrivilege', sp.id);
    assert.equal(done.backend_status, `1 - OK on ${s.tag}-ctl`);
    const cu = await s.one('ControllerUser', { user: u.id });
    assert.ok(s.cloud.keystone.hasRole(cs.tenant_id, cu.kuser_id, 'member'), 'SliceRole admin is Keystone member');
    assert.equal(s.cloud.keystone.hasRole(cs.tenant_id, cu.kuser_id, 'admin'), false, "never Keystone's cloud-wide admin");
  });

  test("deleting a user removes its Keystone account, then the rows", async () => {
    const s = await w.begin();
    const u = await s.user('kim');
    const cu = await s.create('ControllerUser', { controller: s.ids.ctl, user: u.id });
    const row = await s.synced('ControllerUser', cu.id);
    await s.synced('User', u.id);
    await s.remove('User', u.id);
    await s.purged('User', u.id);
    assert.equal(await s.row('ControllerUser', cu.id), null);
    assert.equal(s.cloud.keystone.users.has(row.kuser_id), false);
  });
});
