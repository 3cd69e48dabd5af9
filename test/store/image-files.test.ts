import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTestStore, type TestStore } from '../helpers/xos.js';
import { scanImageDirectory } from '../../src/sync/image-files.js';
import { model } from '../../src/model/registry.js';

let t: TestStore;
before(async () => {
  t = await openTestStore('pglite');
});
after(() => t.close());

test('files in the images directory become Images, once; files still being written wait', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-images-'));
  const old = Date.now() - 60_000;
  for (const f of ['ubuntu-22.04.qcow2', 'cirros.img', '.hidden.qcow2']) {
    fs.writeFileSync(path.join(dir, f), 'x');
    fs.utimesSync(path.join(dir, f), old / 1000, old / 1000);
  }
  fs.writeFileSync(path.join(dir, 'partial.qcow2'), 'x'); // just written
  const first = await scanImageDirectory(t.store, dir);
  assert.deepEqual(first.created.sort(), ['cirros', 'ubuntu-22.04']);
  assert.deepEqual(first.skipped.map((s) => [path.basename(s.file), s.reason]), [['partial.qcow2', 'still being written']]);
  const images = (await t.store.list(model('Image'), { sort: 'name' })).items;
  assert.deepEqual(images.map((i) => [i.name, i.disk_format, i.path]), [
    ['cirros', 'raw', path.join(dir, 'cirros.img')],
    ['ubuntu-22.04', 'qcow2', path.join(dir, 'ubuntu-22.04.qcow2')],
  ]);
  const second = await scanImageDirectory(t.store, dir, 5000, Date.now() + 60_000);
  assert.deepEqual(second.created, ['partial']);
  assert.equal((await scanImageDirectory(t.store, dir, 0)).created.length, 0, 'nothing twice');
});
