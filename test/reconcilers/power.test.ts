// An instance's power against the fake cloud: power=off stops its server and power=on starts it
// again (Nova os-stop / os-start), Nova's power and task states show on the row, a server stopped
// behind XOS's back is started again on the resync, and a reboot request is carried out once,
// of the kind asked for, and recorded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../src/store/repository.js';
import { World, type R, type Scene } from './world.js';

describe('Instance power and reboot (fake cloud)', () => {
  let w: World;
  before(async () => {
    w = await World.open();
  });
  after(() => w.close());

  const running = async (s: Scene): Promise<{ inst: R; server: ReturnType<Scene['cloud']['nova']['servers']['get']> & object }> => {
    const { slice } = await s.readySlice('app');
    const { link } = await s.readyImage();
    const inst = await s.instance(slice, { id: link.image });
    const row = await s.synced('Instance', inst.id);
    return { inst: row, server: s.cloud.nova.servers.get(row.instance_uuid)! };
  };
  const actions = (s: Scene, serverId: string) =>
    s.cloud.requestsTo(`POST /compute/v2.1/servers/${serverId}/action`).filter((r) => r.status === 202).map((r) => Object.keys(r.json)[0]);

  test('power off stops the server, power on starts it; the row shows Nova\'s power and task states', async () => {
    const s = await w.begin();
    s.cloud.nova.actionReads = 2; // each action shows as Nova's task for a few reads
    const { inst, server } = await running(s);
    assert.equal(inst.power, 'on');
    assert.equal(inst.power_state, 'running');
    assert.equal(inst.task_state, null);

    await s.update('Instance', inst.id, { power: 'off' });
    const busy = await s.settle('Instance', inst.id, (r) => r.task_state === 'powering-off', 'task_state powering-off');
    assert.equal(busy.backend_code, 0, 'pending while Nova works');
    const off = await s.synced('Instance', inst.id);
    assert.equal(server.status, 'SHUTOFF');
    assert.equal(off.power_state, 'shutdown');
    assert.equal(off.task_state, null);
    assert.equal(off.backend_status, '1 - OK (powered off)');
    assert.deepEqual(actions(s, server.id), ['os-stop']);

    await s.update('Instance', inst.id, { power: 'on' });
    const on = await s.settle('Instance', inst.id, (r) => r.backend_code === 1 && r.power_state === 'running', 'running again');
    assert.equal(on.backend_status, '1 - OK');
    assert.equal(server.status, 'ACTIVE');
    assert.deepEqual(actions(s, server.id), ['os-stop', 'os-start'], 'one call each, none while Nova was busy');
  });

  test('a server stopped behind XOS\'s back is started again on the resync', async () => {
    const s = await w.begin();
    const { inst, server } = await running(s);
    Object.assign(server, { status: 'SHUTOFF', power: 4 });
    await s.resync('Instance', inst.id);
    await s.cloudState('the server started again', () => server.status === 'ACTIVE');
    const row = await s.settle('Instance', inst.id, (r) => r.backend_code === 1 && r.power_state === 'running', 'running');
    assert.equal(row.power, 'on');
    assert.deepEqual(actions(s, server.id), ['os-start']);
  });

  test('a reboot is carried out once, of the kind asked for, and recorded', async () => {
    const s = await w.begin();
    const { inst, server } = await running(s);
    const asked = await s.store.requests.reboot(inst.id, 'hard', SYSTEM);
    assert.equal(asked.reboot_requests, 1);
    assert.equal(asked.reboot_type, 'hard');
    const done = await s.settle('Instance', inst.id, (r) => r.reboots_done === 1 && r.backend_code === 1, 'the reboot done');
    assert.ok(done.last_reboot, 'when it was done');
    assert.deepEqual(server.reboots, [{ type: 'HARD' }]);
    // Later passes (a resync, an unrelated change) do not reboot it again.
    await s.update('Instance', inst.id, { user_data: '#cloud-config\n' });
    await s.synced('Instance', inst.id);
    await s.resync('Instance', inst.id);
    await s.synced('Instance', inst.id);
    assert.deepEqual(server.reboots, [{ type: 'HARD' }]);
    // Two more requests: the last one's kind, and each counted.
    await s.store.requests.reboot(inst.id, 'soft', SYSTEM);
    await s.settle('Instance', inst.id, (r) => r.reboots_done === 2 && r.backend_code === 1, 'the second reboot done');
    assert.deepEqual(server.reboots, [{ type: 'HARD' }, { type: 'SOFT' }]);
    const audit = await s.store.auditLog({ model: 'Instance', objectId: inst.id });
    assert.equal(audit.items.filter((a) => a.action === 'reboot').length, 2, 'each request is in the audit log');
  });

  test('a powered-off instance refuses a reboot; one asked for before the stop is settled by it', async () => {
    const s = await w.begin();
    const { inst, server } = await running(s);
    await s.pause();
    await s.store.requests.reboot(inst.id, 'soft', SYSTEM);
    await s.update('Instance', inst.id, { power: 'off' });
    await assert.rejects(s.store.requests.reboot(inst.id, 'soft', SYSTEM), /is powered off \(power=off\): set power=on to start it/);
    await s.resume();
    const off = await s.settle('Instance', inst.id, (r) => r.backend_code === 1 && r.power_state === 'shutdown', 'stopped');
    assert.equal(off.reboots_done, 1);
    assert.deepEqual(server.reboots, [], 'no reboot of a server that is being stopped');
  });
});
