// Which model a row handed to a reconciler belongs to, so that an outcome that waits on a row
// (a link row not ready yet) can name it without every reconciler spelling it out.
const origin = new WeakMap<object, { model: string; id: number }>();

export function noteOrigin<R>(model: string, row: R): R {
  if (row && typeof row === 'object' && 'id' in row) origin.set(row, { model, id: Number((row as { id: unknown }).id) });
  return row;
}

export const originOf = (row: object): { model: string; id: number } | undefined => origin.get(row);
