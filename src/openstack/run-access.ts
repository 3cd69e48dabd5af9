// Keystone's side of `xos cluster run -- ...` (ops/run-credentials.ts): a fresh token per call,
// from a client of its own (never the collectors' or the synchronizer's, whose token the command
// line would otherwise revoke), with the controller's CA bundle and its endpoint rewrite turned
// into per-service endpoint overrides the `openstack` client understands.
import { findEndpoint } from './client/index.js';
import { caBundleOf, clientFor, type ConnectOptions, type ControllerAccess } from './connect.js';
import { classify } from './probe.js';
import { ProbeError } from '../ops/cluster-probe.js';
import type { ClusterRunAccess, RunCredentials } from '../ops/run-credentials.js';

export function openstackRunAccess(secret: (stored: unknown) => string | null, opts: ConnectOptions = {}): ClusterRunAccess {
  return {
    async issue(controller, o): Promise<RunCredentials> {
      const ctl = controller as unknown as ControllerAccess;
      try {
        const client = clientFor(ctl, { secret, signal: o.signal }, { ...opts, timeoutMs: o.timeoutMs });
        const s = client.session;
        const token = await s.token();
        if (!token.project) throw new Error(`Keystone gave controller ${ctl.name}'s admin an unscoped token: check admin_tenant`);
        const overrides: Record<string, string> = {};
        for (const svc of token.catalog) {
          const listed = findEndpoint(token.catalog, { serviceType: svc.type, interface: s.interface, ...(s.region ? { region: s.region } : {}) });
          if (!listed) continue;
          const used = await s.endpoint(svc.type);
          if (used !== listed) overrides[svc.type] = used;
        }
        return {
          auth_url: s.authUrl,
          token: token.value,
          expires_at: token.expiresAt.toISOString(),
          project_id: token.project.id,
          region: s.region ?? null,
          interface: s.interface,
          ca_bundle: caBundleOf(ctl, opts.caFile) ?? null,
          endpoint_overrides: overrides,
        };
      } catch (e) {
        throw new ProbeError(classify(e));
      }
    },
  };
}
