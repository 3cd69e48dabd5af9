// PGlite does not lock its data directory, and two processes that open it silently lose each
// other's writes. A lock file holding the owner's pid makes the second process fail at once.
//
// The lock file of a dead process is stale and may be taken over, and that takeover has to be
// atomic as well: processes that find the same stale file at the same instant must not each
// remove it and each create their own. So:
//   - a lock file is written whole under a name of its own, then linked into place, so that no
//     one ever reads a half-written one (an empty file would look stale);
//   - a stale file is replaced (renamed over, never removed first) only by the process that
//     holds the takeover file named after that very file (inode, change time), and only after
//     checking, while holding it, that the lock file is still that one. Every other process
//     sees either the stale file and a live taker, or the new lock file.
// A takeover file is itself a lock file, taken over the same way if its process dies midway.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `the data directory ${path.resolve(dir)} is in use by another XOS process (pid ${pid}); ` +
        'stop it first, or use the API of the running server',
    );
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

interface Seen {
  id: string; // which file: a replacement never has the same inode and change time
  pid: number; // 0 when the content is not a pid
}

function look(file: string): Seen | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if (code(e) === 'ENOENT') return null;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    const pid = Number(fs.readFileSync(fd, 'utf8').trim());
    return { id: `${st.dev}:${st.ino}:${st.ctimeNs}`, pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0 };
  } finally {
    fs.closeSync(fd);
  }
}

const same = (a: Seen | null, b: Seen) => a !== null && a.id === b.id && a.pid === b.pid;
const takeoverOf = (file: string, seen: Seen) => `${file}.takeover-${crypto.createHash('sha256').update(seen.id).digest('hex').slice(0, 16)}`;

// The takeover file of `file` as it is now (null when there is no such file): what a process
// replacing it holds meanwhile.
export function takeoverFile(file: string): string | null {
  const seen = look(file);
  return seen && takeoverOf(file, seen);
}

// Makes `file` hold our pid. Returns 0 when it does, else the pid of the live process that holds
// it or is taking it over.
function acquire(file: string): number {
  const mine = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(mine, String(process.pid), { mode: 0o600, flag: 'wx' });
  try {
    // Each round ends because the file changed under us; a bound turns a livelock into an error.
    for (let round = 0; round < 100; round++) {
      try {
        fs.linkSync(mine, file);
        return 0;
      } catch (e) {
        if (code(e) !== 'EEXIST') throw e;
      }
      const seen = look(file);
      if (!seen) continue; // released meanwhile
      if (seen.pid === process.pid || (seen.pid && alive(seen.pid))) return seen.pid;
      const takeover = takeoverOf(file, seen);
      const taker = acquire(takeover);
      if (taker) {
        if (same(look(file), seen)) return taker; // it is replacing the stale file right now
        continue;
      }
      try {
        if (same(look(file), seen)) {
          fs.renameSync(mine, file);
          return 0;
        }
      } finally {
        fs.rmSync(takeover, { force: true });
      }
    }
    throw new Error(`could not lock ${file}: other processes kept changing it`);
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

export function lockDataDir(dir: string): () => Promise<void> {
  const file = path.join(dir, 'xos.lock');
  const holder = acquire(file);
  if (holder) throw new DataDirLockedError(dir, holder);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    process.off('exit', releaseSync);
    releaseSync();
  };
  // Nobody replaces the file of a live process, so finding our pid in it means it is ours.
  const releaseSync = () => {
    try {
      if (look(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      /* the directory went away, or we may no longer read it: nothing left to release */
    }
  };
  process.on('exit', releaseSync);
  return release;
}
