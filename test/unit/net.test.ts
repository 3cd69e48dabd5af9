// Address ranges and port-forwarding specs: the text operators type, and the errors they get.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocationPools, firstFree, parseRanges, sizeOf, toInt } from '../../src/net/address-ranges.js';
import { formatForward, parsePortForwards } from '../../src/net/port-forward.js';

const within = { cidr: '10.0.2.0/24', gateway: '10.0.2.1' };

test('fragmented ranges parse, sorted, with their size', () => {
  const r = parseRanges('10.0.2.19-10.0.2.254, 10.0.2.3–10.0.2.15,10.0.2.17', within);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(allocationPools(r.ranges), [
    { start: '10.0.2.3', end: '10.0.2.15' },
    { start: '10.0.2.17', end: '10.0.2.17' },
    { start: '10.0.2.19', end: '10.0.2.254' },
  ]);
  assert.equal(sizeOf(r.ranges), 13 + 1 + 236);
});

test('malformed, outside, overlapping ranges and the gateway are refused with the reason', () => {
  const errs = (t: string) => parseRanges(t, within).errors;
  assert.match(errs('10.0.2.300')[0], /"10.0.2.300" is not an IPv4 address/);
  assert.match(errs('10.0.2.9-10.0.2.4')[0], /ends before it starts/);
  assert.match(errs('10.0.3.5')[0], /not inside 10.0.2.0\/24/);
  assert.match(errs('10.0.2.0-10.0.2.5')[0], /network address/);
  assert.match(errs('10.0.2.250-10.0.2.255')[0], /broadcast address/);
  assert.match(errs('10.0.2.1-10.0.2.5')[0], /gateway 10.0.2.1/);
  assert.match(errs('10.0.2.3-10.0.2.15, 10.0.2.10-10.0.2.20')[0], /10.0.2.3-10.0.2.15 and 10.0.2.10-10.0.2.20 overlap/);
  assert.match(errs(' , ')[0], /at least one address/);
});

test('the first free address skips the taken ones and the holes', () => {
  const { ranges } = parseRanges('10.0.2.3-10.0.2.4, 10.0.2.17', within);
  assert.equal(firstFree(ranges, new Set()), toInt('10.0.2.3'));
  assert.equal(firstFree(ranges, new Set([toInt('10.0.2.3'), toInt('10.0.2.4')])), toInt('10.0.2.17'));
  assert.equal(firstFree(ranges, new Set(['10.0.2.3', '10.0.2.4', '10.0.2.17'].map(toInt))), null);
});

test('port-forwarding specs: space or "/", ranges with "-" or ":"', () => {
  const r = parsePortForwards('tcp 80, udp/53, TCP 8000:8010, udp 6000-6001');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.forwards.map(formatForward), ['tcp 80', 'udp 53', 'tcp 8000:8010', 'udp 6000:6001']);
  assert.deepEqual(parsePortForwards('').forwards, []);
});

test('bad port-forwarding specs say what is wrong with which entry', () => {
  const errs = (t: string) => parsePortForwards(t).errors;
  assert.match(errs('icmp 80')[0], /"icmp 80": protocol must be tcp or udp/);
  assert.match(errs('tcp 70000')[0], /port 70000 is outside 1-65535/);
  assert.match(errs('tcp 0')[0], /port 0 is outside/);
  assert.match(errs('tcp 90:80')[0], /range ends before it starts/);
  assert.match(errs('tcp')[0], /"tcp" is not "<tcp\|udp> <port>"/);
  assert.match(errs('tcp 80, tcp 79:81')[0], /"tcp 79:81" overlaps "tcp 80"/);
  assert.deepEqual(errs('udp 80, tcp 80'), []);
});
