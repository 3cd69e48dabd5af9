// `xos cluster run services|agents|servers [--deployment ID] [--controller NAME] [--timeout S]
// [--json]`: the built-in read on every chosen cluster at once, over the API.
// `xos cluster run [options] -- <openstack arguments>`: the real `openstack` client on every chosen
// cluster at once, run here with per-cluster tokens from the API (openstack-run.ts).
// Both group output as clush -b does (identical output shown once, under its clusters' names)
// and exit 0 unless a cluster failed.
import type { Command } from 'commander';
import { api, type Connection } from './client.js';
import { formatOf, outputOption, render as renderAs, table, type Format } from './formats.js';
import { BUILTINS, groupOutputs, type RunResult } from '../ops/fan-out.js';
import type { IssuedCredentials } from '../ops/run-credentials.js';
import type { ClientRun } from './openstack-run.js';

const cells = (row: RunResult['rows'][number]) => row.map((v) => (v === null ? '' : String(v)));
const render = (r: RunResult) => table(r.columns, r.rows.map(cells));

const renderClient = (r: ClientRun) => r.stdout.replace(/\s+$/, '') || '(no output)';

interface RunOptions {
  deployment?: string;
  controller?: string;
  timeout?: string;
  fanout?: string;
  json?: boolean;
  output?: string;
}

function positive(name: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name}: "${v}" is not a ${integer ? 'whole ' : ''}number greater than 0`);
  return n;
}

// Grouped as clush -b does for a table; JSON and YAML give the results as they are, CSV their rows.
function print<R extends { cluster: string; state: string; error: string | null }>(
  results: R[],
  format: Format,
  text: (r: R) => string,
  flat: () => { columns: string[]; rows: string[][] },
) {
  if (format !== 'table') process.stdout.write(renderAs(format, { ...flat(), data: results }));
  else
    for (const g of groupOutputs(results, text))
      console.log(`---------------\n${g.clusters.join(',')} (${g.clusters.length})\n---------------\n${g.text}`);
  const bad = results.filter((x) => x.state !== 'ok');
  for (const b of bad) console.error(`xos: ${b.cluster}: ${b.state}${b.error ? ` (${b.error.split('\n')[0]})` : ''}`);
  process.exitCode = bad.length ? 1 : 0;
}

export function addClusterRunCommand(program: Command, conn: () => Connection) {
  program
    .command('cluster')
    .description('Commands across clusters')
    .command('run')
    .description(
      `Run a built-in read (${Object.keys(BUILTINS).join(', ')}) or, after --, the openstack client with its arguments, on every cluster at once ` +
        '(exit 1 if a cluster failed). The client runs on this machine with a token per cluster that the API gives administrators for this run only.',
    )
    .usage('[options] <command>  |  [options] -- <openstack arguments...>')
    .argument('[command...]', `${Object.keys(BUILTINS).join('|')}, or after -- the openstack client's arguments`)
    .option('--deployment <id>', 'only the clusters of this deployment')
    .option('--controller <name>', 'only this cluster')
    .option('--timeout <seconds>', 'per cluster (default: [ops] timeout for a built-in, 60 for the openstack client)')
    .option('--fanout <n>', 'openstack client: how many clusters at once (default 16)')
    .addOption(outputOption())
    .option('--json', 'print the results as JSON (-o json)')
    .action(async (words: string[], o: RunOptions) => {
      const dashed = process.argv.slice(2).includes('--');
      const format = formatOf(o);
      const deployment = positive('deployment', o.deployment, true);
      const scope: Record<string, unknown> = {};
      if (deployment !== undefined) scope.deployment = deployment;
      if (o.controller) scope.controller = o.controller;
      if (dashed) {
        if (!words.length) throw new Error('openstack arguments: none given after --, e.g. xos cluster run -- server list --all-projects');
        const timeoutS = positive('timeout', o.timeout, false) ?? 60;
        const fanout = positive('fanout', o.fanout, true) ?? 16;
        const issued = await api<{ items: IssuedCredentials[] }>(conn(), 'POST', '/api/ops/run-credentials', scope);
        // loaded here: it brings the OpenStack HTTP client, which no other command needs
        const { runOpenstackClient } = await import('./openstack-run.js');
        const results = await runOpenstackClient(issued.items, words, { timeoutMs: timeoutS * 1000, fanout });
        print(results, format, renderClient, () => ({
          columns: ['cluster', 'state', 'exit_code', 'stdout'],
          rows: results.map((x) => [x.cluster, x.state, x.exit_code === null ? '' : String(x.exit_code), x.stdout]),
        }));
        return;
      }
      const [command, ...extra] = words;
      if (!command || !(command in BUILTINS) || extra.length)
        throw new Error(`command: "${words.join(' ')}" is not one of ${Object.keys(BUILTINS).join(', ')}; to run the openstack client, give its arguments after --`);
      const timeout = positive('timeout', o.timeout, true);
      const r = await api<{ results: RunResult[] }>(conn(), 'POST', '/api/ops/run', { command, ...scope, ...(timeout !== undefined ? { timeout } : {}) });
      // one row per cluster row, the cluster's name first
      print(r.results, format, render, () => ({
        columns: ['cluster', ...(r.results.find((x) => x.columns.length)?.columns ?? [])],
        rows: r.results.flatMap((x) => x.rows.map((row) => [x.cluster, ...cells(row)])),
      }));
    });
}
