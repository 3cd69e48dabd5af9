// Several processes finding the same stale data directory lock at the same instant: exactly one
// may take it over, and the others must be told who holds it now.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockDataDir, takeoverFile } from '../../src/store/lock.js';

interface Contender {
  proc: ChildProcess;
  pid: number;
  ask: (cmd: unknown) => Promise<{ won?: boolean; error?: string; released?: boolean }>;
}

async function contender(): Promise<Contender> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/security/lock-contender.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => (waiting.length ? waiting.shift()!.resolve(l) : lines.push(l)));
  proc.once('exit', (code) => waiting.splice(0).forEach((w) => w.reject(new Error(`a contender exited (${code})`))));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      if (lines.length) resolve(lines.shift()!);
      else if (proc.exitCode !== null) reject(new Error(`a contender exited (${proc.exitCode})`));
      else waiting.push({ resolve, reject });
    }).then((l) => JSON.parse(l));
  const { pid } = await next();
  return {
    proc,
    pid,
    ask: (cmd) => {
      proc.stdin!.write(JSON.stringify(cmd) + '\n');
      return next();
    },
  };
}

// A pid that no process has: that of a child that has already exited.
const deadPid = () => spawnSync('true').pid!;

const CONTENDERS = 4;
const TRIALS = 20;
let contenders: Contender[] = [];

before(async () => {
  contenders = await Promise.all(Array.from({ length: CONTENDERS }, contender));
});
after(() => contenders.forEach((c) => c.proc.kill()));

test(`${CONTENDERS} processes taking over a stale lock at once: one wins, the others are told its pid`, async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-lock-race-'));
  const failures: string[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const dir = path.join(base, String(trial));
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'xos.lock'), String(deadPid()));
    const at = Date.now() + 40;
    const results = await Promise.all(contenders.map((c) => c.ask({ go: dir, at })));
    const winners = contenders.filter((_, i) => results[i].won);
    if (winners.length !== 1) failures.push(`trial ${trial}: ${winners.length} winners (${JSON.stringify(results)})`);
    else {
      const message = new RegExp(`is in use by another XOS process \\(pid ${winners[0].pid}\\)`);
      for (const r of results)
        if (!r.won && !message.test(r.error ?? '')) failures.push(`trial ${trial}: a loser was told "${r.error}"`);
      assert.equal(fs.readFileSync(path.join(dir, 'xos.lock'), 'utf8').trim(), String(winners[0].pid));
    }
    await Promise.all(contenders.map((c) => c.ask({ release: true })));
    if (fs.existsSync(path.join(dir, 'xos.lock'))) failures.push(`trial ${trial}: the lock outlived its release`);
  }
  assert.deepEqual(failures, []);
  // nothing left behind once every lock is released: no temporary or takeover files
  for (let trial = 0; trial < TRIALS; trial++) assert.deepEqual(fs.readdirSync(path.join(base, String(trial))), []);
});

test('a takeover left halfway by a process that died is finished by the next one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-lock-abandoned-'));
  const lock = path.join(dir, 'xos.lock');
  fs.writeFileSync(lock, String(deadPid()));
  fs.writeFileSync(takeoverFile(lock)!, String(deadPid()));
  const release = lockDataDir(dir);
  assert.equal(fs.readFileSync(lock, 'utf8'), String(process.pid));
  assert.deepEqual(fs.readdirSync(dir), ['xos.lock'], 'the abandoned takeover file is gone');
  return release();
});

test('while a live process is taking over a stale lock, the others are told its pid', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-lock-taking-'));
  const lock = path.join(dir, 'xos.lock');
  fs.writeFileSync(lock, String(deadPid()));
  const taker = contenders[0];
  fs.writeFileSync(takeoverFile(lock)!, String(taker.pid));
  assert.throws(() => lockDataDir(dir), new RegExp(`in use by another XOS process \\(pid ${taker.pid}\\)`));
  assert.notEqual(fs.readFileSync(lock, 'utf8'), String(process.pid));
});
