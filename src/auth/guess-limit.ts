// Password guessing limits, shared by HTTP Basic (which checks a password on every request) and
// POST /api/auth/login, so that both draw on one budget. Only wrong passwords count, per client
// address and per account: after `max` of them in a window, every password attempt from that
// address, and every one against that account from anywhere, is refused until the window ends.
// Correct passwords are refused too while blocked, or the answer would still tell a guess apart;
// they never add to or reset a count, so callers who know their password are never limited by
// their own traffic.
//
// The counts live in this process's memory: several API processes each count on their own, so a
// guesser spread over them gets `max` guesses per window from each.

export interface GuessLimitOptions {
  max: number; // wrong passwords per window, per client address and per account
  windowMs: number;
  now?: () => number; // for tests
}

interface Window {
  count: number;
  ends: number;
}

// An attacker who varies the account name or (behind a proxy) the address makes a new entry per
// try; past this many, expired entries go first, then the oldest.
const MAX_ENTRIES = 100_000;

export class GuessLimit {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;

  constructor(private readonly opts: GuessLimitOptions) {
    this.now = opts.now ?? Date.now;
  }

  // Seconds until attempts from `client` against `account` are accepted again; 0 when they are.
  retryAfter(client: string, account: string): number {
    const now = this.now();
    let until = 0;
    for (const key of keys(client, account)) {
      const w = this.windows.get(key);
      if (w && w.ends > now && w.count >= this.opts.max) until = Math.max(until, w.ends);
    }
    return until ? Math.ceil((until - now) / 1000) : 0;
  }

  // A wrong password from `client` for `account`.
  failed(client: string, account: string) {
    const now = this.now();
    for (const key of keys(client, account)) {
      const w = this.windows.get(key);
      if (w && w.ends > now) w.count++;
      else {
        this.windows.delete(key); // re-inserted last, so the oldest windows stay first
        this.windows.set(key, { count: 1, ends: now + this.opts.windowMs });
      }
    }
    if (this.windows.size > MAX_ENTRIES) this.prune(now);
  }

  private prune(now: number) {
    for (const [key, w] of this.windows) if (w.ends <= now) this.windows.delete(key);
    for (const key of this.windows.keys()) {
      if (this.windows.size <= MAX_ENTRIES) break;
      this.windows.delete(key);
    }
  }
}

// Account names are compared as the login does: email addresses, whatever their case. A Basic
// header without a name counts against its address only.
const keys = (client: string, account: string) => [`client\0${client}`, ...(account ? [`account\0${account.toLowerCase()}`] : [])];
