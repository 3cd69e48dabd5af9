// `xos cluster run services|agents|servers [--deployment ID] [--controller NAME] [--timeout S]
// [--json]`: the built-in read on every chosen cluster at once, grouped as clush -b does
// (identical output shown once, under its clusters' names). Exit 0 unless a cluster failed.
import type { Command } from 'commander';
import { api, type Connection } from './client.js';
import { formatOf, outputOption, render as renderAs, table } from './formats.js';
import { BUILTINS, groupOutputs, type RunResult } from '../ops/fan-out.js';

const cells = (row: RunResult['rows'][number]) => row.map((v) => (v === null ? '' : String(v)));
const render = (r: RunResult) => table(r.columns, r.rows.map(cells));

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
    .addOption(outputOption())
    .option('--json', 'print the results as JSON (-o json)')
    .action(async (command: string, o: { deployment?: string; controller?: string; timeout?: string; json?: boolean; output?: string }) => {
      if (!(command in BUILTINS)) throw new Error(`command: "${command}" is not one of ${Object.keys(BUILTINS).join(', ')}`);
      const body: Record<string, unknown> = { command };
      if (o.deployment !== undefined) body.deployment = Number(o.deployment);
      if (o.controller) body.controller = o.controller;
      if (o.timeout !== undefined) body.timeout = Number(o.timeout);
      const r = await api<{ results: RunResult[] }>(conn(), 'POST', '/api/ops/run', body);
      const format = formatOf(o);
      if (format !== 'table') {
        // one row per cluster row, the cluster's name first
        const columns = ['cluster', ...(r.results.find((x) => x.columns.length)?.columns ?? [])];
        const rows = r.results.flatMap((x) => x.rows.map((row) => [x.cluster, ...cells(row)]));
        process.stdout.write(renderAs(format, { columns, rows, data: r.results }));
      } else
        for (const g of groupOutputs(r.results, render))
          console.log(`---------------\n${g.clusters.join(',')} (${g.clusters.length})\n---------------\n${g.text}`);
      const bad = r.results.filter((x) => x.state !== 'ok');
      for (const b of bad) console.error(`xos: ${b.cluster}: ${b.state}${b.error ? ` (${b.error})` : ''}`);
      process.exitCode = bad.length ? 1 : 0;
    });
}
