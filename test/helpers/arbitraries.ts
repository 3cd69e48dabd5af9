// fast-check generators of hostile input for the API: query filter values and per-field body
// values, from plausible ones (so that some writes succeed and reach the database) to NUL,
// huge and unrepresentable numbers, dates JavaScript reads and PostgreSQL does not, unicode with
// lone surrogates, and values of the wrong type.
import fc from 'fast-check';
import type { FieldDef } from '../../src/model/types.js';

// A number literal JSON.stringify cannot write (1e400 parses as Infinity, long integers lose
// digits): it stands in the value as this marker and is spliced into the body's text.
const RAW = '\u0001raw:';
const raw = (literal: string) => `${RAW}${literal}\u0001`;
export const toJsonText = (body: unknown) => JSON.stringify(body).replace(/"\\u0001raw:([^"\\]*)\\u0001"/g, '$1');

const nulText = fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`);
const loneSurrogate = fc.tuple(fc.string({ maxLength: 5 }), fc.integer({ min: 0xd800, max: 0xdfff })).map(([a, c]) => a + String.fromCharCode(c));
const unicode = fc.string({ unit: 'binary', maxLength: 40 });

// Dates: years either side of what JavaScript (±275760) and PostgreSQL (4713 BC to 294276 AD)
// hold, in the forms Date.parse reads, with impossible months, days, times and offsets.
const year = fc
  .oneof(fc.constantFrom(-271822, -271821, -4714, -4713, -1, 0, 1, 1969, 9999, 10000, 275760, 275761, 294276, 294277), fc.integer({ min: -300000, max: 300000 }))
  .chain((y) =>
    fc.constantFrom(
      y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : `${y < 0 ? '-' : '+'}${String(Math.abs(y)).padStart(6, '0')}`,
      String(y),
      `${y < 0 ? '-' : '+'}${String(Math.abs(y)).padStart(6, '0')}`,
    ),
  );
export const dateText = fc.oneof(
  fc
    .tuple(
      year,
      fc.constantFrom('01', '02', '12', '00', '13'),
      fc.constantFrom('01', '28', '29', '31', '00', '32'),
      fc.constantFrom('', 'T00:00:00', 'T23:59:59.999', 'T23:59:60', 'T24:00:00', 'T12:00:00.123456789', ' 12:00'),
      fc.constantFrom('', 'Z', '+00:00', '+14:00', '-12:00', '+15:59', '-16:00', '+23:59', '+99:99', '+0100', '+01'),
    )
    .map(([y, m, d, t, z]) => `${y}-${m}-${d}${t}${t ? z : ''}`),
  fc.constantFrom('yesterday', '1', '0', '-1', 'Dec 31 9999 23:00 GMT-0500', 'Jan 1 -1', '2026-01-01', 'infinity', '-infinity', 'epoch', 'now', ''),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.double().map(String),
  fc.constantFrom('1e400', '-1e400', '1e-400', '0x10', '1_000', ' 1', '1 ', '+1', '-', '.5', '5.', '', 'NaN', 'Infinity', '2147483648', '-2147483649'),
);

const address = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([a, n]) => `${a}/${n}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 140 })).map(([a, n]) => `${a}/${n}`),
  fc.ipV6().map((a) => `${a}%eth0`),
  fc.constantFrom('10.0.0.256', '1.2.3', '::g', '0.0.0.0/0', '10.0.0.0/8'),
);

// One value of a list filter (?field__op=value).
const filterAtom = fc.oneof(
  dateText,
  numberText,
  address,
  unicode,
  nulText,
  loneSurrogate,
  fc.constantFrom('null', 'true', 'FALSE', 'maybe', ',', ',,', '%', '_', '\\', "'; DROP TABLE sites; --"),
  fc.string({ minLength: 200, maxLength: 5000 }),
);
export const filterValue = fc.oneof({ arbitrary: filterAtom, weight: 4 }, fc.array(filterAtom, { minLength: 2, maxLength: 4 }).map((a) => a.join(',')));

