// What the operator pages and the dashboard read of the operator tools: the collectors' interval
// with every cluster, cluster capacity on the dashboard from the collectors' readings (a failing
// cluster kept with its error), and objects in error grouped by root cause, each under the
// caller's privileges.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';
import { freePort } from '../helpers/xos-process.js';
import { buildWorld, type World } from '../security/world.js';
import { dbOf } from '../../src/store/inspect.js';

type Group = { cause: string; controller: { id: number; name: string } | null; count: number; models: Record<string, number>; samples: { model: string; id: number; plural: string }[] };

describe('operator data for the web UI', () => {
  let w: OpsWorld;
  let world: World;
  let dead: { ctl: number; dep: number };
  const who: Record<string, { email: string; password: string } | null> = {};
  before(async () => {
    w = await opsWorld();
    world = await buildWorld(w.s);
    const a = await w.addCluster('alpha');
    await w.addCluster('beta');
    // A controller whose Keystone is a closed port on this host: its collectors fail for real.
    const port = await freePort();
    const depDead = await w.make('deployments', { name: 'dep-dead' });
    const ctlDead = await w.make('controllers', { name: 'dead', deployment: depDead, auth_url: `http://127.0.0.1:${port}/v3`, admin_user: 'admin', admin_password: 'pw', admin_tenant: 'admin', no_sync: true });
    dead = { ctl: ctlDead, dep: depDead };
    await w.poll();
    const dadmin = await world.user('dadmin@example.com', world.siteA);
    await world.make('deploymentprivileges', { user: dadmin.id, deployment: a.dep, role: world.roles.deployment.admin });
    who.dadmin = dadmin.who;
    const pi = await world.user('pi@example.com', world.siteA);
    await world.grantSite(pi.id, world.siteA, 'pi');
    who.pi = pi.who;
    // The dead controller and four objects on it in error, as the synchronizer leaves them; and two
    // slices whose messages differ only by an id.
    const links = [
      await world.make('controllersites', { controller: ctlDead, site: world.siteA }),
      await world.make('controllersites', { controller: ctlDead, site: world.siteB }),
    ];
    const db = dbOf(w.s.store);
    await db.query(`UPDATE controllers SET backend_code = 2, backend_status = $2 WHERE id = $1`, [ctlDead, `2 - cannot reach identity at 127.0.0.1:${port} (ECONNREFUSED)`]);
    await db.query(`UPDATE controller_sites SET backend_code = 2, backend_status = $2 WHERE id = ANY($1)`, [links.map((l) => l.id), `2 - on dead: cannot reach identity (ECONNREFUSED 127.0.0.1:${port})`]);
    const slices = [await world.make('slices', { name: 'mysite_q1', site: world.siteA }), await world.make('slices', { name: 'mysite_q2', site: world.siteA })];
    for (const s of slices) await db.query(`UPDATE slices SET backend_code = 2, backend_status = $2 WHERE id = $1`, [s.id, `2 - Keystone refused Slice ${s.id}: quota exceeded`]);
  });
  after(() => w.close());

  test('the clusters come with the collectors\' interval, and no Nagios link unless [nagios] url is set', async () => {
    const r = await w.s.call(ADMIN, 'GET', '/api/ops/clusters');
    assert.equal(r.status, 200);
    assert.equal(r.body.interval_s, w.s.config.ops.interval);
    assert.equal(r.body.nagios_url, null);
    assert.equal(r.body.items[0].name, 'dead', 'the failing cluster first');
    assert.equal(r.body.items[0].collectors.services.ok, false);
  });

  test('the dashboard\'s capacity is the collectors\' reading, per cluster the caller may see', async () => {
    const views = new Map((await w.s.call(ADMIN, 'GET', '/api/ops/clusters')).body.items.map((c: { name: string }) => [c.name, c]));
    const cap = (await w.s.call(ADMIN, 'GET', '/api/stats')).body.minidashboard.capacity;
    assert.deepEqual(cap.map((c: { name: string }) => c.name).sort(), ['alpha', 'beta', 'dead']);
    for (const c of cap.filter((x: { name: string }) => x.name !== 'dead')) {
      const v = views.get(c.name) as { capacity: Record<string, { usable: number; used: number }> };
      assert.ok(c.vcpus > 0 && c.ram_mb > 0, JSON.stringify(c));
      assert.deepEqual([c.vcpus, c.vcpus_used, c.ram_mb, c.disk_gb], [v.capacity.VCPU.usable, v.capacity.VCPU.used, v.capacity.MEMORY_MB.usable, v.capacity.DISK_GB.usable]);
      assert.ok(c.as_of);
      assert.equal(c.error, null);
    }
    const d = cap.find((x: { name: string }) => x.name === 'dead');
    assert.equal(d.as_of, null, 'never read');
    assert.match(d.error, /ECONNREFUSED|refused|reach/i);

    const mine = (await w.s.call(who.dadmin, 'GET', '/api/stats')).body.minidashboard.capacity;
    assert.deepEqual(mine.map((c: { name: string }) => c.name), ['alpha']);
    assert.equal((await w.s.call(who.pi, 'GET', '/api/stats')).body.minidashboard.capacity, null, 'not an operator: no capacity');
  });

  test('objects in error are grouped by root cause: the dead controller is one entry with its dependents', async () => {
    const body = (await w.s.call(ADMIN, 'GET', '/api/stats')).body;
    const groups = body.error_groups as Group[];
    const byCtl = groups.filter((g) => g.controller?.id === dead.ctl);
    assert.equal(byCtl.length, 1, JSON.stringify(groups, null, 1));
    assert.equal(byCtl[0].count, 3);
    assert.deepEqual(byCtl[0].models, { Controller: 1, ControllerSite: 2 });
    assert.match(byCtl[0].cause, /^controller dead: cannot reach identity/);
    assert.ok(byCtl[0].samples.every((x) => x.plural === (x.model === 'Controller' ? 'controllers' : 'controllersites')));
    const quota = groups.filter((g) => /quota exceeded/.test(g.cause));
    assert.equal(quota.length, 1, 'two slices, one message but for their id: one entry');
    assert.equal(quota[0].count, 2);
    assert.equal(quota[0].controller, null);
    assert.equal(body.error_groups_partial, false);
    // The flat list of the most recent is still there.
    assert.equal(body.errors.length, 5);
  });

  test('grouping follows privileges: others do not see the dead controller\'s objects', async () => {
    const d = (await w.s.call(who.dadmin, 'GET', '/api/stats')).body.error_groups as Group[];
    assert.ok(!d.some((g) => g.controller || g.samples.some((x) => x.model !== 'Slice')), JSON.stringify(d));
    const pi = (await w.s.call(who.pi, 'GET', '/api/stats')).body.error_groups as Group[];
    assert.deepEqual(pi.map((g) => [g.count, g.controller, Object.keys(g.models)]), [[2, null, ['Slice']]], 'their site\'s slices only');
    assert.equal((await w.s.call(null, 'GET', '/api/stats')).status, 401);
  });
});
