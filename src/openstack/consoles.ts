// Nova's side of an instance console: the noVNC URL (remote consoles, microversion 2.6+) and the
// console output (os-getConsoleOutput), read with the controller's admin credentials.
import { ConflictError } from '../model/errors.js';
import { ClusterError } from '../ops/inventory.js';
import type { InstanceConsoles } from '../ops/instance-console.js';
import { OpenStackError } from './client/index.js';
import { clientFor, type ConnectOptions, type ControllerAccess } from './connect.js';
import { toSyncError } from './sync-errors.js';

// `secret` decrypts the controller's stored password (Store.secret).
export function openstackConsoles(secret: (stored: unknown) => string | null, opts: ConnectOptions = {}): InstanceConsoles {
  const ctx = { secret };
  const call = async <T>(controller: ControllerAccess, what: string, f: (c: ReturnType<typeof clientFor>) => Promise<T>): Promise<T> => {
    try {
      return await f(clientFor(controller, ctx, opts));
    } catch (e) {
      // Nova refuses a console while the server builds, is stopped or errored: the caller's to fix.
      if (e instanceof OpenStackError && e.status === 409) throw new ConflictError(`${what}: ${e.serverMessage ?? e.message}`);
      throw new ClusterError(toSyncError(e, what).message);
    }
  };
  return {
    consoleUrl: (controller: ControllerAccess, serverId: string) =>
      call(controller, `cannot get a console of server ${serverId}`, (c) => c.compute.servers.vncConsole(serverId)),
    consoleLog: (controller: ControllerAccess, serverId: string, lines?: number) =>
      call(controller, `cannot read the console log of server ${serverId}`, (c) => c.compute.servers.consoleOutput(serverId, lines)),
  };
}
