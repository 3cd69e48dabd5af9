// The Glance reconciler against the fake cloud: an image enabled in a deployment is uploaded to
// its controllers under an id XOS derives, so that a retry finds what an earlier attempt made; an
// image of the same name already there is used as it is; a missing file is a configuration error;
// an image deleted behind XOS's back, or whose upload failed, is made again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { World } from './world.js';

describe('Glance reconciler (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  test('an image enabled in the deployment is created and uploaded; the Image reports its controller', async () => {
    const s = await w.begin();
    const img = await s.image();
    const ci = await s.appears('ControllerImage', { image: img.id });
    const row = await s.synced('ControllerImage', ci.id);
    const g = s.cloud.glance.images.get(row.glance_image_id)!;
    assert.ok(g, 'in Glance under the id recorded');
    assert.equal(g.status, 'active');
    assert.equal(g.name, img.name);
    assert.deepEqual(g.tags, ['xos', `xos-image-${img.id}`]);
    assert.equal(g.visibility, 'public');
    assert.equal(g.disk_format, 'raw');
    assert.ok(Buffer.compare(g.data!, fs.readFileSync(img.path)) === 0, 'the file, byte for byte');
    assert.equal(s.cloud.requestsTo('POST /image/v2/images')[0].json.id, g.id, 'XOS chose the id');
    assert.equal((await s.synced('Image', img.id)).backend_status, `1 - OK on ${s.tag}-ctl`);
    // Looking again finds it: nothing is made twice.
    await s.resync('ControllerImage', ci.id);
    await s.settle('ControllerImage', ci.id, (r) => r.backend_code === 1 && new Date(r.last_sync) > new Date(row.last_sync), 'looked at again');
    assert.equal(s.cloud.count('POST', '/image/v2/images'), 1);
    assert.equal(s.cloud.images.length, 1);
  });

  test('an active image of that name in the cluster is used as it is, not uploaded', async () => {
    const s = await w.begin({ start: false });
    const theirs = s.cloud.glance.addImage({ name: `${s.tag}-img` });
    await s.engine.start();
    const img = await s.image();
    const ci = await s.appears('ControllerImage', { image: img.id });
    const row = await s.synced('ControllerImage', ci.id);
    assert.equal(row.glance_image_id, theirs.id);
    assert.equal(row.backend_status, '1 - OK (image already in the cluster)');
    assert.equal(s.cloud.count('POST', '/image/v2/images'), 0);
    assert.equal(s.cloud.count('PUT', '/image/v2/images/*/file'), 0);
    // and removal leaves it: XOS did not upload it
    await s.remove('ControllerImage', ci.id);
    await s.purged('ControllerImage', ci.id);
    assert.ok(s.cloud.glance.images.has(theirs.id));
  });

  test('an upload cut off after the create is finished by the next attempt, on the same image', async () => {
    const s = await w.begin();
    s.cloud.fail('PUT /image/v2/images/*/file', { drop: true, times: 1 });
    const img = await s.image();
    const ci = await s.appears('ControllerImage', { image: img.id });
    const row = await s.synced('ControllerImage', ci.id);
    assert.equal(s.cloud.count('POST', '/image/v2/images'), 1, 'created once');
    assert.equal(s.cloud.count('PUT', '/image/v2/images/*/file'), 2, 'uploaded twice');
    assert.equal(s.cloud.images.length, 1);
    assert.equal(s.cloud.glance.images.get(row.glance_image_id)!.status, 'active');
    assert.ok(s.logs.some((l) => new RegExp(`^ControllerImage ${ci.id} reconcile: error: image ${img.name}: cannot reach image`).test(l)), s.logs.join('\n'));
  });

  test('a missing file is a configuration error on the link and on the Image', async () => {
    const s = await w.begin();
    const gone = await s.image(`${s.tag}-gone`, '/nonexistent/xos/disk.img');
    const none = await s.image(`${s.tag}-none`, null);
    const c1 = await s.appears('ControllerImage', { image: gone.id });
    const r1 = await s.failed('ControllerImage', c1.id);
    assert.equal(r1.backend_status, '2 - image file /nonexistent/xos/disk.img does not exist');
    assert.equal(r1.backend_reason, 'configuration');
    const c2 = await s.appears('ControllerImage', { image: none.id });
    const r2 = await s.failed('ControllerImage', c2.id);
    assert.equal(r2.backend_status, `2 - image ${s.tag}-none has no file and the cluster has no image of that name`);
    const i1 = await s.failed('Image', gone.id);
    assert.equal(i1.backend_status, `2 - on ${s.tag}-ctl: image file /nonexistent/xos/disk.img does not exist`);
    assert.equal(i1.backend_reason, 'dependency');
    assert.equal(s.cloud.count('POST', '/image/v2/images'), 0);
  });

  test('an image deleted behind its back is uploaded again at the next resync', async () => {
    const s = await w.begin();
    const img = await s.image();
    const ci = await s.appears('ControllerImage', { image: img.id });
    const first = await s.synced('ControllerImage', ci.id);
    s.cloud.glance.deleteImage(first.glance_image_id);
    await s.resync('ControllerImage', ci.id);
    const again = await s.settle('ControllerImage', ci.id, (r) => r.backend_code === 1 && r.glance_image_id !== first.glance_image_id, 'a new image', 10_000);
    const g = s.cloud.glance.images.get(again.glance_image_id)!;
    assert.equal(g.status, 'active');
    assert.equal(g.name, img.name);
    assert.equal(s.cloud.images.length, 1);
    // it is XOS's own too: removal deletes it. The Image goes, not only its link: the deployment's
    // policy would make a link that went alone again, and upload the image anew.
    await s.remove('Image', img.id);
    await s.purged('ControllerImage', ci.id);
    await s.purged('Image', img.id);
    assert.equal(s.cloud.glance.images.has(again.glance_image_id), false);
    assert.equal(s.cloud.images.length, 0);
  });

  test('an upload that Glance kills is made again rather than reported forever', async () => {
    const s = await w.begin();
    s.cloud.glance.nextUpload = 'killed';
    const img = await s.image();
    const ci = await s.appears('ControllerImage', { image: img.id });
    const row = await s.synced('ControllerImage', ci.id, 10_000);
    assert.equal(s.cloud.glance.images.get(row.glance_image_id)!.status, 'active');
    assert.deepEqual(s.cloud.images.map((i) => i.status), ['active'], 'the killed one is gone');
    assert.ok(s.logs.some((l) => l.includes(`reconcile: error: image ${img.name}: image PUT `) && l.includes('Error in store configuration')), s.logs.join('\n'));
    // The killed image's id is spent (Glance never gives it out again): the new one has the next.
    const posts = s.cloud.requestsTo('POST /image/v2/images').map((r) => `${r.json.id} ${r.status}`);
    const [first, second] = [...new Set(posts.map((p) => p.split(' ')[0]))];
    assert.deepEqual(posts, [`${first} 201`, `${first} 409`, `${second} 201`]);
    assert.equal(row.glance_image_id, second);
    assert.equal(s.cloud.count('DELETE', `/image/v2/images/${first}`), 1);
  });

  test('removal deletes the image XOS uploaded; a 500 on the way is retried', async () => {
    const s = await w.begin();
    const img = await s.image();
    const ci = await s.appears('ControllerImage', { image: img.id });
    const row = await s.synced('ControllerImage', ci.id);
    s.cloud.fail('DELETE /image/v2/images/*', { status: 500, times: 1 });
    await s.remove('Image', img.id);
    await s.purged('ControllerImage', ci.id);
    await s.purged('Image', img.id);
    assert.equal(s.cloud.glance.images.has(row.glance_image_id), false);
    assert.equal(s.cloud.count('DELETE', `/image/v2/images/${row.glance_image_id}`), 2);
    assert.ok(s.logs.some((l) => new RegExp(`^ControllerImage ${ci.id} remove: error: image removal:`).test(l)), s.logs.join('\n'));
  });
});
