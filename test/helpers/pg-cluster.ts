// A throwaway PostgreSQL server of Debian's binaries, in a temporary directory on a free port:
// for tests that stop and restart the database (never the shared one on 5432).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './xos-process.js';

const version = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))[0] : undefined;
const bin = version ? `/usr/lib/postgresql/${version}/bin` : '';
export const skipPgCluster: string | false = bin && fs.existsSync(`${bin}/initdb`) ? false : 'no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)';

export interface PgCluster {
  url: string;
  stop: () => void;
  start: () => void;
  destroy: () => void;
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-pgcluster-'));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: then as the postgres user.
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe', timeout: 120_000 });
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const port = await freePort();
  const data = path.join(dir, 'data');
  run(`${bin}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => void run(`${bin}/pg_ctl`, ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '120', 'start']);
  const stop = () => void run(`${bin}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
