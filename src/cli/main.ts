// The `xos` command.
import { Command } from 'commander';
import { findConfigFile, loadConfig, showConfig } from '../config/load.js';
import type { XosConfig } from '../config/schema.js';
import { VERSION } from '../version.js';
import { ApiError, connection } from './client.js';
import { addLoginCommands } from './login.js';
import { addObjectCommands } from './objects.js';
import { addControllerCommands } from './controller-commands.js';
import { serve } from './serve.js';
import { addDoctorCommand } from './doctor-command.js';
import { addCheckCommands } from './check-commands.js';
import { addClusterRunCommand } from './cluster-run.js';
import { createUser, exportDb, migrateDb } from './db-commands.js';

const program = new Command('xos')
  .version(VERSION)
  .description('XOS: the control plane of a multi-site OpenStack cloud')
  .option('-c, --config <file>', 'xos_config file (default: $XOS_CONFIG, else ./xos_config if present)')
  .option('--url <url>', 'XOS API to talk to (default: $XOS_URL, the saved login, else http://127.0.0.1:<api port>)')
  .showHelpAfterError()
  // Options of `xos` itself come before the command: `xos check -c 90` is the check's critical
  // threshold (the Nagios convention), not --config.
  .enablePositionalOptions();

let cached: XosConfig | undefined;
const config = (): XosConfig => (cached ??= loadConfig({ file: findConfigFile(program.opts().config, process.env) }));
const conn = () => connection({ url: program.opts().url, port: config().api.port });

program
  .command('serve')
  .description('Run XOS: the API and the web UI (and, with an OpenStack backend, the synchronizer)')
  .option('--port <port>', 'override [api] port')
  .option('--host <host>', 'override [api] host')
  .action(async (o) => serve(config(), o));

const db = program.command('db').description('Database maintenance');
db.command('migrate')
  .description('Apply the schema migrations (serve does this too)')
  .action(async () => migrateDb(config()));
db.command('export')
  .description('Write the whole database as SQL that restores into PostgreSQL (psql -f)')
  .option('-o, --output <file>', 'file to write (default: standard output)')
  .action(async (o) => exportDb(config(), o.output));

const user = program.command('user').description('User accounts, directly in the database');
user
  .command('create')
  .description('Create a user (use it to make an administrator without a running server)')
  .requiredOption('--email <email>', 'login email')
  .option('--password <password>', 'password (default: $XOS_NEW_PASSWORD, else generated and printed)')
  .option('--admin', 'make a root administrator')
  .option('--site <id>', 'home site id (default: the first site)')
  .option('--firstname <name>', 'first name', 'XOS')
  .option('--lastname <name>', 'last name', 'User')
  .action(async (o) => createUser(config(), o));

const cfg = program.command('config').description('Configuration');
cfg
  .command('show')
  .description('Print the effective configuration, secrets masked')
  .action(() => {
    process.stdout.write(showConfig(config()));
  });

addLoginCommands(program, conn);
addObjectCommands(program, conn);
addControllerCommands(program, conn);
addDoctorCommand(program, conn);
addCheckCommands(program, conn);
addClusterRunCommand(program, conn);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ApiError) {
    const fields = e.body.errors ?? [];
    console.error(`error (HTTP ${e.status}): ${fields.length ? 'the request was rejected' : e.message}`);
    for (const f of fields) console.error(`  ${f.field}: ${f.message}`);
  } else console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
});

