// Drizzle tables derived from the model definitions. drizzle-kit reads this file to write the
// migrations in ./migrations, so a field added to a model becomes a migration with one command
// (`npm run db:generate`). Queries do not go through drizzle; see repository.ts.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  cidr,
  doublePrecision,
  index,
  inet,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  varchar,
  type AnyPgColumn,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
} from 'drizzle-orm/pg-core';
import { models } from '../model/registry.js';
import type { FieldDef, ModelDef } from '../model/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const tables: Record<string, PgTableWithColumns<any>> = {};

function column(m: ModelDef, field: string, d: FieldDef): PgColumnBuilderBase {
  if (field === 'id') return serial('id').primaryKey();
  let c: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (d.type) {
    case 'string':
    case 'email':
    case 'url':
      c = varchar(field, { length: d.maxLength ?? 255 });
      break;
    case 'enum':
      c = varchar(field, { length: 32 });
      break;
    case 'text':
    case 'secret':
    case 'password':
      c = text(field);
      break;
    case 'integer':
      c = integer(field);
      break;
    case 'float':
      c = doublePrecision(field);
      break;
    case 'boolean':
      c = boolean(field);
      break;
    case 'datetime':
      c = timestamp(field, { withTimezone: true, mode: 'string' });
      break;
    case 'json':
      c = jsonb(field);
      break;
    case 'ip':
      c = inet(field);
      break;
    case 'cidr':
      c = cidr(field);
      break;
    case 'int_array':
      c = integer(field).array();
      break;
    case 'ref':
      c = integer(field).references((): AnyPgColumn => tables[d.ref!].id);
      break;
  }
  if (field === 'created' || field === 'updated') c = c.notNull().defaultNow();
  else if (field === 'version') c = c.notNull().default(1);
  else if (d.default !== undefined) {
    c = Array.isArray(d.default) ? c.default(sql`'{}'`) : c.default(d.default);
    if (!d.nullable) c = c.notNull();
  } else if (d.required && !d.nullable && !d.boundTo) c = c.notNull(); // a bound secret is cleared when its destination moves
  void m;
  return c;
}

for (const m of models) {
  const cols: Record<string, PgColumnBuilderBase> = {};
  for (const [f, d] of Object.entries(m.fields)) cols[f] = column(m, f, d);
  tables[m.name] = pgTable(m.table, cols, (t) => {
    const live = sql`deleted = false`;
    const extra = [];
    for (const [f, d] of Object.entries(m.fields)) {
      // Emails are one address whatever their case (login compares them lowercased).
      if (d.unique && d.type === 'email') extra.push(uniqueIndex(`${m.table}_${f}_lower_key`).on(sql`lower(${t[f]})`).where(live));
      else if (d.unique) extra.push(uniqueIndex(`${m.table}_${f}_key`).on(t[f]).where(live));
      // References are filtered on and then sorted by id (the default order): (field, id) over
      // live rows serves both, where an index on the field alone left a backward scan of ids.
      else if (d.index && d.type === 'ref') extra.push(index(`${m.table}_${f}_idx`).on(t[f], t.id).where(live));
      else if (d.index) extra.push(index(`${m.table}_${f}_idx`).on(t[f]));
    }
    for (const fs of m.uniqueTogether ?? []) {
      const [first, ...rest] = fs.map((f) => t[f]);
      extra.push(uniqueIndex(`${m.table}_${fs.join('_')}_key`).on(first, ...rest).where(live));
    }
    if (m.synced)
      // The synchronizer's pending-work query reads only this partial index.
      extra.push(
        index(`${m.table}_pending_idx`)
          .on(t.next_retry)
          .where(sql`(deleted OR enacted IS NULL OR enacted < updated) AND NOT no_sync`),
        // "Objects in error" on the dashboard: few rows, found without scanning the table.
        index(`${m.table}_errors_idx`).on(t.id).where(sql`backend_code = 2 AND NOT deleted`),
      );
    return extra;
  });
}

// Tables that are not models: who is logged in, script tokens, and the audit trail.
export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(), // sha256 of the cookie value; the value itself is never stored
  user_id: integer('user_id').notNull().references((): AnyPgColumn => tables.User.id),
  csrf: text('csrf').notNull(),
  created: timestamp('created', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  expires: timestamp('expires', { withTimezone: true, mode: 'string' }).notNull(),
});

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: serial('id').primaryKey(),
    user_id: integer('user_id').notNull().references((): AnyPgColumn => tables.User.id),
    name: varchar('name', { length: 200 }).notNull(),
    token_hash: text('token_hash').notNull(),
    prefix: varchar('prefix', { length: 16 }).notNull(),
    created: timestamp('created', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    expires: timestamp('expires', { withTimezone: true, mode: 'string' }),
    last_used: timestamp('last_used', { withTimezone: true, mode: 'string' }),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.token_hash)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    user_id: integer('user_id'),
    user_email: varchar('user_email', { length: 255 }),
    action: varchar('action', { length: 32 }).notNull(),
    model: varchar('model', { length: 64 }).notNull(),
    object_id: integer('object_id'),
    changes: jsonb('changes'),
  },
  (t) => [index('audit_log_object_idx').on(t.model, t.object_id), index('audit_log_at_idx').on(t.at)],
);

// What the operator tools' collectors last read from each cluster, one row per controller and
// collector: the last good data (kept while the collector fails, so a failing cluster still
// shows what it had) and how the last attempt went.
export const clusterReports = pgTable(
  'cluster_reports',
  {
    controller: integer('controller')
      .notNull()
      .references((): AnyPgColumn => tables.Controller.id, { onDelete: 'cascade' }),
    collector: varchar('collector', { length: 32 }).notNull(),
    data: jsonb('data'),
    ok: boolean('ok').notNull(),
    attempted: timestamp('attempted', { withTimezone: true, mode: 'string' }).notNull(),
    last_success: timestamp('last_success', { withTimezone: true, mode: 'string' }),
    last_error: text('last_error'),
    last_error_kind: varchar('last_error_kind', { length: 32 }),
    last_error_at: timestamp('last_error_at', { withTimezone: true, mode: 'string' }),
    error_detail: jsonb('error_detail'),
    duration_ms: integer('duration_ms').notNull(),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.controller, t.collector] })],
);

export const schema = { ...tables, sessions, apiTokens, auditLog, clusterReports };
export default schema;
