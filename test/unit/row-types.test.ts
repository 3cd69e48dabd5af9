// Row types are inferred from the model definitions (src/model/rows.ts). This file is mostly
// checked by the compiler (`npm run typecheck` includes test/): every `@ts-expect-error` line
// must fail to compile, or the typecheck fails because the directive is unused. The functions
// holding them are never called. The test at the end checks at run time what the types assume
// of the definitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { models, model } from '../../src/model/registry.js';
import type { ApiRows, ModelName, ModelOf, Plural, Rows, ApiRowsByPlural } from '../../src/model/rows.js';
import type { ModelContext } from '../../src/model/types.js';
import type { Reconciler, SyncContext } from '../../src/sync/types.js';
import { defineModel } from '../../src/model/define.js';
import { baseFields, ref } from '../../src/model/common.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>) => ok;

// ---- what a row is -------------------------------------------------------------------------

same<Rows['Slice']['id'], number>(true);
same<Rows['Slice']['created'], Date>(true); // both drivers parse timestamptz into a Date
same<Rows['Slice']['site'], number>(true); // a required reference
same<Rows['Slice']['creator'], number | null>(true); // a nullable one
same<Rows['Slice']['description'], string | null>(true);
same<Rows['Slice']['max_instances'], number>(true); // a default: never null
same<Rows['Slice']['backend_reason'], 'transient' | 'configuration' | 'unrecoverable' | 'dependency' | null>(true);
same<Rows['Image']['disk_format'], 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhd' | 'vhdx' | 'iso' | 'ami' | 'ari' | 'aki' | 'ploop'>(true);
same<Rows['Network']['permitted_slices'], number[]>(true);
same<Rows['Network']['ports'], string | null>(true);
same<Rows['Controller']['endpoint_rewrite'], unknown>(true);
same<Rows['Controller']['admin_password'], string | null>(true); // stored encrypted; cleared when its endpoint changes
same<Rows['Port']['ip'], string | null>(true); // inet comes back as text
same<Rows['User']['password'], string | null>(true); // the hash
same<Rows['ControllerSlice']['slice'], number>(true); // a link's named reference
same<Rows['SiteRole']['role'], 'admin' | 'pi' | 'tech' | 'billing'>(true);

// As the API shows it: no hashes, secrets or hidden fields, dates as text.
same<ApiRows['Slice']['created'], string>(true);
same<ApiRows['Slice']['enacted'], string | null>(true);
same<ApiRows['Controller']['has_admin_password'], boolean>(true);
same<ApiRowsByPlural['slices'], ApiRows['Slice']>(true);
same<Extract<Plural, 'controllersliceprivileges'>, 'controllersliceprivileges'>(true);

// Every reference names a model.
type RefTarget<F> = F extends { type: 'ref'; ref: infer T } ? T : never;
type RefTargets = { [N in ModelName]: RefTarget<ModelOf<N>['fields'][keyof ModelOf<N>['fields']]> }[ModelName];
same<Exclude<RefTargets, ModelName>, never>(true);

// ---- what does not compile -------------------------------------------------------------------

export function misspelledFields(slice: Rows['Slice'], user: ApiRows['User'], controller: ApiRows['Controller']) {
  void slice.max_instances;
  // @ts-expect-error: no such field
  void slice.max_instance;
  // @ts-expect-error: no such field
  void slice.site_id;
  // @ts-expect-error: the API never returns password hashes
  void user.password;
  // @ts-expect-error: nor secrets
  void controller.admin_password;
  // @ts-expect-error: nor hidden fields
  void user.lease_owner;
  // @ts-expect-error: a nullable field is not a number
  const n: number = slice.creator;
  void n;
}

export function wrongEnumValues(image: Rows['Image'], template: Rows['NetworkTemplate']) {
  // @ts-expect-error: not one of its choices
  const f: Rows['Image']['disk_format'] = 'qcow3';
  void f;
  // @ts-expect-error: the comparison can never be true
  if (image.container_format === 'tar') return;
  // @ts-expect-error: enum values are case-sensitive
  if (template.translation === 'nat') return;
}

export async function wrongModelsAndLookups(ctx: SyncContext, mctx: ModelContext) {
  const s = await ctx.get('Slice', 1);
  void s?.name;
  // @ts-expect-error: no such model
  await ctx.get('Slices', 1);
  // @ts-expect-error: no such model
  await mctx.get('slice', 1);
  // @ts-expect-error: Slice has no field "owner"
  await ctx.find('Slice', { owner: 1 });
  // @ts-expect-error: a reference is an id, not a name
  await ctx.ensure('ControllerSlice', { controller: 1, slice: 'mysite_web' });
  // @ts-expect-error: Port has no field "address"
  await ctx.setFields('Port', 1, { address: '10.0.0.1' });
  // @ts-expect-error: the row of a Network has no field "login_base"
  void (await ctx.get('Network', 1))?.login_base;
}

export function reconcilersGetTheirRows(): Reconciler<'Slice'> {
  return {
    model: model('Slice'),
    reconcile: async (row) => {
      void row.max_instances;
      // @ts-expect-error: a Slice row has no "template"
      void row.template;
      return { kind: 'done' };
    },
    remove: async () => ({ kind: 'done' }),
  };
}

export function reconcilerOfTheWrongModel(): Reconciler<'Slice'> {
  return {
    // @ts-expect-error: the reconciler of Slice rows must be for the Slice model
    model: model('Site'),
    reconcile: async () => ({ kind: 'done' }),
    remove: async () => ({ kind: 'done' }),
  };
}

// @ts-expect-error: no such model
export type NoSuchReconciler = Reconciler<'Sliec'>;

export const definitionsNameTheirOwnFields = () =>
  defineModel({
    name: 'Example',
    plural: 'examples',
    table: 'examples',
    label: 'Example',
    // @ts-expect-error: the title field must be one of its fields
    titleField: 'title',
    fields: { ...baseFields, site: ref('Site', { required: true }) },
    read: { kind: 'all' },
    write: { kind: 'admin' },
    // @ts-expect-error: so must the columns of its list
    listFields: ['id', 'sites'],
    validate: async (v, _before, ctx) => {
      const site = await ctx.get('Site', v.site); // required: set by the time rules run
      // @ts-expect-error: an Example has no "slice"
      void v.slice;
      return site ? [] : [{ field: 'site', message: 'gone' }];
    },
  });

// ---- at run time -----------------------------------------------------------------------------

test('the definitions are what the row types assume', () => {
  const byName = new Map(models.map((m) => [m.name, m]));
  assert.equal(byName.size, models.length);
  for (const m of models) {
    // A link model names its reference field; it is its target's name in snake_case.
    if (m.rollsUpTo) {
      const target = m.fields[m.rollsUpTo].ref!;
      assert.equal(m.rollsUpTo, target.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase(), m.name);
    }
    for (const [f, d] of Object.entries(m.fields)) if (d.type === 'ref') assert.ok(byName.has(d.ref!), `${m.name}.${f} refers to ${d.ref}`);
  }
  assert.equal(model('ControllerAddressPool').rollsUpTo, 'address_pool');
});
