// The `xos` command. The server and the database code load only for the commands that use them,
// so that the commands that talk to the API start fast.
import { Command } from 'commander';
import { findConfigFile, loadConfig, showConfig } from '../config/load.js';
import type { XosConfig } from '../config/schema.js';
import { VERSION } from '../version.js';
import { ApiError, connection } from './client.js';
import { addLoginCommands } from './login.js';
import { addObjectCommands } from './objects.js';
import { addModelsCommand } from './models-command.js';
import { addCompletionCommand } from './completion.js';
import { addControllerCommands } from './controller-commands.js';
import { addProcessCommands } from './process-commands.js';
import { addNginxConfigCommand } from './nginx-command.js';
import { addDoctorCommand } from './doctor-command.js';
import { addCheckCommands } from './check-commands.js';
import { addInstanceCommands } from './instance-commands.js';
import { addClusterRunCommand } from './cluster-run.js';

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
const configFile = () => findConfigFile(program.opts().config, process.env);
const readConfig = (): XosConfig => loadConfig({ file: configFile() });
const config = (): XosConfig => (cached ??= readConfig());
const conn = () => connection({ url: program.opts().url, port: config().api.port });

program
  .command('serve')
  .description('Run XOS in the foreground: the API and web UI, the synchronizer and the operator collectors')
  .option('--port <port>', 'override [api] port')
  .option('--host <host>', 'override [api] host')
  .option('--roles <roles>', 'override [server] roles: all, or some of api, sync, ops')
  .option('--workers <n>', 'override [server] workers: API processes sharing the port (PostgreSQL only)')
  .action(async (o) => (await import('./serve.js')).serve(readConfig, configFile(), o));

addProcessCommands(program, config, configFile);
addNginxConfigCommand(program, config);

const db = program.command('db').description('Database maintenance');
db.command('migrate')
  .description('Apply the schema migrations (serve does this too)')
  .action(async () => (await import('./db-commands.js')).migrateDb(config()));
db.command('export')
  .description('Write the whole database as SQL that restores into PostgreSQL (psql -f)')
  .option('-o, --output <file>', 'file to write (default: standard output)')
  .action(async (o) => (await import('./db-commands.js')).exportDb(config(), o.output));
db.command('import')
  .description('Load an export (from PostgreSQL or the embedded database) into a new embedded database')
  .argument('<file>', 'the file `xos db export` wrote')
  .action(async (file: string) => (await import('./db-commands.js')).importDb(config(), file));

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
  .action(async (o) => (await import('./db-commands.js')).createUser(config(), o));

const cfg = program.command('config').description('Configuration');
cfg
  .command('show')
  .description('Print the effective configuration, secrets masked')
  .action(() => {
    process.stdout.write(showConfig(config()));
  });

addLoginCommands(program, conn);
addObjectCommands(program, conn);
addModelsCommand(program);
addControllerCommands(program, conn);
addDoctorCommand(program, conn);
addCheckCommands(program, conn);
addInstanceCommands(program, conn);
addClusterRunCommand(program, conn);
addCompletionCommand(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ApiError) {
    // Bad input is listed field by field; anything else (a conflict) is one sentence already.
    const fields = e.status === 400 ? (e.body.errors ?? []) : [];
    console.error(`error (HTTP ${e.status}): ${fields.length ? 'the request was rejected' : e.message}`);
    for (const f of fields) console.error(`  ${f.field}: ${f.message}`);
  } else console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
});

