// What must follow a write, inside its transaction. A user whose password was changed or reset,
// or who was deactivated or deleted, is logged out everywhere: every session and API token of
// theirs ends, except the session that changed its own account (the person at the keyboard).
import type { Queryable } from '../store/db.js';
import type { Row } from '../model/types.js';
import type { Principal } from './principal.js';
import { revokeCredentials } from './credentials.js';

export interface Caller {
  principal: Principal;
  sessionToken: string | null;
}

export type AfterWrite = (tx: Queryable, after: Row | null, before: Row | null, caller: Caller) => Promise<void>;

export const afterWrites: Partial<Record<string, AfterWrite>> = {
  User: async (tx, after, before, caller) => {
    if (!before) return;
    const deactivated = !after || (after.is_active === false && before.is_active !== false);
    if (!deactivated && after!.password === before.password) return;
    const keep = after && caller.principal.id === Number(before.id) ? caller.sessionToken : null;
    await revokeCredentials(tx, Number(before.id), keep);
  },
};
