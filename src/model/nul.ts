// PostgreSQL cannot store the NUL character (U+0000) in text, varchar or jsonb: the driver's
// error would surface as a 500 after the write had passed every check. Input is searched for it
// first, so that the caller learns which field to fix.
export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

// The paths ("a/b/0") of the strings and keys in `value` that contain NUL. Iterative: a body
// nested thousands deep must not overflow the stack.
export function nulPaths(value: unknown): string[] {
  const found: string[] = [];
  const todo: [unknown, string][] = [[value, '']];
  while (todo.length) {
    const [v, path] = todo.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) found.push(path);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const p = path ? `${path}/${k}` : k;
        if (k.includes('\u0000')) found.push(p);
        else todo.push([child, p]);
      }
    }
  }
  return found.reverse();
}

export const hasNul = (value: unknown) => nulPaths(value).length > 0;
