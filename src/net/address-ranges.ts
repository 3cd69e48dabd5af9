// Address pools hold fragmented IPv4 space: "10.0.2.3-10.0.2.15, 10.0.2.17, 10.0.2.19-10.0.2.254".
// This file turns such text into ranges and checks them against the pool's network, so that a
// bad pool is refused with a sentence before any address is handed out.
import net from 'node:net';

export interface Range {
  start: number; // addresses as unsigned 32-bit integers
  end: number;
}

export const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export interface Cidr {
  network: number;
  prefix: number;
  size: number;
}

export function parseCidr(text: string): Cidr | null {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || net.isIPv4(m[1]) === false || Number(m[2]) > 32) return null;
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  return { network: Math.floor(toInt(m[1]) / size) * size, prefix, size };
}

const inCidr = (c: Cidr, n: number) => n >= c.network && n < c.network + c.size;

export interface ParsedRanges {
  ranges: Range[];
  errors: string[];
}

// Parse "a-b, c, d-e" (a range is "first-last", with "-" or "–"; spaces around it are allowed). With a
// network, every address must lie inside it and be neither its network nor its broadcast address
// (for prefixes shorter than /31), nor the gateway.
export function parseRanges(text: string, within?: { cidr: string; gateway?: string | null }): ParsedRanges {
  const errors: string[] = [];
  const ranges: Range[] = [];
  const c = within ? parseCidr(within.cidr) : null;
  const gw = within?.gateway && net.isIPv4(within.gateway) ? toInt(within.gateway) : null;
  const parts = text.split(/[,\n]/).map((p) => p.trim());
  if (!parts.some(Boolean)) return { ranges, errors: ['give at least one address or range, e.g. "10.0.2.3-10.0.2.15, 10.0.2.17"'] };
  for (const part of parts) {
    if (!part) continue;
    const ends = part.split(/\s*[-–]\s*/);
    if (ends.length > 2 || ends.some((e) => !net.isIPv4(e))) {
      errors.push(`"${part}" is not an IPv4 address or a range "first-last"`);
      continue;
    }
    const [start, end] = [toInt(ends[0]), toInt(ends[ends.length - 1])];
    if (start > end) {
      errors.push(`"${part}" ends before it starts`);
      continue;
    }
    if (c) {
      if (!inCidr(c, start) || !inCidr(c, end)) {
        errors.push(`"${part}" is not inside ${within!.cidr}`);
        continue;
      }
      if (c.prefix < 31 && (start === c.network || end === c.network + c.size - 1)) {
        errors.push(`"${part}" includes the ${start === c.network ? 'network' : 'broadcast'} address of ${within!.cidr}`);
        continue;
      }
      if (gw !== null && gw >= start && gw <= end) {
        errors.push(`"${part}" includes the gateway ${within!.gateway}`);
        continue;
      }
    }
    ranges.push({ start, end });
  }
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].start <= sorted[i - 1].end) errors.push(`${show(sorted[i - 1])} and ${show(sorted[i])} overlap`);
  return { ranges: sorted, errors };
}

export const show = (r: Range) => (r.start === r.end ? toIp(r.start) : `${toIp(r.start)}-${toIp(r.end)}`);
export const sizeOf = (ranges: Range[]) => ranges.reduce((n, r) => n + r.end - r.start + 1, 0);

// The first address of the ranges that is not taken (lowest first, so allocation is predictable).
export function firstFree(ranges: Range[], taken: Set<number>): number | null {
  for (const r of ranges) for (let n = r.start; n <= r.end; n++) if (!taken.has(n)) return n;
  return null;
}

// Neutron's allocation_pools for a subnet.
export const allocationPools = (ranges: Range[]) => ranges.map((r) => ({ start: toIp(r.start), end: toIp(r.end) }));
