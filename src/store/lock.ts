// PGlite does not lock its data directory, and two processes that open it silently lose each
// other's writes. A lock file holding the owner's pid makes the second process fail at once.
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

export function lockDataDir(dir: string): () => Promise<void> {
  const file = path.join(dir, 'xos.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        process.off('exit', releaseSync);
        releaseSync();
      };
      const releaseSync = () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.on('exit', releaseSync);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (pid && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dir, pid);
      if (pid === process.pid) throw new DataDirLockedError(dir, pid);
      fs.unlinkSync(file); // the holder died without cleaning up: the lock is stale
    }
  }
  throw new Error(`could not lock ${file}`);
}
