// If-Match (RFC 9110 §13.1.1): a well-formed list of entity-tags none of which is the row's
// current one is a 412, whatever the tags look like; a list matches when any of its tags does;
// only a header that is no list of entity-tags at all is a 400.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startTestServer, type TestServer } from '../helpers/xos.js';
import { assertFieldError, assertProblem } from '../helpers/problem.js';

describe('If-Match', () => {
  let s: TestServer;
  let url: string;
  const patch = (ifMatch: string, description = 'x') => s.call(ADMIN, 'PATCH', url, { description }, { 'if-match': ifMatch });
  const etag = async () => String((await s.call(ADMIN, 'GET', url)).headers.etag);
  before(async () => {
    s = await startTestServer('pglite');
    const r = await s.call(ADMIN, 'POST', '/api/core/slices', { name: 'mysite_ifmatch', site: 1 });
    assert.equal(r.status, 201);
    url = `/api/core/slices/${r.body.id}`;
  });
  after(() => s?.close());

  test('well-formed tags that are not the current one: 412, and nothing changes', async () => {
    const current = await etag();
    for (const h of ['"stale-etag-0"', 'W/"abc"', '"0"', '""', '"0", "stale", W/"x"', '"a,b"', '"\x80\xff"'])
      assertProblem(await patch(h, `changed by ${h}`), 412, /has changed/);
    assert.equal(await etag(), current);
    assertProblem(await s.call(ADMIN, 'DELETE', url, undefined, { 'if-match': '"stale-etag-0"' }), 412);
  });

  // A weak tag matches its strong twin: a compressing proxy weakens the tags it passes on (etag.ts).
  test('a list matches when any of its tags is the current one, commas inside tags included', async () => {
    const lists = (t: string) => [`"0", ${t}`, `${t},"stale"`, ` , ${t} ,`, `"x,y", ${t}`, `W/"0",\t${t}`, `W/${t}`, '*'];
    for (let i = 0; i < lists('').length; i++) {
      const current = await etag();
      const h = lists(current)[i];
      const r = await patch(h, `step ${i}`);
      assert.equal(r.status, 200, `${h}: ${JSON.stringify(r.body)}`);
      assert.notEqual(r.headers.etag, current);
    }
  });

  test('a header that is not a list of entity-tags: 400 naming If-Match', async () => {
    const current = await etag();
    for (const h of ['abc', '"unterminated', '1', `${current} ${current}`, `${current},abc`, `*, ${current}`, `w/${current}`, `W/ ${current}`, ' , ', '"a"b"', '"\x7f"', '"1 "'])
      assertFieldError(await patch(h), 'If-Match', /entity-tags/);
    assert.equal(await etag(), current);
  });

  test('DELETE takes the same list', async () => {
    const current = await etag();
    assertProblem(await s.call(ADMIN, 'DELETE', url, undefined, { 'if-match': '"stale", W/"x"' }), 412);
    assert.equal((await s.call(ADMIN, 'DELETE', url, undefined, { 'if-match': `"stale", ${current}` })).status, 204);
  });
});
