import type { ModelName, Rows } from './rows.js';

// The vocabulary of model definitions. A model is data: the store derives its table, the API its
// routes and JSON schemas, the UI its forms, and auth its row filters from one ModelDef.

export const FIELD_TYPES = [
  'string', // short text, bounded by maxLength
  'text', // long text
  'integer',
  'float',
  'boolean',
  'datetime',
  'json',
  'email',
  'url',
  'ip', // an IPv4 or IPv6 address
  'cidr',
  'ref', // a foreign key to another model's id
  'enum',
  'int_array', // a list of ids or numbers
  'secret', // encrypted at rest, write-only through the API
  'password', // hashed on write, never returned
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const ON_DELETE = ['cascade', 'protect', 'set_null'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export interface FieldDef {
  type: FieldType;
  label?: string;
  help?: string;
  required?: boolean; // must be given on create (and may not be set to null)
  nullable?: boolean; // may hold null; required fields never do
  default?: unknown;
  maxLength?: number;
  minLength?: number;
  min?: number;
  max?: number;
  pattern?: string; // a JSON-schema regular expression
  patternHelp?: string; // what the pattern means, for error messages
  choices?: readonly string[]; // for enum
  ref?: string; // for ref: the target model's name
  onDelete?: OnDelete; // for ref: what deleting the target does to this row (default protect)
  unique?: boolean; // unique among live rows (emails: whatever their case)
  readOnly?: boolean; // set by the server (or the synchronizer), never by a client
  createOnly?: boolean; // may be given on create, not changed afterwards
  adminOnly?: boolean; // only root admins may write it
  hidden?: boolean; // never returned by the API (password hashes)
  // For a secret: the fields that say where it is sent. A write that changes one of them clears
  // the stored secret unless the same write gives it again, so that a changed destination never
  // receives a secret that was meant for the old one.
  boundTo?: readonly string[];
  index?: boolean; // worth an index: frequently filtered
  // A required field that a create may leave out: the model's derive fills it from what this
  // names, and the error for a row that still lacks it says which default to set.
  defaultFrom?: string;
}

// Who may see rows of a model (for callers who are not root admins).
export type ReadRule =
  | { kind: 'all' } // every authenticated user
  | { kind: 'admin' } // root admins only
  | { kind: 'slice'; path: string } // rows whose slice (reached by path) the caller can see
  | { kind: 'custom'; name: string }; // a named rule in src/auth

// Who may create, change or delete rows (besides root admins, who may do anything).
export type WriteRule =
  | { kind: 'admin' }
  | { kind: 'site'; path: string; roles: readonly string[]; create?: 'admin' }
  | { kind: 'slice'; path: string }
  | { kind: 'deployment'; path: string; create?: 'admin' }
  | { kind: 'custom'; name: string };

export interface FieldError {
  field: string;
  message: string;
}

// A row of some model, when which one is known only at run time (the store, the API). Code that
// knows the model uses Rows[name] from rows.ts instead.
export type Row = Record<string, unknown>;

// What a validator may look up: live rows of other models, by id, and how many live rows match
// some values (`except`: leave this id out).
export interface ModelContext {
  get<M extends ModelName>(model: M, id: number): Promise<Rows[M] | null>;
  // Several rows of one model in one read, in the order of `ids` (null: no such live row).
  getMany<M extends ModelName>(model: M, ids: number[]): Promise<(Rows[M] | null)[]>;
  count<M extends ModelName>(model: M, where: Partial<Rows[M]>, except?: number): Promise<number>;
  // The first live row with these values, if any.
  findOne<M extends ModelName>(model: M, where: Partial<Rows[M]>): Promise<Rows[M] | null>;
  // Site-wide defaults from the configuration ([nova] default_flavor: a flavor's name).
  settings: Settings;
}

export interface Settings {
  defaultFlavor: string | null;
}

export type NavGroup = 'Infrastructure' | 'Tenancy' | 'Compute' | 'Networking' | 'Controllers';

export interface ModelDef {
  name: string; // e.g. "Slice"
  plural: string; // URL and CLI name, e.g. "slices"
  table: string; // SQL table
  label: string; // e.g. "Slice"
  fields: Record<string, FieldDef>;
  titleField: string; // the field that names a row for people
  synced?: boolean; // carries the synchronizer's bookkeeping (syncFields in common.ts)
  uniqueTogether?: readonly (readonly string[])[];
  read: ReadRule;
  write: WriteRule;
  // Written as methods, not function-typed properties: a definition's own rules take that model's
  // typed values (define.ts), and method parameters let such a definition still be a ModelDef.
  //
  // Cross-field rules that a schema cannot express. `values` is the whole row as it would be
  // after the write; `before` is null on create.
  validate?(values: Row, before: Row | null, ctx: ModelContext): Promise<FieldError[]> | FieldError[];
  // Fields the server fills from others (Node.site from its site_deployment).
  derive?(values: Row, ctx: ModelContext): Promise<Row>;
  // An invariant over the whole table that a write must keep (there is always an administrator).
  // `after` is null on delete. It returns why the write would break it (a 409), or null. Guards
  // of one model run one transaction at a time, so two writes cannot each rely on the other's row.
  guard?(after: Row | null, before: Row | null, ctx: ModelContext): Promise<string | null>;
  grantsTo?: string; // rows of this model give privileges to the user in this field
  rollsUpTo?: string; // a link row's state is part of the status of the row this field names
  // Rows of other models that are part of this row's desired state (an ImageDeployment says in
  // which deployment an Image must be): one coming, changing or going makes this row pending.
  includes?: readonly { model: string; field: string }[];
  deploymentAcl?: string; // creating a row needs the access list of the deployment in this field
  nav?: NavGroup;
  listFields?: readonly string[]; // columns a table shows by default
  searchFields?: readonly string[]; // fields that ?search= looks in
}
