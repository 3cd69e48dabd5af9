// What people do with an instance from the command line: power it off and on, reboot it, open its
// console and read its log (`xos power 3 off`, `xos reboot 3 --hard`, `xos console 3`,
// `xos console-log 3 --lines 50`).
import type { Command } from 'commander';
import type { Row } from '../model/types.js';
import { api, type Connection } from './client.js';

const id = (raw: string) => {
  if (!/^\d+$/.test(raw)) throw new Error(`"${raw}" is not an instance id`);
  return raw;
};
const label = (row: Row) => `instance ${row.id}${row.name ? ` (${row.name})` : ''}`;

export function addInstanceCommands(program: Command, conn: () => Connection) {
  program
    .command('power <id> <state>')
    .description('Power an instance on or off: xos power 3 off (the synchronizer stops or starts its server)')
    .action(async (raw: string, state: string) => {
      if (state !== 'on' && state !== 'off') throw new Error(`power: "${state}" is neither on nor off`);
      const row = await api<Row>(conn(), 'PATCH', `/api/core/instances/${id(raw)}`, { power: state });
      console.log(`${label(row)}: power ${state} requested (now ${row.power_state ?? 'unknown'}; the synchronizer makes it ${state})`);
    });

  program
    .command('reboot <id>')
    .description('Reboot an instance once: xos reboot 3 [--hard]')
    .option('--hard', 'reset the server instead of asking its guest to restart')
    .action(async (raw: string, o) => {
      const type = o.hard ? 'hard' : 'soft';
      const row = await api<Row>(conn(), 'POST', `/api/core/instances/${id(raw)}/reboot`, { type });
      console.log(`${label(row)}: ${type} reboot requested (request ${row.reboot_requests}, ${row.reboots_done} done so far)`);
    });

  program
    .command('console <id>')
    .description("Print the URL of an instance's browser console (noVNC)")
    .action(async (raw: string) => {
      const c = await api<{ url: string }>(conn(), 'GET', `/api/core/instances/${id(raw)}/console`);
      console.log(c.url);
    });

  program
    .command('console-log <id>')
    .description("Print an instance's console log")
    .option('--lines <n>', 'only the last n lines')
    .action(async (raw: string, o) => {
      const q = o.lines !== undefined ? `?lines=${encodeURIComponent(o.lines)}` : '';
      const log = await api<{ output: string }>(conn(), 'GET', `/api/core/instances/${id(raw)}/console-log${q}`);
      process.stdout.write(log.output.endsWith('\n') || !log.output ? log.output : `${log.output}\n`);
    });
}
