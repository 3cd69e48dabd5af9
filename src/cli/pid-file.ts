// The pid file of `xos serve` and the status file beside it (what `xos status` shows).
import fs from 'node:fs';
import path from 'node:path';
import type { XosConfig } from '../config/schema.js';
import type { Role } from './roles.js';

export interface ServeStatus {
  pid: number;
  version: string;
  started: string;
  state: 'starting' | 'running' | 'reloading' | 'stopping';
  roles: Role[];
  url: string | null;
  database: string | null;
  workers: { pid: number; roles: Role[]; ready: boolean }[];
  reloads: number;
  lastReload: string | null;
  lastReloadError: string | null;
}

export const pidFileOf = (config: XosConfig) => path.resolve(config.server.pid_file || path.join(config.db.data_dir, 'xos.pid'));
export const statusFileOf = (pidFile: string) => `${pidFile}.json`;
export const logFileOf = (config: XosConfig) => path.resolve(config.server.log_file || path.join(config.db.data_dir, 'xos.log'));

export function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// The pid of the running `xos serve` that owns this pid file, or null.
export function runningPid(pidFile: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

export function claimPidFile(pidFile: string) {
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  const other = runningPid(pidFile);
  if (other && other !== process.pid)
    throw new Error(`XOS is already running (pid ${other}, pid file ${pidFile}); stop it first (xos stop), or use xos reload`);
  const tmp = `${pidFile}.${process.pid}`;
  fs.writeFileSync(tmp, `${process.pid}\n`);
  fs.renameSync(tmp, pidFile);
}

export function readStatus(pidFile: string): ServeStatus | null {
  try {
    return JSON.parse(fs.readFileSync(statusFileOf(pidFile), 'utf8')) as ServeStatus;
  } catch {
    return null;
  }
}

export function writeStatus(pidFile: string, status: ServeStatus) {
  const file = statusFileOf(pidFile);
  fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(status, null, 2) + '\n');
  fs.renameSync(`${file}.${process.pid}`, file);
}

export function releasePidFile(pidFile: string) {
  if (runningPid(pidFile) === process.pid) fs.rmSync(pidFile, { force: true });
  fs.rmSync(statusFileOf(pidFile), { force: true });
}
