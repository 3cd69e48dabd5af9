// The embedded database holds the password hashes and the encrypted cluster credentials (its WAL
// as well), so its data directory is for the user XOS runs as only: directories 0700, files 0600.
//
// PGlite writes through Emscripten's NODEFS, which gives files their mode in two ways, and each
// needs its own remedy:
//   - files Postgres creates while it runs (WAL segments, new tables) get the mode it asks for
//     minus the process umask, and nothing lets XOS pass a mode of its own: the umask has to be
//     tight for as long as PGlite is open. It is set for the whole process and never loosened
//     again, because PGlite keeps creating files until it closes, and whatever else XOS writes
//     afterwards (exports, keys) is no one else's business either.
//   - the files of a new database are unpacked from PGlite's template and then chmod-ed 0666 and
//     0777, which no umask affects: the tree is tightened after PGlite has opened it. Doing this
//     on every open also closes data directories made by older versions or copied loosely.
import fs from 'node:fs';
import path from 'node:path';

export function privateUmask() {
  const old = process.umask(0o077);
  process.umask(old | 0o077);
}

function tighten(p: string, mode: number) {
  if (!(mode & 0o077)) return;
  try {
    fs.chmodSync(p, mode & 0o7700);
  } catch (e) {
    throw new Error(`cannot make ${p} private to the user XOS runs as: ${(e as Error).message}`);
  }
}

// `dir` and everything under it, without following symbolic links out of it.
export function tightenTree(dir: string) {
  const visit = (p: string, st: fs.Stats) => {
    tighten(p, st.mode);
    if (!st.isDirectory()) return;
    for (const entry of fs.readdirSync(p)) {
      const child = path.join(p, entry);
      const cst = fs.lstatSync(child);
      if (!cst.isSymbolicLink()) visit(child, cst);
    }
  };
  visit(dir, fs.statSync(dir));
}

// Only `dir` itself: enough to keep others out of what is inside while it is being made.
export const tightenDir = (dir: string) => tighten(dir, fs.statSync(dir).mode);
