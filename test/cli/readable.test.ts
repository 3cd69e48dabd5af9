// The CLI as people read it, against a real `xos serve`: references by name (only where the caller
// may read them), a compact `show`, `models` that explains itself, every listing in table, JSON,
// YAML and CSV, shell completion run in bash, and conflicts told as sentences.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { cliRunner, serve, type Served } from '../helpers/xos-process.js';

const PASSWORD = 'readable-admin-1';

describe('a CLI that reads well', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xos-readable-'));
  let server: Served;
  let env: Record<string, string>;
  const { cli, fails } = cliRunner(() => env);
  const bob = { XOS_USER: 'bob@example.com', XOS_PASSWORD: 'bob-password-1' };
  // requests the server logged (at debug level it logs each one) for this path prefix
  const requests = (prefix: string) => server.output().split('\n').filter((l) => l.includes('incoming request') && l.includes(`"url":"${prefix}`)).length;

  before(async () => {
    const dataDir = path.join(tmp, 'data');
    server = await serve({ XOS_DATA_DIR: dataDir, XOS_ADMIN_PASSWORD: PASSWORD, XOS_API_LOG_LEVEL: 'debug', XOS_OBSERVER_ENABLED: 'false' });
    env = { XOS_API_PORT: String(server.port), XOS_CLI_HOME: path.join(tmp, 'cli'), XOS_DATA_DIR: dataDir, XOS_ADMIN_PASSWORD: PASSWORD };
    await cli(['create', 'site', 'name=Lab "North", Rack 1', 'login_base=north']);
    await cli(['create', 'slice', 'name=mysite_web', 'site=1', 'description=web servers']);
    await cli(['create', 'slice', 'name=mysite_db', 'site=1']);
    await cli(['create', 'slice', 'name=north_secret', 'site=2']);
    await cli(['create', 'user', `email=${bob.XOS_USER}`, `password=${bob.XOS_PASSWORD}`, 'site=1', 'firstname=Bob', 'lastname=Smith']);
  });
  after(async () => {
    if (server.proc.exitCode === null) await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('list shows references by name, with one request per referenced type, and --ids gives the numbers', async () => {
    const before = requests('/api/core/sites?');
    const r = await cli(['list', 'slices']);
    assert.match(r.stdout, /│ mysite_web +│ MySite +│/);
    assert.match(r.stdout, /│ north_secret +│ Lab "North", Rack 1 +│/);
    assert.equal(requests('/api/core/sites?') - before, 1, 'three rows, two sites, one request');
    assert.equal((r.stdout.match(/├/g) ?? []).length, 1, 'a rule under the heading only');
    const ids = await cli(['list', 'slices', '--ids']);
    assert.match(ids.stdout, /│ mysite_web +│ 1 +│/);
    assert.doesNotMatch(ids.stdout, /MySite/);
  });

  test('a reference the caller may not read shows as #id, never by its name', async () => {
    const owner = JSON.parse((await cli(['list', 'slices', 'name=north_secret', '--json'])).stdout).items[0].id;
    await cli(['create', 'network', 'name=shared-net', 'template=1', `owner=${owner}`, 'permit_all_slices=true']);
    const admin = await cli(['list', 'networks']);
    assert.match(admin.stdout, /│ shared-net +│ north_secret +│ Private/);
    const seen = await cli(['list', 'networks'], bob);
    assert.match(seen.stdout, new RegExp(`│ shared-net +│ #${owner} +│ Private`));
    assert.doesNotMatch(seen.stdout, /north_secret/);
    const id = JSON.parse((await cli(['list', 'networks', '--json'], bob)).stdout).items[0].id;
    const shown = await cli(['show', 'network', String(id)], bob);
    assert.match(shown.stdout, new RegExp(`^  owner +#${owner}$`, 'm'));
    assert.doesNotMatch(shown.stdout, /north_secret/);
  });

  test('show is a compact two-column view with the synchronizer fields under "status"', async () => {
    const r = await cli(['show', 'slice', '1']);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'slice 1 (mysite_web)');
    assert.doesNotMatch(r.stdout, /[│├─]/, 'no ruled lines');
    assert.match(r.stdout, /^  site +MySite \(1\)$/m);
    assert.match(r.stdout, /^  description +web servers$/m);
    const status = lines.indexOf('status');
    assert.ok(status > lines.findIndex((l) => /^  name /.test(l)), r.stdout);
    const backend = lines.findIndex((l) => /^  backend_status +\S/.test(l));
    assert.ok(backend > status && backend < lines.indexOf('record'), r.stdout);
    assert.ok(lines.findIndex((l) => /^  max_instances +10$/.test(l)) < status, r.stdout);
  });

  test('models explains its marks and shows types, choices and help; it takes a type', async () => {
    const r = await cli(['models', 'instance']);
    assert.match(r.stdout, /│ slice +│ ref Slice +│ \* once +│/);
    assert.match(r.stdout, /│ reboot_type +│ enum +│ ro +│ +│ soft, hard +│ The kind of the last reboot asked for/);
    assert.match(r.stdout, /^marks:\n  \* +required/m);
    assert.match(r.stdout, /^  ro +read-only/m);
    const json = JSON.parse((await cli(['models', 'slices', '-o', 'json'])).stdout);
    assert.deepEqual(json.fields.find((f: { name: string }) => f.name === 'name').marks, ['*', 'once', 'unique']);
    assert.match((await cli(['models'])).stdout, /│ slices +│ Slice +│ name\* site\*/);
    assert.match((await fails(['models', 'gizmo'])).stderr, /unknown object type "gizmo"/);
  });

  test('every listing prints table, JSON, YAML and RFC 4180 CSV', async () => {
    const csv = (await cli(['list', 'sites', '-o', 'csv'])).stdout;
    assert.equal(csv.split('\r\n')[0], 'id,name,login_base,enabled,backend_status');
    assert.match(csv, /\r\n2,"Lab ""North"", Rack 1",north,true,/);
    const slicesCsv = (await cli(['list', 'slices', '-o', 'csv', '--sort', 'name'])).stdout.split('\r\n');
    assert.match(slicesCsv[1], /^\d+,mysite_db,MySite,10,true,/);
    const yaml = parseYaml((await cli(['list', 'slices', '-o', 'yaml'])).stdout);
    assert.equal(yaml.total, 3);
    assert.equal(yaml.items.find((s: { name: string }) => s.name === 'mysite_web').site, 1, 'YAML and JSON keep the API\'s ids');
    assert.deepEqual(JSON.parse((await cli(['list', 'slices', '-o', 'json'])).stdout), yaml);
    assert.equal(parseYaml((await cli(['models', 'flavor', '-o', 'yaml'])).stdout).name, 'Flavor');
    assert.equal((await cli(['models', '-o', 'csv'])).stdout.split('\r\n')[0], 'type,label,fields you set (* required)');
    const doctor = await cli(['doctor', '-o', 'yaml']).catch((e: { stdout: string }) => e);
    assert.ok(parseYaml(doctor.stdout).summary, doctor.stdout);
    assert.match((await fails(['list', 'slices', '-o', 'xml'])).stderr, /Allowed choices are table, json, yaml, csv/);
    for (const cmd of [['list'], ['models'], ['doctor'], ['cluster', 'run'], ['controller', 'import']])
      assert.match((await cli([...cmd, '--help'])).stdout, /-o, --output <format>/, cmd.join(' '));
  });

  test('completion for bash completes commands, types, fields and formats when bash runs it', async () => {
    const script = path.join(tmp, 'xos.bash');
    fs.writeFileSync(script, (await cli(['completion', 'bash'])).stdout);
    const complete = async (line: string) => {
      const words = line.split(' ');
      const bash = `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _xos_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = await promisify(execFile)('bash', ['-c', bash]);
      return r.stdout.split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(await complete('xos li'), ['list']);
    assert.ok((await complete('xos ')).includes('completion'));
    assert.deepEqual(await complete('xos show sli'), ['slice', 'sliceprivilege', 'sliceprivileges', 'slicerole', 'sliceroles', 'slices']);
    assert.deepEqual(await complete('xos create slice ma'), ['max_instances=']);
    assert.deepEqual(await complete('xos update instances 3 pow'), ['power='], 'read-only power_state is not offered');
    assert.deepEqual(await complete('xos update instances 3'), [], 'the third word is an id');
    assert.deepEqual(await complete('xos list slices -o '), ['csv', 'json', 'table', 'yaml']);
    assert.ok((await complete('xos list slices --i')).includes('--ids'));
    assert.deepEqual(await complete('xos controller im'), ['import']);
    const zsh = (await cli(['completion', 'zsh'])).stdout;
    assert.match(zsh, /^#compdef xos\n[\s\S]*bashcompinit[\s\S]*complete -F _xos_completion xos/);
    assert.match((await fails(['completion', 'fish'])).stderr, /shell: "fish" is not one of bash, zsh/);
  });

  test('conflicts read as sentences, and the first thing to fix comes first', async () => {
    const dup = await fails(['create', 'slice', 'name=mysite_web', 'site=1']);
    assert.equal(dup.stderr.trim(), 'error (HTTP 409): a slice named mysite_web already exists (slice 1)');
    const pool = ['create', 'addresspool', 'cidr=10.0.2.0/24', 'gateway=10.0.2.1'];
    await cli([...pool, 'name=ext', 'deployment=1', 'ranges=10.0.2.3-10.0.2.15']);
    // the same name and a range outside the CIDR: the range is what the person must fix first
    const both = await fails([...pool, 'name=ext', 'deployment=1', 'ranges=10.0.3.5']);
    assert.match(both.stderr, /HTTP 400[\s\S]*ranges: "10\.0\.3\.5" is not inside 10\.0\.2\.0\/24/);
    assert.doesNotMatch(both.stderr, /already exists/);
    const taken = await fails([...pool, 'name=ext', 'deployment=1', 'ranges=10.0.2.20']);
    assert.match(taken.stderr, /^error \(HTTP 409\): an address pool named ext already exists \(address pool (\d+)\); an address pool with deployment 1 already exists \(address pool \1\)$/m);
  });
});
