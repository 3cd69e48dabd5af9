// Credentials for `xos cluster run -- <openstack arguments>`. No HTTP endpoint of XOS runs a
// command: the command line runs the real `openstack` client itself, on the operator's machine,
// and asks the API only for what that client needs to reach each cluster for one run.
//
// What it gets is not the controller's admin password but a fresh Keystone token per cluster,
// obtained with it and scoped to the controller's admin project. A token can be used for one
// thing only (the cluster's API) and for a bounded time (Keystone's token lifetime), the command
// line revokes it as soon as its run ends, and the password never leaves the server. Only root
// administrators who may write get one (a token is the cluster's admin power: more than reading
// the operator tools, which deployment admins and read-only administrators may), and every
// token handed out is recorded in the audit log under its controller.
import { model } from '../model/registry.js';
import type { Row } from '../model/types.js';
import type { Actor } from '../store/actor.js';
import type { Store } from '../store/repository.js';
import { withinDeadline, type ClusterState } from './fan-out.js';

export interface RunCredentials {
  auth_url: string;
  token: string;
  expires_at: string;
  project_id: string;
  region: string | null;
  interface: string;
  ca_bundle: string | null; // PEM: the controller's CA bundle and [nova] ca_ssl_cert
  // Service type -> URL, where the controller's endpoint rewrite changes the catalog's URL.
  endpoint_overrides: Record<string, string>;
}

// A backend (src/openstack/run-access.ts) implements it. `controller` is the stored row
// (secrets encrypted). Failures are ProbeErrors, so that unreachable clusters are told apart.
export interface ClusterRunAccess {
  issue(controller: Row, o: { signal: AbortSignal; timeoutMs: number }): Promise<RunCredentials>;
}

export interface IssuedCredentials {
  cluster: string;
  state: ClusterState;
  error: string | null;
  credentials: RunCredentials | null;
}

export async function issueRunCredentials(
  store: Store,
  access: ClusterRunAccess,
  actor: Actor,
  o: { deployments?: number[]; names?: string[]; timeoutMs: number },
): Promise<IssuedCredentials[]> {
  const clusters = await store.clusters.clusters({ deployments: o.deployments, names: o.names });
  const Controller = model('Controller');
  return Promise.all(
    clusters.map(async (c): Promise<IssuedCredentials> => {
      const r = await withinDeadline(o.timeoutMs, async (signal) => access.issue((await store.raw(Controller, c.id))!, { signal, timeoutMs: o.timeoutMs }));
      if (!('value' in r)) return { cluster: c.name, state: r.state, error: r.error, credentials: null };
      await store.recordAudit(actor, 'issue-run-token', Controller, c.id, { expires_at: r.value.expires_at, project_id: r.value.project_id });
      return { cluster: c.name, state: 'ok', error: null, credentials: r.value };
    }),
  );
}
