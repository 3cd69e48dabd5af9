// Who may log in and how: live users by email or id, login sessions and API tokens (stored by
// the hash of their value only; hashing is the caller's), and the privileges a user holds.
import type { Row } from '../model/types.js';
import type { Queryable } from './db.js';

const liveUser = 'u.deleted = false AND u.is_active = true';
const SAME_PLAN = { reusePlan: true } as const; // asked on every request by a caller not known from a moment ago
const LAST_USED_STEP_SECONDS = 60; // how old a token's last use may be before it is written again

export interface Privileges {
  sites: { site: number; role: string }[];
  slices: { slice: number; role: string }[];
  deployments: number[]; // where the user is a deployment admin
}

export class Accounts {
  // onRevoke: told when a session or token ends, so that whoever remembers callers forgets them.
  constructor(
    private readonly db: Queryable,
    private readonly onRevoke: () => void = () => {},
  ) {}

  async userByEmail(email: string): Promise<Row | null> {
    const [u] = await this.db.query(`SELECT * FROM users u WHERE lower(u.email) = lower($1) AND ${liveUser}`, [email]);
    return u ?? null;
  }

  async userById(id: number): Promise<Row | null> {
    const [u] = await this.db.query(`SELECT * FROM users u WHERE u.id = $1 AND ${liveUser}`, [id]);
    return u ?? null;
  }

  async createSession(idHash: string, userId: number, csrf: string, expires: Date) {
    await this.db.query('INSERT INTO sessions (id, user_id, csrf, expires) VALUES ($1, $2, $3, $4)', [idHash, userId, csrf, expires.toISOString()]);
    await this.db.query('DELETE FROM sessions WHERE expires < now()'); // keep the table small
  }

  // The live user of an unexpired session, and the session's CSRF token.
  async findSession(idHash: string): Promise<{ user: Row; csrf: string } | null> {
    const [row] = await this.db.query<Row & { _csrf: string }>(
      `SELECT u.*, s.csrf AS _csrf FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.expires > now() AND ${liveUser}`,
      [idHash],
    );
    if (!row) return null;
    const { _csrf, ...user } = row;
    return { user, csrf: _csrf };
  }

  async deleteSession(idHash: string) {
    await this.db.query('DELETE FROM sessions WHERE id = $1', [idHash]);
    this.onRevoke();
  }

  // Ends every session and API token of a user, but for one session.
  async revokeCredentials(userId: number, keepSessionHash: string | null = null) {
    await this.db.query('DELETE FROM sessions WHERE user_id = $1 AND id <> $2', [userId, keepSessionHash ?? '']);
    await this.db.query('DELETE FROM api_tokens WHERE user_id = $1', [userId]);
    this.onRevoke();
  }

  async createToken(userId: number, name: string, tokenHash: string, prefix: string, expires: string | null): Promise<Row> {
    const [row] = await this.db.query<Row>(
      'INSERT INTO api_tokens (user_id, name, token_hash, prefix, expires) VALUES ($1, $2, $3, $4, $5) RETURNING id, name, prefix, created, expires',
      [userId, name, tokenHash, prefix, expires],
    );
    return row;
  }

  // The live user of an unexpired token. Its last use is noted on the side, to the minute: a
  // write for every request would cost more than the request's own reads.
  async findToken(tokenHash: string): Promise<Row | null> {
    const [row] = await this.db.query<Row & { _tid: number; _note: boolean }>(
      `SELECT u.*, t.id AS _tid, (t.last_used IS NULL OR t.last_used < now() - interval '${LAST_USED_STEP_SECONDS} seconds') AS _note
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND (t.expires IS NULL OR t.expires > now()) AND ${liveUser}`,
      [tokenHash],
      SAME_PLAN,
    );
    if (!row) return null;
    const { _tid, _note, ...user } = row;
    if (_note) void this.db.query('UPDATE api_tokens SET last_used = now() WHERE id = $1', [_tid]).catch(() => {});
    return user;
  }

  listTokens(userId: number): Promise<Row[]> {
    return this.db.query('SELECT id, name, prefix, created, expires, last_used FROM api_tokens WHERE user_id = $1 ORDER BY id', [userId]);
  }

  async deleteToken(userId: number, id: number): Promise<boolean> {
    const deleted = (await this.db.query('DELETE FROM api_tokens WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId])).length > 0;
    this.onRevoke();
    return deleted;
  }

  // One statement: it runs whenever a caller is not known from a moment ago.
  async privileges(userId: number): Promise<Privileges> {
    const rows = await this.db.query<{ kind: 'site' | 'slice' | 'deployment'; id: number; role: string }>(
      `SELECT 'site' AS kind, p.site AS id, r.role FROM site_privileges p JOIN site_roles r ON r.id = p.role
        WHERE p."user" = $1 AND p.deleted = false
       UNION ALL
       SELECT 'slice', p.slice, r.role FROM slice_privileges p JOIN slice_roles r ON r.id = p.role
        WHERE p."user" = $1 AND p.deleted = false
       UNION ALL
       SELECT 'deployment', p.deployment, r.role FROM deployment_privileges p JOIN deployment_roles r ON r.id = p.role
        WHERE p."user" = $1 AND p.deleted = false AND r.role = 'admin'`,
      [userId],
      SAME_PLAN,
    );
    const out: Privileges = { sites: [], slices: [], deployments: [] };
    for (const r of rows) {
      const id = Number(r.id);
      if (r.kind === 'site') out.sites.push({ site: id, role: r.role });
      else if (r.kind === 'slice') out.slices.push({ slice: id, role: r.role });
      else out.deployments.push(id);
    }
    return out;
  }
}
