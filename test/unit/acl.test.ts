import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aclAllows, globMatch, parseAcl } from '../../src/model/acl.js';

const allows = (text: string, email: string, site: string) => {
  const { rules, errors } = parseAcl(text);
  assert.deepEqual(errors, []);
  return aclAllows(rules, { email, siteNames: [site] });
};

test('fnmatch-style patterns', () => {
  assert.ok(globMatch('Max Planck*', 'Max Planck Institute'));
  assert.ok(globMatch('*@foo.com', 'bob@FOO.com'));
  assert.ok(globMatch('site?', 'site1'));
  assert.ok(globMatch('[ab]x', 'bx'));
  assert.ok(!globMatch('[!ab]x', 'ax'));
  assert.ok(!globMatch('a.c', 'abc'), 'a dot is literal');
  assert.ok(!globMatch('*@foo.com', 'bob@foo.com.evil'));
});

test('first match wins, and the implicit last rule is deny', () => {
  const acl = 'deny user *@foo.com\nallow site Princeton*';
  assert.equal(allows(acl, 'bob@foo.com', 'Princeton'), false);
  assert.equal(allows(acl, 'ann@bar.org', 'Princeton University'), true);
  assert.equal(allows(acl, 'ann@bar.org', 'Stanford'), false);
  assert.equal(allows('allow all', 'x@y', 'z'), true);
  assert.equal(allows('', 'x@y', 'z'), false);
  assert.equal(allows('allow site Stanford; deny all', 'x@y', 'Stanford'), true);
  assert.equal(allows('deny all\nallow all', 'x@y', 'z'), false);
});

test('malformed rules are reported with their position', () => {
  const { errors } = parseAcl('allow all\npermit site x\nallow site');
  assert.equal(errors.length, 2);
  assert.match(errors[0], /rule 2 "permit site x": expected/);
  assert.match(errors[1], /rule 3 "allow site": "site" needs a pattern/);
});
