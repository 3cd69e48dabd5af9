// `xos cluster run` over the API: the built-in reads on every cluster at once, identical output
// grouped under the clusters' names, a dead cluster reported as unreachable (exit 1), and the API
// refusing anything but the built-ins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ADMIN } from '../helpers/xos.js';
import { opsWorld, type OpsWorld } from '../helpers/ops.js';
import { xos } from '../helpers/xos-process.js';

const run = promisify(execFile);

describe('xos cluster run', () => {
  let w: OpsWorld;
  let url: string;
  const cli = (args: string[]) =>
    run(xos, args, { env: { ...process.env, XOS_URL: url, XOS_USER: ADMIN.email, XOS_PASSWORD: ADMIN.password } }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );
  before(async () => {
    w = await opsWorld();
    await w.addCluster('a1');
    await w.addCluster('a2');
    await w.addCluster('dead');
    w.clouds.get('dead')!.fail('* /identity/**', { drop: true });
    url = await w.listen();
  });
  after(() => w.close());

  test('agents on every cluster: identical output once, the dead cluster unreachable, exit 1', async () => {
    const r = await cli(['cluster', 'run', 'agents', '--timeout', '60']);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /a1,a2 \(2\)\n-+\n[\s\S]*DHCP agent/);
    assert.match(r.out, /dead \(1\)\n-+\nunreachable: cannot reach Keystone/);
    assert.match(r.err, /dead: unreachable/);
  });

  test('--controller and --json', async () => {
    const r = await cli(['cluster', 'run', 'services', '--controller', 'a1', '--json']);
    assert.equal(r.code, 0, r.err);
    const [x, ...rest] = JSON.parse(r.out);
    assert.deepEqual(rest, []);
    assert.equal(x.cluster, 'a1');
    assert.equal(x.state, 'ok');
    assert.ok(x.rows.some((row: string[]) => row[0] === 'nova-compute'));
  });

  test('servers: counts by status per cluster, identical counts once under their clusters, the dead cluster unreachable, exit 1', async () => {
    const a3 = (await w.addCluster('a3')).cloud;
    for (const [name, cloud] of [['a1', w.clouds.get('a1')!], ['a2', w.clouds.get('a2')!], ['a3', a3]] as const)
      cloud.nova.addServer({ name: `${name}-web`, project: cloud.keystone.admin.project.id, status: 'ACTIVE' });
    a3.nova.addServer({ name: 'a3-broken', project: a3.keystone.admin.project.id, status: 'ERROR' });
    const r = await cli(['cluster', 'run', 'servers', '--timeout', '60']);
    assert.equal(r.code, 1, r.out + r.err);
    // clush -b: "---------------\n<clusters> (<n>)\n---------------\n<their output>", one block per distinct output.
    const parts = r.out.split('---------------\n').slice(1);
    const groups = Object.fromEntries(Array.from({ length: parts.length / 2 }, (_, i) => [parts[2 * i].trim(), parts[2 * i + 1]]));
    assert.deepEqual(Object.keys(groups).sort(), ['a1,a2 (2)', 'a3 (1)', 'dead (1)'], r.out);
    const count = (text: string, status: string) => new RegExp(`│ ${status} +│ (\\d+) +│`).exec(text)?.[1];
    assert.match(groups['a1,a2 (2)'], /Status[ │]+Count/);
    assert.equal(count(groups['a1,a2 (2)'], 'ACTIVE'), '1');
    assert.equal(count(groups['a1,a2 (2)'], 'ERROR'), undefined);
    assert.equal(count(groups['a3 (1)'], 'ACTIVE'), '1');
    assert.equal(count(groups['a3 (1)'], 'ERROR'), '1');
    assert.match(groups['dead (1)'], /^unreachable: cannot reach Keystone/);
    assert.match(r.err, /dead: unreachable/);
  });

  test('the API runs the built-ins only', async () => {
    const r = await w.s.call(ADMIN, 'POST', '/api/ops/run', { command: 'server delete x' });
    assert.equal(r.status, 400);
    assert.match(JSON.stringify(r.body), /command/);
  });
});
