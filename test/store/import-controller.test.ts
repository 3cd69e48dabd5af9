// Importing a cluster into XOS (src/ops/import-controller.ts) on every store backend, with an
// inventory held in memory: what is created, what is found, what conflicts, and that a second
// run creates nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import type { Row } from '../../src/model/types.js';
import { ValidationError } from '../../src/model/errors.js';
import { importController, type ImportItem, type ImportSummary } from '../../src/ops/import-controller.js';
import { ClusterError, type ClusterFlavor, type ClusterImage, type ClusterInventory, type ComputeHost } from '../../src/ops/inventory.js';

class MemoryInventory implements ClusterInventory {
  calls = 0;
  fail: string | null = null;
  constructor(
    public hosts: ComputeHost[],
    public flavorList: ClusterFlavor[],
    public images: ClusterImage[],
  ) {}
  private async give<T>(v: T): Promise<T> {
    this.calls++;
    if (this.fail) throw new ClusterError(this.fail);
    return structuredClone(v);
  }
  computeHosts = () => this.give(this.hosts);
  flavors = () => this.give(this.flavorList);
  publicImages = () => this.give(this.images);
}

const find = (s: ImportSummary, kind: ImportItem['kind'], name: string) => {
  const hit = s.items.find((i) => i.kind === kind && i.name === name);
  assert.ok(hit, `${kind} ${name} in ${JSON.stringify(s.items, null, 1)}`);
  return hit;
};

