// Purging a deleted object also removes the deleted rows of unsynced models that hang off it
// (an image's deployment enablements, a slice's network memberships); otherwise their foreign
// keys would keep the object waiting forever.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestStore, type TestStore } from '../helpers/xos.js';
import { model } from '../../src/model/registry.js';
import { SYSTEM } from '../../src/store/repository.js';
import { dbOf } from '../../src/store/inspect.js';

for (const backend of backends) {
  describe(`purge on ${backend}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(backend);
    });
    after(() => t.close());

    test('an image with a deployment enablement leaves the database with it', async () => {
      const dep = await t.store.create(model('Deployment'), { name: 'purge-dep' }, SYSTEM);
      const img = await t.store.create(model('Image'), { name: 'purge-img' }, SYSTEM);
      const en = await t.store.create(model('ImageDeployment'), { image: img.id, deployment: dep.id }, SYSTEM);
      await t.store.delete(model('Image'), Number(img.id), SYSTEM);
      const [enRow] = await dbOf(t.store).query('SELECT deleted FROM image_deployments WHERE id = $1', [en.id]);
      assert.equal(enRow.deleted, true, 'the enablement is soft-deleted with its image');
      const row = await t.store.raw(model('Image'), Number(img.id));
      assert.equal(await t.store.sync.purge(model('Image'), row!), true);
      assert.equal((await dbOf(t.store).query('SELECT id FROM images WHERE id = $1', [img.id])).length, 0);
      assert.equal((await dbOf(t.store).query('SELECT id FROM image_deployments WHERE id = $1', [en.id])).length, 0);
    });

    test('a live unsynced row still holds its target', async () => {
      const dep = await t.store.create(model('Deployment'), { name: 'purge-dep2' }, SYSTEM);
      const img = await t.store.create(model('Image'), { name: 'purge-img2' }, SYSTEM);
      await dbOf(t.store).query('UPDATE images SET deleted = true WHERE id = $1', [img.id]); // deleted behind the store's back
      await dbOf(t.store).query('INSERT INTO image_deployments (image, deployment) VALUES ($1, $2)', [img.id, dep.id]);
      const row = await t.store.raw(model('Image'), Number(img.id));
      assert.equal(await t.store.sync.purge(model('Image'), row!), false);
      assert.equal((await dbOf(t.store).query('SELECT id FROM images WHERE id = $1', [img.id])).length, 1);
    });
  });
}
