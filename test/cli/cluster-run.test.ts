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

  test('the API runs the built-ins only', async () => {
    const r = await w.s.call(ADMIN, 'POST', '/api/ops/run', { command: 'server delete x' });
    assert.equal(r.status, 400);
    assert.match(JSON.stringify(r.body), /command/);
  });
});
