// Who a write is made by, for the audit log.
export interface Actor {
  id: number | null; // null: XOS itself (seeding, the synchronizer)
  email: string | null;
}
export const SYSTEM: Actor = { id: null, email: null };