for (const backend of backends) {
  describe(`controller import on ${backend}`, () => {
    let t: TestStore;
    let site: Row;
    let site2: Row;
    let deployment: Row;
    let controller: Row;
    const m = model;
    const count = async (name: string, filters: Record<string, string> = {}) => (await t.store.list(m(name), { filters })).total;
    const inventory = () =>
      new MemoryInventory(
        [
          { name: 'compute2', state: 'down', status: 'enabled' },
          { name: 'compute1', state: 'up', status: 'enabled' },
        ],
        [
          { name: 'm1.small', vcpus: 1, ram_mb: 2048, disk_gb: 20 }, // as XOS seeds it
          { name: 'm1.medium', vcpus: 2, ram_mb: 4096, disk_gb: 50 }, // XOS has 40 GB
          { name: 'm1.tiny', vcpus: 1, ram_mb: 512, disk_gb: 1, description: 'Tiny' },
          { name: 'm1.tiny', vcpus: 1, ram_mb: 1024, disk_gb: 1 },
          { name: 'nano', vcpus: 1, ram_mb: 32, disk_gb: 0 }, // below XOS's 64 MB minimum
        ],
        [
          { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', status: 'active' },
          { name: 'uploading', disk_format: 'raw', container_format: 'bare', status: 'queued' },
          { name: 'packed', disk_format: 'raw', container_format: 'compressed', status: 'active' },
          { name: null, disk_format: 'raw', container_format: 'bare', status: 'active' },
          { name: 'ubuntu', disk_format: 'raw', container_format: 'bare' },
        ],
      );

    before(async () => {
      t = await openTestStore(backend);
      site = await t.store.create(m('Site'), { name: 'MySite', login_base: 'mysite' }, SYSTEM);
      site2 = await t.store.create(m('Site'), { name: 'Other', login_base: 'other' }, SYSTEM);
      deployment = await t.store.create(m('Deployment'), { name: 'MyDeployment' }, SYSTEM);
      // the site deployment a first start makes: no controller
      await t.store.create(m('SiteDeployment'), { site: site.id, deployment: deployment.id }, SYSTEM);
      controller = await t.store.create(
        m('Controller'),
        { name: 'lab', deployment: deployment.id, auth_url: 'http://127.0.0.1:5000/v3', admin_user: 'admin', admin_password: 'pw-secret' },
        SYSTEM,
      );
    });
    after(async () => t.close());

    test('a first import creates the site deployment, nodes, flavors and images, and reports the rest', async () => {
      const inv = inventory();
      const s = await importController(t.store, Number(controller.id), inv);
      assert.deepEqual(s.controller, { id: controller.id, name: 'lab', deployment: deployment.id });

      const sd = find(s, 'SiteDeployment', 'MySite');
      assert.equal(sd.result, 'created');
      assert.equal(s.site_deployment, sd.id);
      const sdRow = await t.store.get(m('SiteDeployment'), sd.id!);
      assert.deepEqual([sdRow.site, sdRow.deployment, sdRow.controller], [site.id, deployment.id, controller.id]);

      for (const host of ['compute1', 'compute2']) {
        const n = find(s, 'Node', host);
        assert.equal(n.result, 'created');
        const row = await t.store.get(m('Node'), n.id!);
        assert.equal(row.site_deployment, sd.id);
        assert.equal(row.site, site.id);
      }
      assert.equal(find(s, 'Node', 'compute1').detail, null);
      assert.match(find(s, 'Node', 'compute2').detail!, /down/);

      assert.equal(find(s, 'Flavor', 'm1.small').result, 'existing');
      const medium = find(s, 'Flavor', 'm1.medium');
      assert.equal(medium.result, 'conflict');
      assert.match(medium.detail!, /XOS has 2 vCPUs, 4096 MB RAM, 40 GB disk, the cluster 2 vCPUs, 4096 MB RAM, 50 GB disk; left unchanged/);
      assert.equal((await t.store.get(m('Flavor'), medium.id!)).disk_gb, 40, 'a conflicting flavor is not changed');
      const tiny = s.items.filter((i) => i.name === 'm1.tiny');
      assert.deepEqual(tiny.map((i) => i.result), ['created', 'skipped']);
      assert.match(tiny[1].detail!, /more than one public flavor of this name/);
      const tinyRow = await t.store.get(m('Flavor'), tiny[0].id!);
      assert.deepEqual([tinyRow.vcpus, tinyRow.ram_mb, tinyRow.disk_gb, tinyRow.description], [1, 512, 1, 'Tiny']);
      const nano = find(s, 'Flavor', 'nano');
      assert.equal(nano.result, 'skipped');
      assert.match(nano.detail!, /XOS refused it: .*ram_mb/);

      for (const name of ['cirros', 'ubuntu']) {
        const img = find(s, 'Image', name);
        assert.equal(img.result, 'created');
        const row = await t.store.get(m('Image'), img.id!);
        assert.equal(row.path, null, 'imported images live in the cluster, not in a file');
        const on = find(s, 'ImageDeployment', name);
        assert.equal(on.result, 'created');
        const link = await t.store.get(m('ImageDeployment'), on.id!);
        assert.deepEqual([link.image, link.deployment], [img.id, deployment.id]);
      }
      assert.equal((await t.store.list(m('Image'), { filters: { name: 'cirros' } })).items[0].disk_format, 'qcow2');
      assert.match(find(s, 'Image', 'uploading').detail!, /status in the cluster is queued, not active/);
      assert.match(find(s, 'Image', 'packed').detail!, /XOS does not know its formats \(raw\/compressed\)/);
      assert.match(find(s, 'Image', '(no name)').detail!, /1 public image\(s\) without a name/);

      assert.deepEqual(s.counts, { created: 1 + 2 + 1 + 2 * 2, existing: 1, conflict: 1, skipped: 5 });
    });

    test('a second import creates nothing and finds the same rows', async () => {
      const before = { nodes: await count('Node'), flavors: await count('Flavor'), images: await count('Image'), on: await count('ImageDeployment'), sds: await count('SiteDeployment') };
      const first = await importController(t.store, Number(controller.id), inventory());
      const again = await importController(t.store, Number(controller.id), inventory());
      for (const s of [first, again]) {
        assert.equal(s.counts.created, 0, JSON.stringify(s.items.filter((i) => i.result === 'created')));
        assert.equal(find(s, 'SiteDeployment', 'MySite').result, 'existing');
        assert.equal(find(s, 'Node', 'compute1').result, 'existing');
        assert.match(find(s, 'Node', 'compute2').detail!, /down/, 'a down host is reported each time');
        assert.equal(find(s, 'Flavor', 'm1.tiny').result, 'existing');
        assert.equal(find(s, 'ImageDeployment', 'cirros').result, 'existing');
      }
      assert.deepEqual(again.items, first.items);
      assert.deepEqual(
        { nodes: await count('Node'), flavors: await count('Flavor'), images: await count('Image'), on: await count('ImageDeployment'), sds: await count('SiteDeployment') },
        before,
      );
    });

    test('a new host, flavor and image are picked up; a node elsewhere and a same-named image that differs are conflicts', async () => {
      const nullSd = (await t.store.list(m('SiteDeployment'), { filters: { controller: 'null' } })).items[0];
      const mine = await t.store.create(m('Node'), { name: 'compute3', site_deployment: nullSd.id }, SYSTEM);
      await t.store.create(m('Image'), { name: 'fedora', disk_format: 'qcow2', container_format: 'bare' }, SYSTEM);
      const inv = inventory();
      inv.hosts.push({ name: 'compute3', state: 'up', status: 'enabled' }, { name: 'compute4', state: 'up', status: 'disabled' });
      inv.flavorList.push({ name: 'm1.xlarge', vcpus: 8, ram_mb: 16384, disk_gb: 160 });
      inv.images.push({ name: 'fedora', disk_format: 'raw', container_format: 'bare', status: 'active' });
      const s = await importController(t.store, Number(controller.id), inv);
      const c3 = find(s, 'Node', 'compute3');
      assert.equal(c3.result, 'conflict');
      assert.equal(c3.id, mine.id);
      assert.match(c3.detail!, new RegExp(`site deployment ${nullSd.id} \\(no controller\\), not one of controller lab.*xos update node ${mine.id} site_deployment=${s.site_deployment}`));
      assert.equal((await t.store.get(m('Node'), Number(mine.id))).site_deployment, nullSd.id, 'left where it was');
      assert.equal(find(s, 'Node', 'compute4').result, 'created');
      assert.match(find(s, 'Node', 'compute4').detail!, /disabled/);
      assert.equal(find(s, 'Flavor', 'm1.xlarge').result, 'created');
      const fedora = find(s, 'Image', 'fedora');
      assert.equal(fedora.result, 'conflict');
      assert.match(fedora.detail!, /XOS has qcow2\/bare, the cluster raw\/bare; left unchanged and not enabled/);
      assert.ok(!s.items.some((i) => i.kind === 'ImageDeployment' && i.name === 'fedora'));
      assert.equal(s.counts.created, 2);
    });

    test('with a site given, the nodes of that site deployment are found through the controller', async () => {
      const s = await importController(t.store, Number(controller.id), inventory(), { site: Number(site2.id) });
      const sd = find(s, 'SiteDeployment', 'Other');
      assert.equal(sd.result, 'created');
      assert.equal(find(s, 'Node', 'compute1').result, 'existing', 'bound to another site deployment of this controller');
      const again = await importController(t.store, Number(controller.id), inventory(), { site: Number(site2.id) });
      assert.equal(find(again, 'SiteDeployment', 'Other').result, 'existing');
      assert.equal(again.counts.created, 0);
      await assert.rejects(importController(t.store, Number(controller.id), inventory(), { site: 9999 }), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.deepEqual(e.errors, [{ field: 'site', message: 'Site 9999 does not exist' }]);
        return true;
      });
    });

    test('without catalog rights, new flavors and images are skipped, existing images still enabled', async () => {
      const other = await t.store.create(m('Deployment'), { name: 'Second' }, SYSTEM);
      const c2 = await t.store.create(
        m('Controller'),
        { name: 'lab2', deployment: other.id, auth_url: 'http://127.0.0.1:5001/v3', admin_user: 'admin', admin_password: 'pw' },
        SYSTEM,
      );
      const inv = inventory();
      inv.hosts = [{ name: 'c2-host', state: 'up', status: 'enabled' }];
      inv.flavorList.push({ name: 'm2.new', vcpus: 1, ram_mb: 128, disk_gb: 1 });
      inv.images.push({ name: 'brand-new', disk_format: 'raw', container_format: 'bare', status: 'active' });
      const actor = { id: 42, email: 'dadmin@example.com' };
      const s = await importController(t.store, Number(c2.id), inv, { addToCatalog: false, actor });
      assert.equal(find(s, 'Node', 'c2-host').result, 'created');
      assert.match(find(s, 'Flavor', 'm2.new').detail!, /only root administrators may add flavors/);
      assert.match(find(s, 'Image', 'brand-new').detail!, /only root administrators may add images/);
      assert.equal(find(s, 'Image', 'cirros').result, 'existing');
      assert.equal(find(s, 'ImageDeployment', 'cirros').result, 'created');
      assert.equal(await count('Flavor', { name: 'm2.new' }), 0);
      const audit = await t.store.auditLog({ model: 'Node', objectId: Number(find(s, 'Node', 'c2-host').id) });
      assert.equal(audit.items[0].user_email, 'dadmin@example.com', 'the audit log names who imported');
    });

    test('an unreadable cluster names the controller and writes nothing', async () => {
      const inv = inventory();
      inv.hosts.push({ name: 'never', state: 'up', status: 'enabled' });
      inv.fail = "cannot list the compute hosts: Keystone refused the controller's admin credentials";
      const nodes = await count('Node');
      await assert.rejects(importController(t.store, Number(controller.id), inv), (e: unknown) => {
        assert.ok(e instanceof ClusterError);
        assert.equal(e.status, 502);
        assert.equal(
          e.message,
          "controller lab (http://127.0.0.1:5000/v3): cannot list the compute hosts: Keystone refused the controller's admin credentials",
        );
        return true;
      });
      assert.equal(inv.calls, 1, 'a refused login is tried once, not once per list');
      assert.equal(await count('Node'), nodes);
      await assert.rejects(importController(t.store, 9999, inv), /Controller 9999 not found/);
    });
  });
}
