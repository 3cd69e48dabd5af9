// The cache of who is calling: a second at most, forgotten at once on what could change the answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrincipalCache } from '../../src/auth/principal-cache.js';
import type { Principal } from '../../src/auth/principal.js';

const caller = (id: number) => ({ principal: { id } as unknown as Principal });

test('an entry lives for its time to live, no longer', () => {
  let now = 1000;
  const c = new PrincipalCache(1000, 100, () => now);
  const k = PrincipalCache.key('header', 'Bearer xos_abc');
  c.set(k, caller(7), c.begin());
  assert.equal(c.get(k)?.principal.id, 7);
  now += 999;
  assert.equal(c.get(k)?.principal.id, 7);
  now += 1;
  assert.equal(c.get(k), undefined);
});

test('credentials are told apart by kind and value, and stored only as hashes', () => {
  const a = PrincipalCache.key('header', 'Bearer xos_abc');
  assert.notEqual(a, PrincipalCache.key('cookie', 'Bearer xos_abc'));
  assert.notEqual(a, PrincipalCache.key('header', 'Bearer xos_abd'));
  assert.doesNotMatch(a, /xos_abc/);
});

test('a change to users, privileges, roles or credentials forgets everyone; other models do not', () => {
  const c = new PrincipalCache();
  const k = PrincipalCache.key('cookie', 's');
  for (const what of ['User', 'SitePrivilege', 'SlicePrivilege', 'DeploymentPrivilege', 'SliceRole', 'credentials']) {
    c.set(k, caller(1), c.begin());
    c.changed('Instance');
    c.changed('Slice');
    assert.ok(c.get(k), `kept after Instance/Slice writes (${what})`);
    c.changed(what);
    assert.equal(c.get(k), undefined, `forgotten after ${what}`);
  }
});

test('an answer looked up across a change is not kept', () => {
  const c = new PrincipalCache();
  const k = PrincipalCache.key('header', 'Basic x');
  const begun = c.begin();
  c.changed('SlicePrivilege'); // revoked while the lookup ran
  c.set(k, caller(1), begun);
  assert.equal(c.get(k), undefined);
});
