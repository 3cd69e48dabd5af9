// A tiny SQL fragment builder: values always travel as parameters, and fragments nest, so row
// filters from auth can be combined with list filters without string-pasting values.
const MARK = '\u0001';

export interface Frag {
  text: string;
  values: unknown[];
  reusePlan?: boolean; // only on a whole statement: see samePlan
}

export function sql(strings: TemplateStringsArray, ...vals: unknown[]): Frag {
  let text = strings[0];
  const values: unknown[] = [];
  vals.forEach((v, i) => {
    if (isFrag(v)) {
      text += v.text;
      values.push(...v.values);
    } else {
      text += MARK;
      values.push(v);
    }
    text += strings[i + 1];
  });
  return { text, values };
}

export const isFrag = (v: unknown): v is Frag =>
  typeof v === 'object' && v !== null && 'text' in v && 'values' in v && Array.isArray((v as Frag).values);

// Identifiers come from model definitions, never from input; quoting keeps reserved words working.
export const ident = (name: string): Frag => ({ text: `"${name.replace(/"/g, '""')}"`, values: [] });
export const raw = (text: string): Frag => ({ text, values: [] });

export function join(frags: Frag[], sep: string): Frag {
  return frags.reduce<Frag>(
    (acc, f, i) => ({ text: acc.text + (i ? sep : '') + f.text, values: [...acc.values, ...f.values] }),
    { text: '', values: [] },
  );
}

// A whole statement whose best plan is the same whatever its values (rows by id, an insert): on
// PostgreSQL it is prepared once per connection and its plan kept (src/store/prepared.ts).
export const samePlan = (f: Frag): Frag => ({ ...f, reusePlan: true });

export function compile(f: Frag): { text: string; values: unknown[] } {
  let n = 0;
  return { text: f.text.replace(/\u0001/g, () => `$${++n}`), values: f.values };
}

// field = value for each entry (IS NULL for null), to be joined with AND.
export const equalities = (where: Record<string, unknown>): Frag[] => Object.entries(where).map(([f, v]) => (v === null ? sql`${ident(f)} IS NULL` : sql`${ident(f)} = ${v}`));
