// How long a command takes from the shell, `xos` beside Debian's `openstack` client (the tool an
// operator of these clusters uses every day), on the same machine in the same run:
//   xos --help            start-up alone
//   node -e 0             node's own start-up, for reference
//   xos list sites        start-up, the saved login, one API call to a running `xos serve`
//   openstack project list  start-up, a Keystone token, one Keystone call
// and, for reference, the same two xos commands as they ran before the compiled build
// (`node --import tsx src/cli/main.ts`, TypeScript compiled at start). Runs alternate command by
// command, so a change in the machine's load hits all of them alike; medians are compared.
//
//   node --import tsx bench/cli-start.ts [--rounds 10]
// Needs the OpenStack test cluster's admin-openrc ($OSLAB_DIR, default /tmp/xos-oslab); without
// it the openstack row is left out.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { serve, xos } from '../test/helpers/xos-process.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const ROUNDS = Number(args.rounds);
const labDir = process.env.OSLAB_DIR || '/tmp/xos-oslab';

// admin-openrc as environment variables (lines `export OS_X=value`).
function openrc(): Record<string, string> | null {
  const file = path.join(labDir, 'admin-openrc');
  if (!fs.existsSync(file)) return null;
  const env: Record<string, string> = {};
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^\s*export\s+(OS_\w+)=(.*)$/gm)) env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  return env;
}

function time(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${cmd} ${argv.join(' ')} failed (${code}): ${err}`))));
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-bench-cli-'));
const password = 'bench-Passw0rd-cli';
const server = await serve({ XOS_DATA_DIR: path.join(tmp, 'data'), XOS_ADMIN_PASSWORD: password, XOS_OBSERVER_ENABLED: 'false' });
const env = { ...process.env, XOS_API_PORT: String(server.port), XOS_CLI_HOME: path.join(tmp, 'cli') };
try {
  execFileSync(xos, ['login', '--email', 'admin@example.com', '--password', password], { env });
  const tsxMain = ['--import', 'tsx', 'src/cli/main.ts'];
  const os_ = openrc();
  const rows: { name: string; cmd: string; argv: string[]; env: NodeJS.ProcessEnv }[] = [
    { name: 'xos --help', cmd: xos, argv: ['--help'], env },
    { name: 'xos list sites', cmd: xos, argv: ['list', 'sites'], env },
    // Node alone, and the same command with node reading NODE_EXTRA_CA_CERTS at start-up (bin/xos
    // run by node directly, not as a command): what bin/xos spares a command that only talks to the API.
    { name: 'node -e 0', cmd: process.execPath, argv: ['-e', '0'], env },
    ...(process.env.NODE_EXTRA_CA_CERTS ? [{ name: 'xos list sites, CA file at start', cmd: process.execPath, argv: [xos, 'list', 'sites'], env }] : []),
    // The same compiled code one module per file, as bin/xos ran it before the bundle.
    { name: 'xos --help (per-module dist/)', cmd: process.execPath, argv: ['dist/cli/main.js', '--help'], env },
    { name: 'xos list sites (per-module)', cmd: process.execPath, argv: ['dist/cli/main.js', 'list', 'sites'], env },
    { name: 'xos --help (tsx, before)', cmd: process.execPath, argv: [...tsxMain, '--help'], env },
    { name: 'xos list sites (tsx, before)', cmd: process.execPath, argv: [...tsxMain, 'list', 'sites'], env },
  ];
  if (os_) rows.push({ name: 'openstack project list', cmd: 'openstack', argv: ['project', 'list'], env: { ...process.env, ...os_ } });
  else console.log(`(no ${labDir}/admin-openrc: the openstack row is left out)`);
  const times = new Map<string, number[]>(rows.map((r) => [r.name, []]));
  for (const r of rows) await time(r.cmd, r.argv, r.env); // warm the file cache once
  for (let i = 0; i < ROUNDS; i++) for (const r of rows) times.get(r.name)!.push(await time(r.cmd, r.argv, r.env));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ref = os_ ? median(times.get('openstack project list')!) : null;
  console.log(`\n${ROUNDS} rounds, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  console.log(`NODE_EXTRA_CA_CERTS: ${extra ? `${extra} (${(fs.readFileSync(extra, 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length} certificates)` : 'not set'}\n`);
  console.log(`${'command'.padEnd(34)}  ${'median'.padStart(9)}  ${'min'.padStart(9)}  ${'openstack ÷ this'.padStart(16)}`);
  for (const r of rows) {
    const xs = times.get(r.name)!;
    const m = median(xs);
    console.log(`${r.name.padEnd(34)}  ${`${m.toFixed(0)} ms`.padStart(9)}  ${`${Math.min(...xs).toFixed(0)} ms`.padStart(9)}  ${ref ? `${(ref / m).toFixed(1)}×`.padStart(16) : ''}`);
  }
} finally {
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
