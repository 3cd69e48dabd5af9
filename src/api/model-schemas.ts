// Every model's schemas, for the routes that use them, each tagged with the name it has in the
// OpenAPI document (components/schemas): Slice (a row as the API sends it), SliceList (a page of
// them), SliceCreate and SliceUpdate (the bodies of POST and PATCH). Routes use them inline
// (@fastify/swagger resolves every shared schema for every route, which takes seconds with a
// hundred of them); the document names each once (contract.ts nameComponents).

import { inputSchema, rowSchema } from '../model/jsonschema.js';
import type { ModelDef } from '../model/types.js';
import { COMPONENT, listSchema } from './contract.js';

type Schema = Record<string, unknown>;
const named = (name: string, s: Schema): Schema => ({ [COMPONENT]: name, ...s });

const built = new Map<string, { row: Schema; list: Schema; create: Schema; update: Schema }>();
function schemasOf(m: ModelDef) {
  let s = built.get(m.name);
  if (!s) {
    const row = named(m.name, rowSchema(m));
    s = {
      row,
      list: named(`${m.name}List`, listSchema(row)),
      create: named(`${m.name}Create`, inputSchema(m, 'create')),
      update: named(`${m.name}Update`, inputSchema(m, 'update')),
    };
    built.set(m.name, s);
  }
  return s;
}

export const modelSchema = {
  row: (m: ModelDef) => schemasOf(m).row,
  list: (m: ModelDef) => schemasOf(m).list,
  create: (m: ModelDef) => schemasOf(m).create,
  update: (m: ModelDef) => schemasOf(m).update,
};

