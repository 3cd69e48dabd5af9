// The guess counter on its own, on a clock the test moves: when a block starts and when it ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuessLimit } from '../../src/auth/guess-limit.js';

function limiter() {
  let now = 1_000_000;
  const g = new GuessLimit({ max: 2, windowMs: 60_000, now: () => now });
  return { g, tick: (ms: number) => (now += ms) };
}

test('the block lasts until the window of the first wrong password ends, and says how long', () => {
  const { g, tick } = limiter();
  g.failed('1.1.1.1', 'a@example.com');
  tick(10_000);
  assert.equal(g.retryAfter('1.1.1.1', 'a@example.com'), 0, 'one wrong password is below the limit');
  g.failed('1.1.1.1', 'a@example.com');
  assert.equal(g.retryAfter('1.1.1.1', 'a@example.com'), 50);
  assert.equal(g.retryAfter('1.1.1.1', 'b@example.com'), 50, 'the address is blocked');
  assert.equal(g.retryAfter('2.2.2.2', 'A@Example.com'), 50, 'the account is blocked, whatever the case of its email');
  assert.equal(g.retryAfter('2.2.2.2', 'b@example.com'), 0);
  tick(49_500);
  assert.equal(g.retryAfter('1.1.1.1', 'a@example.com'), 1, 'Retry-After rounds up');
  tick(500);
  assert.equal(g.retryAfter('1.1.1.1', 'a@example.com'), 0, 'the window has passed');
  g.failed('1.1.1.1', 'a@example.com');
  assert.equal(g.retryAfter('1.1.1.1', 'a@example.com'), 0, 'a new window counts from zero');
});

test('wrong passwords from different addresses add up on the account', () => {
  const { g } = limiter();
  g.failed('1.1.1.1', 'a@example.com');
  g.failed('2.2.2.2', 'a@example.com');
  assert.equal(g.retryAfter('3.3.3.3', 'a@example.com'), 60);
  assert.equal(g.retryAfter('1.1.1.1', 'b@example.com'), 0, 'neither address reached the limit');
});
