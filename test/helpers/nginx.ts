// Debian's nginx as a foreground process on a loopback port, with everything it writes (pid,
// logs, temporary files) in a directory of its own: a server block (from `xos nginx-config`)
// inside the smallest http block that runs it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const NGINX = process.env.XOS_NGINX ?? '/usr/sbin/nginx';
export const skipNginx: string | false = fs.existsSync(NGINX) ? false : `${NGINX} is missing (apt-get install nginx-light)`;

export interface Nginx {
  proc: ChildProcess;
  errors: () => string;
  stop: () => Promise<void>;
}

function writeConf(dir: string, serverBlock: string): string {
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${dir}/logs/access.log;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${serverBlock}
}
`,
  );
  return conf;
}

// `nginx -t` on the block: the output when nginx finds it valid, else a thrown error with it.
export function checkConfig(dir: string, serverBlock: string): string {
  const conf = writeConf(dir, serverBlock);
  const r = spawnSync(NGINX, ['-t', '-p', dir, '-c', conf, '-e', `${dir}/logs/error.log`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nginx -t failed:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

export async function startNginx(dir: string, serverBlock: string, port: number): Promise<Nginx> {
  const conf = writeConf(dir, serverBlock);
  const proc = spawn(NGINX, ['-p', dir, '-c', conf, '-e', `${dir}/logs/error.log`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const errors = () => `${out}${fs.existsSync(`${dir}/logs/error.log`) ? fs.readFileSync(`${dir}/logs/error.log`, 'utf8') : ''}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited (${proc.exitCode}):\n${errors()}`);
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), r(true))).on('error', () => r(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx does not listen on ${port}:\n${errors()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    errors,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGQUIT');
      }),
  };
}