export const FILTER_OPS = ['eq', 'in', 'contains', 'gt', 'gte', 'lt', 'lte'];
export const filterOp = fc.oneof({ arbitrary: fc.constantFrom(...FILTER_OPS), weight: 5 }, fc.constantFrom('regex', 'ne', 'EQ', 'in__in', ''), fc.string({ maxLength: 6 }));

// Percent-encode the UTF-8 bytes (encodeURIComponent throws on a lone surrogate).
export const encodeQuery = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
// Escapes no decoder should trip on: truncated, not hex, overlong or surrogate UTF-8.
export const brokenEscape = fc.constantFrom('%', '%F', '%zz', '%FF', '%C0%80', '%ED%A0%80', '%E2%82');

// Values of every wrong kind, for any field.
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null, true, false, 0, -1, -0, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, 5e-324,
    '', ' ', '\u0000', 'x'.repeat(5000), "'; DROP TABLE sites; --", [], [null], {}, { a: { b: [1, '\u0000'] } }, { 'k\u0000': 1 },
  ),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1.00000000000000000000001', '-0.0').map(raw),
  dateText,
  numberText,
  address,
  nulText,
  unicode,
  loneSurrogate,
  fc.jsonValue({ maxDepth: 2 }),
);

// A reference to "the index-th live row" of the target model, which the test turns into an id
// when it sends the body: ids made up in advance would mostly name rows that do not exist.
export class RefPick {
  constructor(readonly index: number) {}
}

const network = fc.tuple(fc.ipV4(), fc.integer({ min: 8, max: 30 })).map(([a, n]) => {
  const size = 2 ** (32 - n);
  const int = Math.floor(a.split('.').reduce((x, o) => x * 256 + Number(o), 0) / size) * size;
  return `${[24, 16, 8, 0].map((sh) => Math.floor(int / 2 ** sh) % 256).join('.')}/${n}`;
});

// A value a client could well mean for the field: most pass the schema, so that the writes
// they are part of reach the model's rules and the database.
export function plausibleValue(d: FieldDef): fc.Arbitrary<unknown> {
  const text = (max: number) => fc.string({ unit: 'grapheme', minLength: d.minLength ?? 0, maxLength: Math.min(d.maxLength ?? max, max) });
  switch (d.type) {
    case 'string':
      return d.pattern ? fc.stringMatching(new RegExp(d.pattern)).filter((v) => v.length <= (d.maxLength ?? 255)) : text(30);
    case 'text':
      return text(200);
    case 'secret':
    case 'password':
      return fc.string({ minLength: Math.max(d.minLength ?? 0, 8), maxLength: 20 });
    case 'email':
      return fc.emailAddress().filter((v) => v.length <= (d.maxLength ?? 255));
    case 'url':
      return fc.webUrl().filter((v) => v.length <= (d.maxLength ?? 1024));
    case 'integer':
      return fc.integer({ min: d.min ?? -1000, max: d.max ?? 100000 });
    case 'float':
      return fc.double({ min: d.min ?? -1e6, max: d.max ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'datetime':
      return fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((x) => x.toISOString());
    case 'json':
      return fc.oneof(fc.array(fc.record({ from: fc.oneof(fc.ipV4(), network), to: fc.domain() }), { maxLength: 2 }), fc.jsonValue({ maxDepth: 2 }));
    case 'ip':
      return fc.oneof(fc.ipV4(), fc.ipV6());
    case 'cidr':
      return network;
    case 'ref':
      return fc.nat({ max: 20 }).map((i) => new RefPick(i));
    case 'enum':
      return fc.constantFrom(...(d.choices ?? ['x']));
    case 'int_array':
      return fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 4 });
  }
}

// The text of a filter a client could well mean for a field of this type.
export function plausibleFilter(d: FieldDef): fc.Arbitrary<string> {
  if (d.type === 'int_array' || d.type === 'json') return fc.constant('1');
  if (d.type === 'boolean') return fc.constantFrom('true', 'false', 'null');
  if (d.type === 'ref') return fc.integer({ min: 1, max: 5 }).map(String);
  return plausibleValue({ ...d, pattern: undefined, minLength: 0 }).map(String);
}
