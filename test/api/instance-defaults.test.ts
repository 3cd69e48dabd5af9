// An instance created without a flavor or an image gets its slice's defaults, else the flavor
// named by [nova] default_flavor; one that still lacks either is refused with the default to set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';

describe('instance defaults', () => {
  let plain: TestServer; // no [nova] default_flavor
  let configured: TestServer; // [nova] default_flavor = m1.medium
  const flavor = async (s: TestServer, name: string) => (await s.call(ADMIN, 'GET', `/api/core/flavors?name=${name}`)).body.items[0].id as number;
  const mk = async (s: TestServer, plural: string, body: unknown) => {
    const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    plain = await startTestServer('pglite');
    configured = await startTestServer('pglite', { XOS_NOVA_DEFAULT_FLAVOR: 'm1.medium' });
  });
  after(async () => {
    await plain?.close();
    await configured?.close();
  });

  test("the slice's default flavor and image fill what the create leaves out", async () => {
    const image = await mk(plain, 'images', { name: 'cirros' });
    const large = await flavor(plain, 'm1.large');
    const slice = await mk(plain, 'slices', { name: 'mysite_web', site: 1, default_image: image.id, default_flavor: large });
    const inst = await mk(plain, 'instances', { slice: slice.id, deployment: 1 });
    assert.equal(inst.flavor, large);
    assert.equal(inst.image, image.id);
    // What is given wins over the defaults.
    const small = await flavor(plain, 'm1.small');
    assert.equal((await mk(plain, 'instances', { slice: slice.id, deployment: 1, flavor: small })).flavor, small);
  });

  test('without a slice default, [nova] default_flavor names the flavor', async () => {
    const image = await mk(configured, 'images', { name: 'cirros' });
    const slice = await mk(configured, 'slices', { name: 'mysite_db', site: 1 });
    const inst = await mk(configured, 'instances', { slice: slice.id, deployment: 1, image: image.id });
    assert.equal(inst.flavor, await flavor(configured, 'm1.medium'));
  });

  test('a create that still lacks a flavor or an image says which default to set', async () => {
    const slice = await mk(plain, 'slices', { name: 'mysite_bare', site: 1 });
    const r = await plain.call(ADMIN, 'POST', '/api/core/instances', { slice: slice.id, deployment: 1 });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`).sort(),
      [
        "flavor: is required: give one, or set the slice's default_flavor or [nova] default_flavor",
        "image: is required: give one, or set the slice's default_image",
      ],
    );
    // Changing an instance never drops its flavor for a default.
    const image = await mk(plain, 'images', { name: 'ubuntu' });
    const inst = await mk(plain, 'instances', { slice: slice.id, deployment: 1, image: image.id, flavor: await flavor(plain, 'm1.small') });
    const cleared = await plain.call(ADMIN, 'PATCH', `/api/core/instances/${inst.id}`, { flavor: null });
    assert.equal(cleared.status, 400);
  });
});
