// The directory of XOS's package.json, found by walking up from this module: the same answer
// whether the code runs from its TypeScript sources (src/) or compiled (dist/src/).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function packageRoot(): string {
  if (found) return found;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).name === 'xos') return (found = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find XOS's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const fromPackageRoot = (...parts: string[]) => path.join(packageRoot(), ...parts);
