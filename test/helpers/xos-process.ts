// The real `xos` command as separate processes: a `xos serve` to talk to, and the CLI itself.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import path from 'node:path';
import { scaled } from './wait.js';

export const xos = path.resolve('bin/xos');
export const run = promisify(execFile);

// `xos` with the environment `env()` gives at the time of the call (plus `extra`), and the same
// for a command expected to fail, which returns its exit code and output.
export function cliRunner(env: () => Record<string, string>) {
  const cli = (args: string[], extra: Record<string, string> = {}) => run(xos, args, { env: { ...process.env, ...env(), ...extra } });
  const fails = (args: string[]) =>
    cli(args).then(
      (r): never => {
        throw new Error(`expected failure, got ${r.stdout}`);
      },
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  return { cli, fails };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Served {
  proc: ChildProcess;
  port: number;
  output: () => string;
  stop: () => Promise<number | null>;
}

// `xos args…` as [command, arguments] that run it under the given umask.
export const underUmask = (umask: string, args: string[]): [string, string[]] => ['sh', ['-c', `umask ${umask} && exec "$0" "$@"`, xos, ...args]];

export async function serve(env: Record<string, string>, opts: { umask?: string } = {}): Promise<Served> {
  const port = await freePort();
  const [cmd, args] = opts.umask ? underUmask(opts.umask, ['serve']) : [xos, ['serve']];
  const proc = spawn(cmd, args, { env: { ...process.env, XOS_API_PORT: String(port), XOS_API_LOG_LEVEL: 'warn', ...env } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 180_000; // a loaded 2-core machine needs a minute for the first migrations
  while (!/is listening on/.test(out)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL'); // not left running when its test gives up on it
      throw new Error(`xos serve did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    port,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        proc.once('exit', (code) => resolve(code));
        proc.kill('SIGTERM');
      }),
  };
}
