// Who is calling, remembered for a second per credential (the Authorization header or session
// cookie, by its hash), so that a burst of calls does not look up the token, the user and their
// privileges on every one. What could change the answer clears it at once in this process: a
// write to a user, a privilege or a role, and the end of a session or token. Other processes'
// changes reach it within the time to live.
import { sha256 } from './passwords.js';
import type { Principal } from './principal.js';

export const PRINCIPAL_TTL_MS = 1000;

// What decides who a caller is and what they may do ('credentials': a session or token ended).
const DECIDING = new Set(['User', 'SitePrivilege', 'SlicePrivilege', 'DeploymentPrivilege', 'SiteRole', 'SliceRole', 'DeploymentRole', 'credentials']);

export interface KnownCaller {
  principal: Principal;
  csrf?: string; // a cookie session's CSRF token
  cookie?: string; // the session cookie's value
}

export class PrincipalCache {
  private readonly entries = new Map<string, { caller: KnownCaller; until: number }>();
  private epoch = 0;

  constructor(
    private readonly ttlMs = PRINCIPAL_TTL_MS,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(kind: 'header' | 'cookie', value: string): string {
    return sha256(`${kind}\0${value}`);
  }

  get(key: string): KnownCaller | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > this.now()) return e.caller;
    this.entries.delete(key);
    return undefined;
  }

  // Call before looking the caller up; pass the result to set(), which drops an answer that a
  // change made while it was being looked up may have outdated.
  begin(): number {
    return this.epoch;
  }

  set(key: string, caller: KnownCaller, begun: number) {
    if (begun !== this.epoch) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { caller, until: this.now() + this.ttlMs });
  }

  // A write to `what` (a model name, or 'credentials').
  changed(what: string) {
    if (!DECIDING.has(what)) return;
    this.epoch++;
    this.entries.clear();
  }
}
