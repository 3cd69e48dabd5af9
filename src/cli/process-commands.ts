// `xos start`, `stop`, `reload` and `status`: the running `xos serve` found through its pid file
// (serve.ts), as a process manager or an operator drives it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Command } from 'commander';
import type { XosConfig } from '../config/schema.js';
import { alive, logFileOf, pidFileOf, readStatus, runningPid, type ServeStatus } from './pid-file.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function uptime(since: string) {
  let s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  return `${d ? `${d}d ` : ''}${h ? `${h}h ` : ''}${m ? `${m}m ` : ''}${s % 60}s`;
}

function describe(st: ServeStatus) {
  return [
    `XOS ${st.version} is ${st.state} (pid ${st.pid}), up ${uptime(st.started)}`,
    `  roles:    ${st.roles.join(', ')}`,
    ...(st.url ? [`  url:      ${st.url}`] : []),
    ...(st.database ? [`  database: ${st.database}`] : []),
    `  workers:  ${st.workers.map((w) => `${w.pid} (${w.roles.join(', ')}${w.ready ? '' : ', starting'})`).join('; ')}`,
    ...(st.reloads ? [`  reloads:  ${st.reloads}, last at ${st.lastReload}`] : []),
    ...(st.lastReloadError ? [`  last reload failed: ${st.lastReloadError}`] : []),
  ].join('\n');
}

export function addProcessCommands(program: Command, config: () => XosConfig, configFile: () => string | null) {
  program
    .command('start')
    .description('Start `xos serve` in the background (pid file and log under the data directory unless configured)')
    .option('--roles <roles>', 'override [server] roles')
    .option('--workers <n>', 'override [server] workers')
    .option('--wait <seconds>', 'how long to wait until it serves', '120')
    .action(async (o: { roles?: string; workers?: string; wait: string }) => {
      const pidFile = pidFileOf(config());
      const running = runningPid(pidFile);
      if (running) throw new Error(`XOS is already running (pid ${running}, pid file ${pidFile})`);
      const logFile = logFileOf(config());
      fs.mkdirSync(pidFile.replace(/\/[^/]*$/, ''), { recursive: true });
      const out = fs.openSync(logFile, 'a', 0o600);
      const file = configFile();
      const args = [process.argv[1], ...(file ? ['--config', file] : []), 'serve'];
      if (o.roles) args.push('--roles', o.roles);
      if (o.workers) args.push('--workers', o.workers);
      const child = spawn(process.execPath, [...process.execArgv, ...args], { detached: true, stdio: ['ignore', out, out], env: { ...process.env, XOS_CONFIG: file ?? '' } });
      child.unref();
      fs.closeSync(out);
      const deadline = Date.now() + Number(o.wait) * 1000;
      for (;;) {
        const st = readStatus(pidFile);
        if (st && st.pid === child.pid && st.state === 'running') {
          console.log(`${describe(st)}\n  log:      ${logFile}`);
          return;
        }
        if (child.exitCode !== null || !alive(child.pid!)) throw new Error(`XOS did not start; the end of its log (${logFile}):\n${tail(logFile)}`);
        if (Date.now() > deadline) throw new Error(`XOS (pid ${child.pid}) is not serving after ${o.wait} s; see ${logFile}`);
        await sleep(100);
      }
    });

  program
    .command('stop')
    .description('Stop the running XOS: requests and reconciles in flight finish first ([server] stop_seconds at most)')
    .action(async () => {
      const pidFile = pidFileOf(config());
      const pid = runningPid(pidFile);
      if (!pid) return void console.log(`XOS is not running (no live process in ${pidFile})`);
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + (config().server.stop_seconds + 30) * 1000;
      while (alive(pid)) {
        if (Date.now() > deadline) throw new Error(`XOS (pid ${pid}) has not stopped after ${config().server.stop_seconds + 30} s`);
        await sleep(100);
      }
      console.log(`XOS (pid ${pid}) stopped`);
    });

  program
    .command('reload')
    .description('Read xos_config again and replace the worker processes, without dropping a request')
    .option('--wait <seconds>', 'how long to wait for the new workers', '120')
    .action(async (o: { wait: string }) => {
      const pidFile = pidFileOf(config());
      const pid = runningPid(pidFile);
      if (!pid) throw new Error(`XOS is not running (no live process in ${pidFile})`);
      const before = readStatus(pidFile);
      process.kill(pid, 'SIGHUP');
      const deadline = Date.now() + Number(o.wait) * 1000;
      for (;;) {
        await sleep(100);
        const st = readStatus(pidFile);
        if (st && st.state === 'running' && (st.reloads !== before?.reloads || st.lastReloadError !== before?.lastReloadError)) {
          if (st.lastReloadError && st.reloads === before?.reloads) throw new Error(`the reload failed, XOS runs on as before: ${st.lastReloadError}`);
          return void console.log(describe(st));
        }
        if (!alive(pid)) throw new Error(`XOS (pid ${pid}) exited during the reload`);
        if (Date.now() > deadline) throw new Error(`the reload has not finished after ${o.wait} s`);
      }
    });

  program
    .command('status')
    .description('Whether XOS runs, with its pid, roles, workers, uptime and version (exit status 3 when it does not run)')
    .option('--json', 'print the status as JSON')
    .action((o: { json?: boolean }) => {
      const pidFile = pidFileOf(config());
      const pid = runningPid(pidFile);
      const st = pid ? readStatus(pidFile) : null;
      if (o.json) console.log(JSON.stringify(st && st.pid === pid ? { running: true, ...st } : { running: !!pid, pid }, null, 2));
      else if (!pid) console.log(`XOS is not running (no live process in ${pidFile})`);
      else console.log(st && st.pid === pid ? describe(st) : `XOS is starting (pid ${pid})`);
      if (!pid) process.exitCode = 3;
    });
}
