// Assertions on problem+json replies (RFC 9457) and their per-field errors.
import assert from 'node:assert/strict';
import type { Reply } from './xos.js';

export function assertProblem(r: Reply, status: number, detail?: RegExp) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  if (detail) assert.match(r.body.detail, detail);
}

// A 400 whose errors name `field`, with a message matching `message`.
export function assertFieldError(r: Reply, field: string, message: RegExp) {
  assertProblem(r, 400);
  const errors: { field: string; message: string }[] = r.body.errors ?? [];
  const e = errors.find((x) => x.field === field);
  assert.ok(e, `no error for ${field}: ${JSON.stringify(r.body)}`);
  assert.match(e.message, message);
}
