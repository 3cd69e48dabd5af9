// A list filter's text (?site=3, ?created__gte=2026-01-01) as the value its column compares with.
// Whatever the database would refuse is refused here, with the reason, because the database's
// refusal cannot say which filter it was about.
import net from 'node:net';
import { isCidr } from '../model/cidr.js';
import type { FieldType } from '../model/types.js';

const INT_MIN = -2147483648; // integer and reference columns are PostgreSQL's 4-byte integer
const INT_MAX = 2147483647;

// JavaScript's Date reaches ±275760 years and PostgreSQL's timestamptz 4713 BC to 294276 AD, but
// an ISO string outside years 1 to 9999 ("+010000-01-01", "0000-…" for 1 BC) is one that
// PostgreSQL does not read. Dates are sent as ISO strings, so they stay within those years.
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

// PostgreSQL's inet has no IPv6 zone ("fe80::1%eth0").
const isAddress = (v: string) => !v.includes('%') && (net.isIP(v) !== 0 || isCidr(v));

export function parseFilterValue(type: FieldType, v: string): unknown {
  switch (type) {
    case 'integer':
    case 'ref': {
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || n < INT_MIN || n > INT_MAX) throw new Error(`"${v}" is not a whole number from ${INT_MIN} to ${INT_MAX}`);
      return n;
    }
    case 'float':
      if (!v.trim() || Number.isNaN(Number(v))) throw new Error(`"${v}" is not a number`);
      return Number(v);
    case 'boolean':
      if (!['true', 'false'].includes(v.toLowerCase())) throw new Error(`"${v}" is not true or false`);
      return v.toLowerCase() === 'true';
    case 'datetime': {
      const t = Date.parse(v);
      if (Number.isNaN(t)) throw new Error(`"${v}" is not a date`);
      if (t < EARLIEST || t > LATEST) throw new Error(`"${v}" is not a date from 0001-01-01 to 9999-12-31 (UTC)`);
      return new Date(t).toISOString();
    }
    case 'ip':
      if (!isAddress(v)) throw new Error(`"${v}" is not an IP address or network`);
      return v;
    case 'cidr':
      if (v.includes('%') || !isCidr(v)) throw new Error(`"${v}" is not a network in CIDR form, e.g. 10.0.0.0/24`);
      return v;
    case 'json':
    case 'int_array':
      throw new Error('cannot filter on this field');
    default:
      return v;
  }
}
