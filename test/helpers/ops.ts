// The operator tools' test world: an XOS test server, fake clouds registered as controllers
// (each in a deployment of its own), and the OpenStack probe that the collectors use.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ADMIN, buildTestServer, callerOf, startTestServer, type TestServer } from './xos.js';
import { FakeCloud, type FakeCloudOptions } from '../fake-cloud/index.js';
import { openstackProbe } from '../../src/openstack/probe.js';
import { openstackRunAccess } from '../../src/openstack/run-access.js';
import { pollClusters } from '../../src/ops/collectors.js';
import type { ClusterProbe } from '../../src/ops/cluster-probe.js';

export interface OpsWorld {
  s: TestServer; // its call() goes to a server with the probe wired in (the doctor reads afresh)
  probe: ClusterProbe;
  clouds: Map<string, FakeCloud>;
  ids: Record<string, number>;
  make: (plural: string, body: Record<string, unknown>) => Promise<number>;
  addCluster: (name: string, o?: FakeCloudOptions & { natNet?: boolean }) => Promise<{ cloud: FakeCloud; ctl: number; dep: number }>;
  poll: () => ReturnType<typeof pollClusters>;
  listen: () => Promise<string>; // the server over HTTP (for the command line), its URL
  close: () => Promise<void>;
}

export async function opsWorld(): Promise<OpsWorld> {
  const s = await startTestServer('pglite');
  const probe = openstackProbe((x) => s.store.secret(x), { timeoutMs: 15_000 });
  const runAccess = openstackRunAccess((x) => s.store.secret(x), { timeoutMs: 15_000 });
  const app = await buildTestServer({ store: s.store, config: s.config, logger: false, probe, runAccess });
  s.call = callerOf(app);
  const clouds = new Map<string, FakeCloud>();
  const ids: Record<string, number> = {};
  const make = async (plural: string, body: Record<string, unknown>) => {
    const r = await s.call(ADMIN, 'POST', `/api/core/${plural}`, body);
    assert.equal(r.status, 201, `creating ${plural}: ${JSON.stringify(r.body)}`);
    return r.body.id as number;
  };
  return {
    s,
    probe,
    clouds,
    ids,
    make,
    async addCluster(name, o = {}) {
      const cloud = await FakeCloud.start(o);
      if (o.natNet !== false) {
        const nat = cloud.neutron.addNetwork({ name: 'nat-net', shared: true });
        cloud.neutron.addSubnet({ network_id: nat.id, cidr: '172.16.0.0/22', name: 'nat-subnet' });
      }
      clouds.set(name, cloud);
      const dep = await make('deployments', { name: `dep-${name}` });
      const ctl = await make('controllers', {
        name,
        deployment: dep,
        auth_url: cloud.authUrl,
        admin_user: cloud.adminUser,
        admin_password: cloud.adminPassword,
        admin_tenant: cloud.adminProject,
        domain: cloud.domain,
        no_sync: true, // the synchronizer is not running here; the collectors read the cluster as it is
      });
      ids[name] = ctl;
      ids[`dep-${name}`] = dep;
      return { cloud, ctl, dep };
    },
    // Generous: the machine running the tests may be busy; a dead cluster is made to fail at once.
    listen: async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const a = app.server.address();
      return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    },
    poll: () => pollClusters(s.store, probe, { timeoutMs: 15_000 }),
    async close() {
      for (const c of clouds.values()) await c.close();
      await app.close();
      await s.close();
    },
  };
}
