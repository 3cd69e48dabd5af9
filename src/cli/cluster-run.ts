// `xos cluster run services|agents|servers [--deployment ID] [--controller NAME] [--timeout S]
// [--json]`: the built-in read on every chosen cluster at once, grouped as clush -b does
// (identical output shown once, under its clusters' names). Exit 0 unless a cluster failed.
import type { Command } from 'commander';
import Table from 'cli-table3';
import { api, type Connection } from './client.js';
import { BUILTINS, groupOutputs, type RunResult } from '../ops/fan-out.js';

const render = (r: RunResult) => {
  const t = new Table({ head: r.columns, style: { head: [], border: [] } });
  for (const row of r.rows) t.push(row.map((v) => (v === null ? '' : String(v))));
  return t.toString();
};

export function addClusterRunCommand(program: Command, conn: () => Connection) {
  program
    .command('cluster')
    .description('Commands across clusters')
    .command('run')
    .description(`Run a built-in read on every cluster at once: ${Object.keys(BUILTINS).join(', ')} (exit 1 if a cluster failed)`)
    .argument('<command>', Object.keys(BUILTINS).join('|'))
    .option('--deployment <id>', 'only the clusters of this deployment')
    .option('--controller <name>', 'only this cluster')
    .option('--timeout <seconds>', 'per cluster (default [ops] timeout)')
    .option('--json', 'print the results as JSON')
    .action(async (command: string, o: { deployment?: string; controller?: string; timeout?: string; json?: boolean }) => {
      if (!(command in BUILTINS)) throw new Error(`command: "${command}" is not one of ${Object.keys(BUILTINS).join(', ')}`);
      const body: Record<string, unknown> = { command };
      if (o.deployment !== undefined) body.deployment = Number(o.deployment);
      if (o.controller) body.controller = o.controller;
      if (o.timeout !== undefined) body.timeout = Number(o.timeout);
      const r = await api<{ results: RunResult[] }>(conn(), 'POST', '/api/ops/run', body);
      if (o.json) console.log(JSON.stringify(r.results, null, 2));
      else
        for (const g of groupOutputs(r.results, render))
          console.log(`---------------\n${g.clusters.join(',')} (${g.clusters.length})\n---------------\n${g.text}`);
      const bad = r.results.filter((x) => x.state !== 'ok');
      for (const b of bad) console.error(`xos: ${b.cluster}: ${b.state}${b.error ? ` (${b.error})` : ''}`);
      process.exitCode = bad.length ? 1 : 0;
    });
}
