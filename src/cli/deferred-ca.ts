// The certificates of NODE_EXTRA_CA_CERTS for a command that bin/xos started without them: Node
// 20 reads them at start-up, which costs a short command most of its time, so bin/xos moves
// the variable to XOS_DEFERRED_CA_CERTS for the commands that only talk to the API, and they
// are added here, when an https connection is made.
//
// Node adds them to the roots it trusts by default. When those are its own bundled roots (how
// node is built and run unless told otherwise), the connection gets both as its `ca`. When node
// uses another store (--use-openssl-ca, --use-system-ca, or built to use OpenSSL's), Node 20
// cannot add to it from here: the command runs again, the usual way.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export async function deferredCa(): Promise<{ ca?: string[] }> {
  const file = process.env.XOS_DEFERRED_CA_CERTS;
  if (!file) return {};
  if (!bundledRoots()) runAgainWith(file);
  const { rootCertificates } = await import('node:tls');
  try {
    return { ca: [...rootCertificates, fs.readFileSync(file, 'utf8')] };
  } catch (e) {
    // what node itself says and does when it cannot read the file
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}`);
    return {};
  }
}

function bundledRoots(): boolean {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  const built = (process.config.variables as Record<string, unknown>).node_use_openssl_ca;
  return !built && !/--use-(openssl|system)-ca\b/.test(flags);
}

function runAgainWith(file: string): never {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: file };
  delete env.XOS_DEFERRED_CA_CERTS;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
}
