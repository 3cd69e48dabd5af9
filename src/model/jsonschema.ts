// JSON schemas derived from the model definitions: the row the API returns, the body of a create
// and of a PATCH. The API's route schemas, the OpenAPI document and the store's input checks all
// come from here.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import net from 'node:net';
import type { FieldDef, FieldError, ModelDef } from './types.js';
import { hasNul, NUL_MESSAGE } from './nul.js';
import { isCidr } from './cidr.js';

type Schema = Record<string, unknown>;

// Formats the field types need, added to every Ajv instance that checks XOS input. Fastify's
// instance already has the standard formats; our own does not.
export function addXosFormats(ajv: Ajv, standard = false) {
  if (standard) (addFormats as unknown as (a: Ajv) => void)(ajv);
  // Node accepts an IPv6 zone ("fe80::1%eth0"); PostgreSQL's inet does not store one.
  ajv.addFormat('ip', { type: 'string', validate: (v: string) => net.isIP(v) !== 0 && !v.includes('%') });
  ajv.addFormat('cidr', { type: 'string', validate: isCidr });
  ajv.addFormat('http-url', { type: 'string', validate: (v: string) => /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(v) });
  ajv.addKeyword({ keyword: 'x-pattern-help', schemaType: 'string' });
  // On every field of an input schema: no NUL anywhere in the value, JSON fields' nested strings
  // and keys included (see nul.ts).
  ajv.addKeyword({ keyword: 'x-no-nul', schemaType: 'boolean', errors: false, validate: (on: boolean, v: unknown) => !on || !hasNul(v) });
  return ajv;
}

export function fieldSchema(d: FieldDef): Schema {
  let s: Schema;
  switch (d.type) {
    case 'string':
    case 'text':
    case 'secret':
    case 'password':
      s = { type: 'string' };
      if (d.maxLength) s.maxLength = d.maxLength;
      if (d.minLength) s.minLength = d.minLength;
      if (d.pattern) s.pattern = d.pattern;
      if (d.patternHelp) s['x-pattern-help'] = d.patternHelp;
      break;
    case 'email':
      s = { type: 'string', format: 'email', maxLength: d.maxLength ?? 255 };
      break;
    case 'url':
      s = { type: 'string', format: 'http-url', maxLength: d.maxLength ?? 1024 };
      break;
    case 'integer':
    case 'float':
      s = { type: d.type === 'integer' ? 'integer' : 'number' };
      if (d.min !== undefined) s.minimum = d.min;
      if (d.max !== undefined) s.maximum = d.max;
      if (d.type === 'integer' && s.maximum === undefined) s.maximum = 2147483647;
      if (d.type === 'integer' && s.minimum === undefined) s.minimum = -2147483648;
      break;
    case 'boolean':
      s = { type: 'boolean' };
      break;
    case 'datetime':
      s = { type: 'string', format: 'date-time' };
      break;
    case 'json':
      s = {};
      break;
    case 'ip':
      s = { type: 'string', format: 'ip' };
      break;
    case 'cidr':
      s = { type: 'string', format: 'cidr' };
      break;
    case 'ref':
      s = { type: 'integer', minimum: 1, maximum: 2147483647, description: `id of a ${d.ref}` };
      break;
    case 'enum':
      s = { type: 'string', enum: [...(d.choices ?? [])] };
      break;
    case 'int_array':
      s = { type: 'array', items: { type: 'integer', minimum: 1, maximum: 2147483647 }, maxItems: 10000 };
      break;
  }
  if (d.nullable && s.type) {
    s.type = [s.type as string, 'null'];
    if (s.enum) s.enum = [...(s.enum as unknown[]), null];
  }
  if (d.help) s.description = s.description ? `${d.help} (${s.description})` : d.help;
  if (d.default !== undefined) s.default = d.default;
  if (d.readOnly) s.readOnly = true;
  if (d.type === 'secret' || d.type === 'password') s.writeOnly = true;
  return s;
}

// What a client may send. Read-only fields are not in it, so sending one is an error.
export function writableFields(m: ModelDef, mode: 'create' | 'update'): [string, FieldDef][] {
  return Object.entries(m.fields).filter(([, d]) => !d.readOnly && !(mode === 'update' && d.createOnly));
}

