// One process contending for a data directory lock, driven by datadir-lock.test.ts over its
// standard input, one JSON line per command; it answers one JSON line per command.
//   {"go": "<dir>", "at": <epoch ms>}  try to lock <dir> at that instant: {"won": true} or {"won": false, "error": "..."}
//   {"release": true}                  release the lock if held: {"released": true}
import readline from 'node:readline';
import { lockDataDir } from '../../src/store/lock.js';

let release: (() => Promise<void>) | null = null;
const say = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');

// Sleep until just before the instant, then spin: a timer alone is late by a millisecond or
// more, which is longer than the race being tested.
async function until(at: number) {
  const sleep = at - Date.now() - 3;
  if (sleep > 0) await new Promise((r) => setTimeout(r, sleep));
  while (Date.now() < at);
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line) as { go?: string; at?: number; release?: boolean };
  if (cmd.go) {
    await until(cmd.at!);
    try {
      release = lockDataDir(cmd.go);
      say({ won: true });
    } catch (e) {
      say({ won: false, error: (e as Error).message });
    }
  } else if (cmd.release) {
    await release?.();
    release = null;
    say({ released: true });
  }
});
say({ pid: process.pid });
