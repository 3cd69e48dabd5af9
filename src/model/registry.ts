import * as infrastructure from './models/infrastructure.js';
import * as tenancy from './models/tenancy.js';
import * as compute from './models/compute.js';
import * as networking from './models/networking.js';
import * as controllers from './models/controllers.js';
import type { ModelDef } from './types.js';
import type { ModelName } from './rows.js';
import { baseFields, syncFields } from './common.js';

// Every model, in an order where references point backwards where they can (the dependency order
// the synchronizer starts from). Adding a model means adding it to one of the files above.
export const models: ModelDef[] = [
  ...Object.values(infrastructure),
  ...Object.values(tenancy),
  ...Object.values(compute),
  ...Object.values(networking),
  ...Object.values(controllers),
];

// Field names come from clients (filters, sort keys, bodies): a lookup of "constructor" or
// "toString" must find nothing, not what every object inherits.
for (const m of models) Object.setPrototypeOf(m.fields, null);

// A model's own field must never replace a common one (a Controller "version" once replaced the
// row version and broke every write to controllers).
for (const m of models)
  for (const [f, d] of Object.entries({ ...baseFields, ...(m.synced ? syncFields : {}) }))
    if (m.fields[f] !== d) throw new Error(`model ${m.name}: field "${f}" is reserved for every ${m.synced ? 'synced ' : ''}row`);

const byName = new Map(models.map((m) => [m.name, m]));

// `rollsUpTo` and `includes` name a reference to the row they speak of.
for (const m of models) {
  if (m.rollsUpTo && m.fields[m.rollsUpTo]?.type !== 'ref') throw new Error(`model ${m.name}: rollsUpTo "${m.rollsUpTo}" is not a reference`);
  for (const inc of m.includes ?? []) {
    const f = byName.get(inc.model)?.fields[inc.field];
    if (f?.type !== 'ref' || f.ref !== m.name) throw new Error(`model ${m.name}: includes ${inc.model}.${inc.field}, which is not a reference to ${m.name}`);
    if (!m.synced) throw new Error(`model ${m.name}: only synced models can include rows of others`);
  }
}
const byPlural = new Map(models.map((m) => [m.plural, m]));

// By a literal name, a definition that says which model it is (what Reconciler<'Slice'> checks).
export function model<N extends ModelName>(name: N): ModelDef & { name: N };
export function model(name: string): ModelDef;
export function model(name: string): ModelDef {
  const m = byName.get(name);
  if (!m) throw new Error(`unknown model ${name}`);
  return m;
}
export const modelByPlural = (plural: string) => byPlural.get(plural);

// Fields of other models that reference `name`: what deleting a row of it touches.
export function referencesTo(name: string): { model: ModelDef; field: string }[] {
  const out: { model: ModelDef; field: string }[] = [];
  for (const m of models)
    for (const [f, d] of Object.entries(m.fields)) if (d.type === 'ref' && d.ref === name) out.push({ model: m, field: f });
  return out;
}

// Link models whose rows hold the state of a `name` row on one controller (ControllerSlice for
// Slice): when the row's desired state changes, so does theirs.
export function linksTo(name: string): { model: ModelDef; field: string }[] {
  return models.filter((m) => m.rollsUpTo && m.fields[m.rollsUpTo].ref === name).map((m) => ({ model: m, field: m.rollsUpTo! }));
}

// Synced models whose desired state includes rows of `name` (Image for ImageDeployment), with
// the field of `name` that points at them.
export function includedIn(name: string): { model: ModelDef; field: string }[] {
  return models.flatMap((m) => (m.includes ?? []).filter((i) => i.model === name).map((i) => ({ model: m, field: i.field })));
}
