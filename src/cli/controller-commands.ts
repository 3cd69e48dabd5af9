// `xos controller add` registers a cluster and waits for the synchronizer's connection check;
// `xos controller import` brings in its compute hosts, flavors and public images. Both go through
// the API like every object command.
import fs from 'node:fs';
import type { Command } from 'commander';
import type { Row } from '../model/types.js';
import type { ApiRows } from '../model/rows.js';
import type { ListPage } from '../api/contract.js';
import type { ImportSummary } from '../ops/import-controller.js';
import { api, type Connection } from './client.js';
import { formatOf, outputOption, render, table } from './formats.js';

const many = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

function password(o: { password?: string; passwordFile?: string }): string {
  if (o.password !== undefined && o.passwordFile !== undefined) throw new Error('give --password or --password-file, not both');
  let pw: string | undefined = o.password;
  if (o.passwordFile !== undefined) {
    try {
      pw = fs.readFileSync(o.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new Error(`--password-file: cannot read ${o.passwordFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  pw ??= process.env.XOS_CONTROLLER_PASSWORD;
  if (!pw) throw new Error("the cluster's admin password: give --password-file FILE, set XOS_CONTROLLER_PASSWORD, or --password");
  return pw;
}

function rewrites(rules: string[]) {
  return rules.map((r) => {
    const i = r.indexOf('=');
    if (i <= 0 || i === r.length - 1) throw new Error(`--rewrite "${r}": write FROM=TO, e.g. 10.0.0.0/8=cloud.example.com`);
    return { from: r.slice(0, i), to: r.slice(i + 1) };
  });
}

async function deploymentId(c: Connection, given: string | undefined): Promise<number> {
  if (given && /^\d+$/.test(given)) return Number(given);
  if (given) {
    const r = await api<ListPage<ApiRows['Deployment']>>(c, 'GET', `/api/core/deployments?name=${encodeURIComponent(given)}`);
    if (!r.items.length) throw new Error(`--deployment: no deployment named "${given}" (xos list deployments)`);
    return r.items[0].id;
  }
  const r = await api<ListPage<ApiRows['Deployment']>>(c, 'GET', '/api/core/deployments?limit=20');
  if (r.total === 1) return r.items[0].id;
  if (!r.total) throw new Error('there is no deployment to add the controller to: create one first (xos create deployment name=…)');
  throw new Error(`give --deployment: there are ${r.total} deployments (${r.items.map((d) => `${d.id} ${d.name}`).join(', ')}${r.total > r.items.length ? ', …' : ''})`);
}

async function controllerId(c: Connection, given: string): Promise<number> {
  if (/^\d+$/.test(given)) return Number(given);
  const r = await api<ListPage<ApiRows['Controller']>>(c, 'GET', `/api/core/controllers?name=${encodeURIComponent(given)}`);
  if (!r.items.length) throw new Error(`no controller named "${given}" that you may see (xos list controllers)`);
  return r.items[0].id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function addControllerCommands(program: Command, conn: () => Connection) {
  const controller = program.command('controller').description('Connect OpenStack clusters (Controllers) and import what they have');

  controller
    .command('add <name>')
    .description('Register a cluster, then wait for XOS to check the connection and show the result')
    .requiredOption('--auth-url <url>', 'Keystone v3 endpoint, e.g. https://cloud.example.com:5000/v3')
    .requiredOption('--user <name>', 'admin user')
    .option('--password <password>', 'admin password (visible to other local users; prefer --password-file or $XOS_CONTROLLER_PASSWORD)')
    .option('--password-file <file>', 'read the admin password from this file')
    .option('--project <name>', 'admin project', 'admin')
    .option('--domain <name>', 'Keystone domain of the user and the project', 'Default')
    .option('--region <name>', 'catalog region (default: the first one)')
    .option('--deployment <id or name>', 'deployment the cluster serves (default: the only one)')
    .option('--ca-bundle <file>', 'PEM file with the CA certificates to trust')
    .option('--rewrite <FROM=TO>', 'reach catalog addresses FROM (address or CIDR) at host TO; repeatable', many)
    .option('--release <name>', 'OpenStack release, e.g. Zed')
    .option('--wait <seconds>', 'how long to wait for the connection check', '60')
    .option('--no-wait', 'do not wait for the connection check')
    .option('--json', 'print the controller as JSON')
    .action(async (name: string, o) => {
      const c = conn();
      const body: Row = {
        name,
        deployment: await deploymentId(c, o.deployment),
        auth_url: o.authUrl,
        admin_user: o.user,
        admin_password: password(o),
        admin_tenant: o.project,
        domain: o.domain,
      };
      if (o.region) body.region = o.region;
      if (o.release) body.backend_version = o.release;
      if (o.rewrite) body.endpoint_rewrite = rewrites(o.rewrite);
      if (o.caBundle) {
        try {
          body.ca_bundle = fs.readFileSync(o.caBundle, 'utf8');
        } catch (e) {
          throw new Error(`--ca-bundle: cannot read ${o.caBundle} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      const waitSeconds = o.wait === false ? 0 : Number(o.wait);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new Error(`--wait: "${o.wait}" is not a number of seconds`);
      const say = (line: string) => (o.json ? process.stderr : process.stdout).write(line + '\n');
      let row = await api<ApiRows['Controller']>(c, 'POST', '/api/core/controllers', body);
      say(`created controller ${row.id} (${row.name})`);
      if (waitSeconds === 0) {
        if (o.json) console.log(JSON.stringify(row, null, 2));
        else say(`its connection is checked in the background: xos show controller ${row.id}`);
        return;
      }
      say(`checking the connection to ${row.auth_url} …`);
      const deadline = Date.now() + waitSeconds * 1000;
      let shown = '';
      while (row.backend_code === 0 && Date.now() < deadline) {
        if (row.backend_status !== shown) say(`  ${(shown = row.backend_status)}`);
        await sleep(500);
        row = await api<ApiRows['Controller']>(c, 'GET', `/api/core/controllers/${row.id}`);
      }
      if (o.json) console.log(JSON.stringify(row, null, 2));
      const code = row.backend_code;
      if (code === 1) {
        say(`controller ${row.name}: ${row.backend_status}`);
        if (!o.json) say(`next: xos controller import ${row.name}`);
        return;
      }
      if (code === 2)
        throw new Error(
          `controller ${row.name}: the connection check failed: ${row.backend_status}\n` +
            `  The controller was saved (id ${row.id}) and is checked again later. Fix it with ` +
            `\`xos update controller ${row.id} field=value\`, or remove it with \`xos delete controller ${row.id}\`.`,
        );
      throw new Error(
        `controller ${row.name}: no result after ${waitSeconds} s (${row.backend_status}); is the synchronizer running ` +
          `([observer] enabled)? Follow it with \`xos show controller ${row.id}\`.`,
      );
    });

  controller
    .command('import <controller>')
    .description("Create Nodes from a cluster's compute hosts and import its flavors and public images (name or id)")
    .option('--site <id>', 'site for the site deployment of the nodes (default: the one already bound, else the first site)')
    .addOption(outputOption())
    .option('--json', 'print the summary as JSON (-o json)')
    .action(async (given: string, o) => {
      const c = conn();
      if (o.site !== undefined && !/^\d+$/.test(o.site)) throw new Error(`--site: "${o.site}" is not a site id`);
      const id = await controllerId(c, given);
      const s = await api<ImportSummary>(c, 'POST', `/api/core/controllers/${id}/import`, o.site !== undefined ? { site: Number(o.site) } : {});
      const format = formatOf(o);
      if (format !== 'table') {
        const rows = s.items.map((i) => [i.kind, i.name, i.result, String(i.id ?? ''), i.detail ?? '']);
        process.stdout.write(render(format, { columns: ['kind', 'name', 'result', 'id', 'detail'], rows, data: s }));
        return;
      }
      const rows = s.items.map((i) => [i.kind, i.name, i.result, i.id ?? '', i.detail ?? '']);
      // details wrap at 62 columns; the other columns fit their contents
      console.log(table(['kind', 'name', 'result', 'id', 'detail'], rows, [null, null, null, null, 62]));
      const n = s.counts;
      console.log(
        `controller ${s.controller.name}: ${n.created} created, ${n.existing} already there, ${n.conflict} in conflict, ${n.skipped} skipped ` +
          `(nodes in site deployment ${s.site_deployment})`,
      );
    });
}
