// An instance's console on its cluster: a browser console URL (noVNC) and the console log. A
// backend (src/openstack/consoles.ts) implements it; the API uses only this interface. Failures to
// reach the cluster are ClusterErrors (502); a server that cannot show a console in its state
// is a ConflictError (409) with the cluster's reason.
import type { Row } from '../model/types.js';

export interface ConsoleUrl {
  url: string;
  type: string; // novnc
  protocol: string; // vnc
}

// `controller` is the stored Controller row (secrets still encrypted); `serverId` the backend's
// id of the instance's server (Instance.instance_uuid).
export interface InstanceConsoles {
  consoleUrl(controller: Row, serverId: string): Promise<ConsoleUrl>;
  consoleLog(controller: Row, serverId: string, lines?: number): Promise<string>;
}
