import type { FieldDef } from './types.js';

// Fields every row carries. `updated` moves only when desired state changes; `version` moves on
// every write of the row's own fields (it is the ETag that If-Match checks), but not when the
// synchronizer reports what it observed, so a status change never turns a person's edit into a
// conflict.
export const baseFields = {
  id: { type: 'integer', readOnly: true },
  created: { type: 'datetime', readOnly: true },
  updated: { type: 'datetime', readOnly: true },
  version: { type: 'integer', readOnly: true },
  deleted: { type: 'boolean', readOnly: true, default: false },
  write_protect: { type: 'boolean', default: false, adminOnly: true, help: 'When set, the row cannot be deleted.' },
} as const satisfies Record<string, FieldDef>;

// The synchronizer's bookkeeping on every synced row: what it last achieved and when it tries again.
export const syncFields = {
  enacted: { type: 'datetime', readOnly: true, nullable: true, help: 'When the backend last matched this row.' },
  backend_code: { type: 'integer', readOnly: true, default: 0, help: '0 pending, 1 ok, 2 error' },
  backend_status: { type: 'string', maxLength: 1024, readOnly: true, default: '0 - Provisioning in progress' },
  backend_reason: {
    type: 'enum',
    choices: ['transient', 'configuration', 'unrecoverable', 'dependency'],
    readOnly: true,
    nullable: true,
  },
  backend_request_id: { type: 'string', maxLength: 128, readOnly: true, nullable: true },
  last_sync: { type: 'datetime', readOnly: true, nullable: true },
  next_retry: { type: 'datetime', readOnly: true, nullable: true },
  retry_count: { type: 'integer', readOnly: true, default: 0 },
  lease_owner: { type: 'string', maxLength: 128, readOnly: true, nullable: true, hidden: true },
  lease_until: { type: 'datetime', readOnly: true, nullable: true, hidden: true },
  no_sync: { type: 'boolean', default: false, adminOnly: true, help: 'Keep the synchronizer away from this row.' },
} as const satisfies Record<string, FieldDef>;

// Reusable field shapes. They are generic, and return exact types, so that a definition keeps
// what they add (`required: true`, `ref: 'Site'`) as literal types for rows.ts.

// `extra` overrides the shape's own attributes (name(200, { index: false })). TypeScript types a
// spread of a generic object as an intersection (`index: true & false`), so the helpers below
// state the merged type themselves.
type With<Base, Extra> = Omit<Base, keyof Extra> & Extra;

type NameField = { type: 'string'; required: true; minLength: 1; maxLength: number; index: true };
export function name<const E extends Partial<FieldDef> = {}>(maxLength = 200, extra?: E): With<NameField, E> {
  return { type: 'string', required: true, minLength: 1, maxLength, index: true, ...extra } as With<NameField, E>;
}
type RefField<T> = { type: 'ref'; ref: T; index: true };
export function ref<const T extends string, const E extends Partial<FieldDef> = {}>(target: T, extra?: E): With<RefField<T>, E> {
  return { type: 'ref', ref: target, index: true, ...extra } as With<RefField<T>, E>;
}
export const backendId = <const L extends string>(label: L) => ({ type: 'string', maxLength: 64, nullable: true, readOnly: true, label }) as const;
