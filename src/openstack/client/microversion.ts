/**
 * API microversions (Nova, Placement, and others that follow the same scheme).
 *
 * The client reads the service's version document, takes min(client max, server
 * max) and sends it on every call, so that responses have the shape the client was
 * written for, whatever the cluster's release. The document comes in three
 * envelopes, which are normalised here:
 *   {"version": {...}}  {"versions": [{...}, ...]}  {"versions": {"values": [...]}}
 * Nova names the maximum "version", the others "max_version".
 */

export interface VersionRange {
  min: string;
  max: string;
}

interface VersionEntry {
  id?: string;
  status?: string;
  version?: string;
  max_version?: string;
  min_version?: string;
}

/**
 * The microversion range the document advertises, or undefined when the service
 * has no microversions (empty or missing min/max).
 * `preferredId` (e.g. "v2.1") picks an entry from a list; otherwise the CURRENT one.
 */
export function parseVersionDocument(doc: unknown, preferredId?: string): VersionRange | undefined {
  const entries = versionEntries(doc);
  const withRange = entries.filter((e) => (e.max_version || e.version) && e.min_version);
  const chosen =
    (preferredId ? withRange.find((e) => e.id === preferredId) : undefined) ??
    withRange.find((e) => e.status?.toUpperCase() === 'CURRENT') ??
    withRange[0];
  if (!chosen) return undefined;
  return { min: chosen.min_version!, max: (chosen.max_version || chosen.version)! };
}

function versionEntries(doc: unknown): VersionEntry[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const d = doc as { version?: VersionEntry; versions?: VersionEntry[] | { values?: VersionEntry[] } };
  if (d.version && typeof d.version === 'object') return [d.version];
  if (Array.isArray(d.versions)) return d.versions;
  if (d.versions && Array.isArray(d.versions.values)) return d.versions.values;
  return [];
}

/** Compares "2.9" and "2.10" numerically, part by part. */
export function compareMicroversions(a: string, b: string): number {
  const pa = parseMicroversion(a);
  const pb = parseMicroversion(b);
  return pa[0] - pb[0] || pa[1] - pb[1];
}

function parseMicroversion(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) throw new Error(`not a microversion: "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

export type NegotiationResult =
  | { ok: true; version: string | undefined }
  | { ok: false; reason: string };

/**
 * min(client max, server max), provided it is not below either minimum. A server
 * without microversions gets no header (`version` undefined), which is fine as long
 * as the client can work at its own minimum.
 */
export function negotiateMicroversion(server: VersionRange | undefined, client: VersionRange): NegotiationResult {
  if (!server) return { ok: true, version: undefined };
  const version = compareMicroversions(client.max, server.max) <= 0 ? client.max : server.max;
  if (compareMicroversions(version, client.min) < 0) {
    return { ok: false, reason: `the server supports up to ${server.max}, the client needs at least ${client.min}` };
  }
  if (compareMicroversions(version, server.min) < 0) {
    return { ok: false, reason: `the server needs at least ${server.min}, the client supports up to ${client.max}` };
  }
  return { ok: true, version };
}

/** the lower of two microversions, for calls that must not go above a given one */
export function capMicroversion(version: string | undefined, cap: string): string | undefined {
  if (version === undefined) return undefined;
  return compareMicroversions(version, cap) <= 0 ? version : cap;
}

/**
 * The standard header, plus the legacy per-service header that older releases
 * read instead (as gophercloud's setMicroversionHeader does).
 */
export function microversionHeaders(serviceType: string, version: string): Record<string, string> {
  const headers: Record<string, string> = { 'OpenStack-API-Version': `${serviceType} ${version}` };
  const legacy: Record<string, string> = {
    compute: 'X-OpenStack-Nova-API-Version',
    volume: 'X-OpenStack-Volume-API-Version',
    sharev2: 'X-OpenStack-Manila-API-Version',
  };
  const legacyName = legacy[serviceType];
  if (legacyName) headers[legacyName] = version;
  return headers;
}
