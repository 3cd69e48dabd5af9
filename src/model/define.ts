// defineModel: how a model definition keeps its literal types. Its `const` type parameters make
// TypeScript infer `type: 'ref'`, `ref: 'Site'`, `required: true` or an enum's choices instead of
// widening them to FieldDef, so rows.ts can derive each model's row type from its definition.
// At run time it returns the definition as given.
import type { Fields, CheckedValues, StoredRow, WriteValues } from './rows.js';
import type { FieldError, ModelContext, ModelDef, Row } from './types.js';

// A ModelDef whose name, plural and fields are literal, whose field lists name its own fields,
// and whose rules get its typed values. It is still a ModelDef (the rules are methods there).
export interface ModelSpec<N extends string, P extends string, Fs extends Fields>
  extends Omit<ModelDef, 'name' | 'plural' | 'fields' | 'titleField' | 'listFields' | 'searchFields' | 'uniqueTogether' | 'validate' | 'derive' | 'guard'> {
  name: N;
  plural: P;
  fields: Fs;
  titleField: keyof Fs & string;
  listFields?: readonly (keyof Fs & string)[];
  searchFields?: readonly (keyof Fs & string)[];
  uniqueTogether?: readonly (readonly (keyof Fs & string)[])[];
  validate?(values: CheckedValues<Fs>, before: StoredRow<Fs> | null, ctx: ModelContext): Promise<FieldError[]> | FieldError[];
  derive?(values: WriteValues<Fs>, ctx: ModelContext): Promise<Row>;
  guard?(after: CheckedValues<Fs> | null, before: StoredRow<Fs> | null, ctx: ModelContext): Promise<string | null>;
}

export function defineModel<const N extends string, const P extends string, const Fs extends Fields>(def: ModelSpec<N, P, Fs>): ModelSpec<N, P, Fs> {
  return def;
}
