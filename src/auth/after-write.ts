// What must follow a write, inside its transaction. A user whose password was changed or reset,
// or who was deactivated or deleted, is logged out everywhere: every session and API token of
// theirs ends, except the session that changed its own account (the person at the keyboard).
import type { InTransaction } from '../store/repository.js';
import type { Row } from '../model/types.js';
import type { Principal } from './principal.js';
import { sessionHash } from './credentials.js';

export interface Caller {
  principal: Principal;
  sessionToken: string | null;
}

export type AfterWrite = (inTx: InTransaction, after: Row | null, before: Row | null, caller: Caller) => Promise<void>;

export const afterWrites: Partial<Record<string, AfterWrite>> = {
  User: async (inTx, after, before, caller) => {
    if (!before) return;
    const deactivated = !after || (after.is_active === false && before.is_active !== false);
    if (!deactivated && after!.password === before.password) return;
    const keep = after && caller.principal.id === Number(before.id) ? caller.sessionToken : null;
    await inTx.accounts.revokeCredentials(Number(before.id), keep ? sessionHash(keep) : null);
  },
};