export function inputSchema(m: ModelDef, mode: 'create' | 'update'): Schema {
  const properties: Schema = {};
  for (const [f, d] of writableFields(m, mode)) {
    const s = fieldSchema(d);
    delete s.default; // defaults are applied by the store, not by the validator
    properties[f] = { ...s, 'x-no-nul': true };
  }
  const required = mode === 'create' ? writableFields(m, mode).filter(([, d]) => d.required && !d.defaultFrom).map(([f]) => f) : [];
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length ? { required } : {}),
    ...(mode === 'update' ? { minProperties: 1 } : {}),
  };
}

// Whether a field's column is NOT NULL (store/schema.ts makes it so; rows.ts NotNull is the same
// rule for the types): the record keeping of every row, fields with a default unless nullable,
// required fields unless nullable or a secret bound to its destination (cleared when that moves).
export function neverNull(field: string, d: FieldDef): boolean {
  if (field === 'id' || field === 'created' || field === 'updated' || field === 'version') return true;
  if (d.nullable) return false;
  if (d.default !== undefined) return true;
  return Boolean(d.required && !d.boundTo);
}

// The row as the API sends it (Store.present): every shown field is always there, null only where
// the column may hold null.
export function rowSchema(m: ModelDef): Schema {
  const properties: Schema = {};
  for (const [f, d] of Object.entries(m.fields)) {
    if (d.hidden || d.type === 'password' || d.type === 'secret') continue;
    properties[f] = fieldSchema({ ...d, nullable: !neverNull(f, d) });
  }
  if (m.fields.admin_password) properties.has_admin_password = { type: 'boolean', readOnly: true, description: 'Whether an admin password is set' };
  return { type: 'object', required: Object.keys(properties), properties };
}

// Turn Ajv's errors into one message per field, in words a person can act on. `givenNull`: the
// fields the body held as null before coercion made them 0 or "": a required one of them is
// "required" (an empty Site in a form), not "at least 1".
export function fieldErrors(m: ModelDef, errors: ErrorObject[] | null | undefined, givenNull: ReadonlySet<string> = new Set()): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let field = e.instancePath.replace(/^\//, '').split('/')[0] || '(body)';
    let message: string;
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        field = String(p.missingProperty);
        message = 'is required';
        break;
      case 'additionalProperties': {
        field = String(p.additionalProperty);
        const d = m.fields[field];
        message = !d ? `is not a field of ${m.name}` : d.readOnly ? 'is read-only' : 'cannot be changed after creation';
        break;
      }
      case 'pattern': {
        const help = m.fields[field]?.patternHelp;
        message = help ? `may contain only ${help}` : `must match ${p.pattern}`;
        break;
      }
      case 'maxLength':
        message = `must be at most ${p.limit} characters`;
        break;
      case 'minLength':
        message = p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters`;
        break;
      case 'enum':
        message = `must be one of: ${(p.allowedValues as unknown[]).filter((x) => x !== null).join(', ')}`;
        break;
      case 'format':
        message = {
          email: 'must be an email address',
          'http-url': 'must be an http:// or https:// URL',
          ip: 'must be an IPv4 or IPv6 address',
          cidr: 'must be a network in CIDR form, e.g. 10.0.0.0/24',
          'date-time': 'must be a date and time (RFC 3339)',
        }[String(p.format)] ?? `must be a valid ${p.format}`;
        break;
      case 'type': {
        const words: Record<string, string> = {
          integer: 'a whole number',
          number: 'a number',
          string: 'text',
          boolean: 'true or false',
          array: 'a list',
          object: 'an object',
          null: 'null',
        };
        message = `must be ${String(p.type).split(',').map((t) => words[t] ?? t).join(' or ')}`;
        break;
      }
      case 'minimum':
      case 'maximum':
        message = `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${p.limit}`;
        break;
      case 'minProperties':
        message = 'give at least one field to change';
        break;
      case 'x-no-nul':
        message = NUL_MESSAGE;
        break;
      default:
        message = e.message ?? 'is invalid';
    }
    if (field === '(body)' && e.keyword === 'type') message = 'the body must be a JSON object';
    if (givenNull.has(field) && m.fields[field]?.required) message = 'is required';
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message });
  }
  return out;
}

const ajv = addXosFormats(new Ajv({ allErrors: true, strict: false }), true);
const cache = new Map<string, ValidateFunction>();

export function checkInput(m: ModelDef, mode: 'create' | 'update', body: unknown): FieldError[] {
  const key = `${m.name}:${mode}`;
  let v = cache.get(key);
  if (!v) cache.set(key, (v = ajv.compile(inputSchema(m, mode))));
  return v(body) ? [] : fieldErrors(m, v.errors);
}
