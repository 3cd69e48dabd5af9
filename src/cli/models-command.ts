// `xos models [type]`: the object types, or one type's fields with their types, marks, choices
// and help, all read from the model definitions.
import type { Command } from 'commander';
import { models } from '../model/registry.js';
import type { FieldDef, ModelDef } from '../model/types.js';
import { baseFields, syncFields } from '../model/common.js';
import { findModel } from './objects.js';
import { formatOf, outputOption, render } from './formats.js';

// Each mark and what it means, in the order they are shown.
export const MARKS: readonly [mark: string, applies: (d: FieldDef) => boolean, meaning: string][] = [
  ['*', (d) => Boolean(d.required), 'required: give it on create'],
  ['ro', (d) => Boolean(d.readOnly), 'read-only: XOS or the synchronizer sets it'],
  ['once', (d) => Boolean(d.createOnly), 'given on create, never changed'],
  ['admin', (d) => Boolean(d.adminOnly), 'only administrators set it'],
  ['unique', (d) => Boolean(d.unique), 'no two rows share it'],
  ['wo', (d) => d.type === 'secret' || d.type === 'password', 'write-only: never shown'],
];

const marksOf = (d: FieldDef) => MARKS.filter(([, applies]) => applies(d)).map(([mark]) => mark);
const typeOf = (d: FieldDef) => (d.type === 'ref' ? `ref ${d.ref}` : d.type);
const legend = () => ['marks:', ...MARKS.map(([mark, , meaning]) => `  ${mark.padEnd(7)}${meaning}`)].join('\n');

// The model's own fields first, then those every row (or every synced row) has.
const common = (f: string) => f in baseFields || f in syncFields;
const shownFields = (m: ModelDef) => {
  const all = Object.entries(m.fields).filter(([, d]) => !d.hidden);
  return [...all.filter(([f]) => !common(f)), ...all.filter(([f]) => common(f))];
};

function describeType(m: ModelDef) {
  const fields = shownFields(m);
  return {
    columns: ['field', 'type', 'marks', 'default', 'choices', 'help'],
    widths: [null, null, null, null, 22, 46],
    rows: fields.map(([f, d]) => [
      f,
      typeOf(d),
      marksOf(d).join(' '),
      d.default === undefined ? '' : JSON.stringify(d.default),
      (d.choices ?? []).join(', '),
      d.help ?? (d.defaultFrom ? `default: ${d.defaultFrom}` : ''),
    ]),
    data: {
      type: m.plural,
      name: m.name,
      label: m.label,
      fields: fields.map(([f, d]) => ({
        name: f,
        type: d.type,
        ...(d.ref ? { ref: d.ref } : {}),
        marks: marksOf(d),
        ...(d.default !== undefined ? { default: d.default } : {}),
        ...(d.choices ? { choices: d.choices } : {}),
        ...(d.help ? { help: d.help } : {}),
      })),
    },
  };
}

function describeAll() {
  const writable = (m: ModelDef) => shownFields(m).filter(([f, d]) => !d.readOnly && !common(f));
  return {
    columns: ['type', 'label', 'fields you set (* required)'],
    widths: [null, null, 70],
    rows: models.map((m) => [m.plural, m.label, writable(m).map(([f, d]) => `${f}${d.required ? '*' : ''}`).join(' ')]),
    data: models.map((m) => ({ type: m.plural, name: m.name, label: m.label, fields: writable(m).map(([f]) => f) })),
  };
}

export function addModelsCommand(program: Command) {
  program
    .command('models [type]')
    .description('The object types, or one type\'s fields with their types, marks, choices and help: xos models slice')
    .addOption(outputOption())
    .action((type: string | undefined, o) => {
      const m = type === undefined ? undefined : findModel(type);
      const format = formatOf(o);
      const view = m ? describeType(m) : describeAll();
      process.stdout.write(render(format, view));
      if (format !== 'table') return;
      if (m) console.log(legend());
      else console.log('read-only fields and those every row has are left out; `xos models <type>` shows every field with its type, marks and help');
    });
}
