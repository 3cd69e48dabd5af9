// Row types, inferred from the model definitions (no generated code): a definition keeps its
// literal types (define.ts), and the types below read them. Adding or changing a field in
// models/*.ts changes these types at once, and code that reads a field that is not there, or
// compares an enum with a value it cannot hold, no longer compiles.
//
//   Slice: defineModel({ ..., fields: { ...baseFields, ...syncFields, site: ref('Site', { required: true }), ... } })
//   Rows['Slice']    = { id: number; created: Date; ...; site: number; description: string | null; ... }
//   ApiRows['Slice'] = { id: number; created: string; ...; site: number; description: string | null; ... }
import type { FieldDef } from './types.js';
import type { baseFields, syncFields } from './common.js';
import type * as infrastructure from './models/infrastructure.js';
import type * as tenancy from './models/tenancy.js';
import type * as compute from './models/compute.js';
import type * as networking from './models/networking.js';
import type * as controllers from './models/controllers.js';

export type Fields = Record<string, FieldDef>;

// A field's value as both drivers return it: PGlite and pg both parse timestamptz into a Date,
// integer, double precision and integer[] into numbers, jsonb into its value, and leave inet and
// cidr as text. Secrets are stored encrypted and passwords hashed, as text.
export type StoredValue<F> = F extends { type: 'integer' | 'float' | 'ref' }
  ? number
  : F extends { type: 'boolean' }
    ? boolean
    : F extends { type: 'datetime' }
      ? Date
      : F extends { type: 'enum'; choices: readonly (infer C)[] }
        ? C
        : F extends { type: 'int_array' }
          ? number[]
          : F extends { type: 'json' }
            ? unknown
            : string; // string, text, email, url, ip, cidr, secret, password

// Columns that are NOT NULL, as the schema (src/store/schema.ts) makes them: the record keeping
// of every row, fields with a default unless nullable, and required fields unless nullable or a
// secret bound to its destination (cleared when that changes).
type AlwaysSet = 'id' | 'created' | 'updated' | 'version';
export type NotNull<K, F> = K extends AlwaysSet
  ? true
  : F extends { nullable: true }
    ? false
    : 'default' extends keyof F
      ? true
      : F extends { required: true }
        ? F extends { boundTo: readonly unknown[] }
          ? false
          : true
        : false;

type OrNull<K, F, T> = NotNull<K, F> extends true ? T : T | null;

// The row as stored, and as the store and the synchronizer read it (SELECT *).
export type StoredRow<Fs extends Fields> = { -readonly [K in keyof Fs]: OrNull<K, Fs[K], StoredValue<Fs[K]>> };

// What the API leaves out of a row (Store.present): hashes, secrets and hidden fields.
type Withheld<F> = F extends { hidden: true } ? true : F extends { type: 'password' | 'secret' } ? true : false;

// The row as the API presents it (Store.present): no withheld fields, dates as ISO text, and for a
// model with an admin password whether one is set.
export type ApiRow<Fs extends Fields> = {
  -readonly [K in keyof Fs as Withheld<Fs[K]> extends true ? never : K]: OrNull<K, Fs[K], Fs[K] extends { type: 'datetime' } ? string : StoredValue<Fs[K]>>;
} & ('admin_password' extends keyof Fs ? { has_admin_password: boolean } : unknown);

// The values a write is checked with: the stored row merged with what the client sent (dates
// may be ISO text then), defaults and derived fields. Before the store's own checks any field may
// be missing or null (what a deriver sees).
export type WriteValues<Fs extends Fields> = {
  -readonly [K in keyof Fs]?: (Fs[K] extends { type: 'datetime' } ? Date | string : StoredValue<Fs[K]>) | null;
};

// What a validator or guard sees: the store has checked that every required field is set (a
// secret may instead be kept from before, so it stays optional).
export type CheckedValues<Fs extends Fields> = WriteValues<Fs> & {
  -readonly [K in keyof Fs as Fs[K] extends { required: true; type: Exclude<FieldDef['type'], 'secret'> } ? K : never]-?: Exclude<
    WriteValues<Fs>[K],
    null | undefined
  >;
};

// ---- the models ---------------------------------------------------------------------------------

type Modules = typeof infrastructure & typeof tenancy & typeof compute & typeof networking & typeof controllers;
type AnyModel = Modules[keyof Modules];

export type ModelName = AnyModel['name'];
export type Plural = AnyModel['plural'];

// The definition of one model, with its literal types.
export type ModelOf<N extends ModelName> = Extract<AnyModel, { name: N }>;
export type ModelNamed<P extends Plural> = Extract<AnyModel, { plural: P }>['name'];

export type Rows = { [N in ModelName]: StoredRow<ModelOf<N>['fields']> };
export type ApiRows = { [N in ModelName]: ApiRow<ModelOf<N>['fields']> };

// Field names of a model, for code that names fields (filters, look-ups).
export type FieldName<N extends ModelName> = keyof ModelOf<N>['fields'] & string;

// The synchronizer's bookkeeping that every synced row carries (common.ts syncFields).
export type SyncState = StoredRow<typeof syncFields>;

// For code that handles rows of any model (the web UI's generic pages): the record keeping every
// row has, and the synchronizer's fields, as the API shows them.
export type ApiRecord = ApiRow<typeof baseFields>;
export type ApiSyncState = ApiRow<typeof syncFields>;

// Rows by their URL name ('slices'), for clients of the API.
export type ApiRowsByPlural = { [P in Plural]: ApiRows[ModelNamed<P>] };
