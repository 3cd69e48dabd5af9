// Address pools on every backend: validation through the store, and allocation that never gives
// an address twice, also when many requests arrive at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { parseRanges, toInt } from '../../src/net/address-ranges.js';
import { dbOf } from '../../src/store/inspect.js';

for (const backend of backends) {
  describe(`address pools on ${backend}`, () => {
    let t: TestStore;
    let dep: number;
    let ctl: number;
    let slice: number;
    before(async () => {
      t = await openTestStore(backend);
      dep = Number((await t.store.create(model('Deployment'), { name: 'pool-dep' }, SYSTEM)).id);
      ctl = Number(
        (await t.store.create(model('Controller'), { name: 'pool-ctl', deployment: dep, auth_url: 'http://127.0.0.1:1/v3', admin_user: 'a', admin_password: 'p', admin_tenant: 'admin', no_sync: true }, SYSTEM)).id,
      );
      const site = await t.store.create(model('Site'), { name: 'Pool site', login_base: 'pools', no_sync: true }, SYSTEM);
      slice = Number((await t.store.create(model('Slice'), { name: 'pools_web', site: site.id, no_sync: true }, SYSTEM)).id);
    });
    after(() => t.close());

    const pool = (values: Record<string, unknown>) => t.store.create(model('AddressPool'), { name: 'p', cidr: '10.0.2.0/24', ranges: '10.0.2.3', deployment: dep, ...values }, SYSTEM);
    const instances = async (n: number) => {
      const ids: number[] = [];
      for (let i = 0; i < n; i++)
        ids.push(Number((await t.store.create(model('Instance'), { slice, deployment: dep, image: await image(), flavor: 1, no_sync: true }, SYSTEM)).id));
      return ids;
    };
    let imageId: number | null = null;
    const image = async () => (imageId ??= Number((await t.store.create(model('Image'), { name: 'pool-img', no_sync: true }, SYSTEM)).id));

    test('a bad pool is refused field by field and leaves no row', async () => {
      const fields = async (values: Record<string, unknown>) => {
        const e = await pool(values).then(() => null, (err) => err);
        assert.ok(e, `accepted ${JSON.stringify(values)}`);
        return Object.fromEntries((e.errors ?? []).map((x: { field: string; message: string }) => [x.field, x.message]));
      };
      assert.match((await fields({ ranges: '10.0.2.3-10.0.2.15, 10.0.2.9' })).ranges, /overlap/);
      assert.match((await fields({ ranges: '10.0.9.3' })).ranges, /not inside 10.0.2.0\/24/);
      assert.match((await fields({ ranges: '10.0.2.x' })).ranges, /not an IPv4 address/);
      assert.match((await fields({ gateway: '10.0.3.1' })).gateway, /not an address inside/);
      assert.match((await fields({ cidr: 'fd00::/64' })).cidr, /IPv4 network/);
      assert.match((await fields({ deployment: null })).deployment, /exactly one of a deployment or a controller/);
      assert.match((await fields({ controller: ctl })).controller, /exactly one/);
      const [{ n }] = await dbOf(t.store).query<{ n: number }>('SELECT count(*)::int AS n FROM address_pools');
      assert.equal(n, 0);
    });

    test('50 concurrent requests on a 13-address pool: 13 distinct addresses inside the ranges, 37 say exhausted', async () => {
      const ranges = '10.0.2.3-10.0.2.8, 10.0.2.17, 10.0.2.19-10.0.2.24';
      const p = await pool({ name: 'ext-pool', ranges, gateway: '10.0.2.1' });
      assert.equal((await t.store.addresses.poolFor({ id: ctl, deployment: dep }))?.id, p.id, 'the deployment pool serves its controllers');
      const ids = await instances(50);
      const results = await Promise.all(ids.map((instance) => t.store.addresses.allocate(Number(p.id), { instance })));
      const given = results.filter((r) => r.ok).map((r) => (r as { address: string }).address);
      assert.equal(given.length, 13);
      assert.equal(new Set(given).size, 13, 'no address twice');
      const { ranges: rs } = parseRanges(ranges);
      for (const a of given) assert.ok(rs.some((r) => toInt(a) >= r.start && toInt(a) <= r.end), `${a} is outside the ranges`);
      const refused = results.filter((r) => !r.ok).map((r) => (r as { message: string }).message);
      assert.equal(refused.length, 37);
      for (const m of refused) assert.equal(m, 'pool ext-pool exhausted: 13 of 13 addresses in use');

      // Asking again gives the same address; releasing frees it for the next instance.
      const holder = ids[results.findIndex((r) => r.ok)];
      const again = await t.store.addresses.allocate(Number(p.id), { instance: holder });
      assert.ok(again.ok && given.includes(again.address));
      assert.deepEqual(await t.store.addresses.release(holder), [again.address]);
      const next = await t.store.addresses.allocate(Number(p.id), { instance: ids[results.findIndex((r) => !r.ok)] });
      assert.ok(next.ok && next.address === again.address, JSON.stringify(next));

      // A pool in use cannot be deleted; a controller's own pool wins over its deployment's.
      await assert.rejects(t.store.delete(model('AddressPool'), Number(p.id), SYSTEM), /still used by/);
      const own = await pool({ name: 'own', deployment: null, controller: ctl, cidr: '192.0.2.0/24', ranges: '192.0.2.10-192.0.2.20' });
      assert.equal((await t.store.addresses.poolFor({ id: ctl, deployment: dep }))?.id, own.id);
    });
  });
}
