// What a cluster has that XOS can import: its compute hosts, flavors and public images. A backend
// (src/openstack/inventory.ts) implements it; the import (import-controller.ts) and the API use
// only this interface, so they know no backend.
import type { Row } from '../model/types.js';
import { XosError } from '../model/errors.js';

export interface ComputeHost {
  name: string; // the compute host name as the cluster's scheduler knows it (a Node's name)
  state: 'up' | 'down';
  status: 'enabled' | 'disabled';
}

export interface ClusterFlavor {
  name: string;
  vcpus: number;
  ram_mb: number;
  disk_gb: number;
  description?: string | null;
}

export interface ClusterImage {
  name: string | null; // images may be nameless
  disk_format: string | null;
  container_format: string | null;
  status?: string; // 'active' when it can be booted; absent means active
}

// `controller` is the stored Controller row (its secrets still encrypted): the implementation
// decrypts what it needs. Failures to reach or read the cluster are ClusterErrors.
export interface ClusterInventory {
  computeHosts(controller: Row): Promise<ComputeHost[]>;
  flavors(controller: Row): Promise<ClusterFlavor[]>;
  publicImages(controller: Row): Promise<ClusterImage[]>;
}

// The cluster could not be reached or read. The message says why, in an operator's words, and
// never carries a credential; the API answers 502 with it.
export class ClusterError extends XosError {
  constructor(message: string) {
    super(message, 502);
  }
}
