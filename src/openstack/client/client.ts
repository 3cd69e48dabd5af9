/**
 * The typed client for one OpenStack cluster: one session (credentials, token,
 * catalog, transport rules) shared by one client per service.
 *
 *   const cloud = new OpenStackClient({ authUrl, credentials, region: 'RegionOne' });
 *   const server = await cloud.compute.servers.create({ name, flavorRef, imageRef, networks: [{ uuid }] });
 *   await cloud.compute.servers.waitForStatus(server.id, 'ACTIVE');
 */
import { OpenStackSession, type SessionOptions } from './session.js';
import type { Token } from './token.js';
import { ComputeClient } from './services/compute.js';
import { IdentityClient } from './services/identity.js';
import { ImageClient } from './services/image.js';
import { NetworkClient } from './services/network.js';
import { PlacementClient } from './services/placement.js';

export interface OpenStackClientOptions extends SessionOptions {
  /** cap for the compute microversion (default COMPUTE_MAX_MICROVERSION) */
  computeMaxMicroversion?: string;
}

export class OpenStackClient {
  readonly session: OpenStackSession;
  readonly identity: IdentityClient;
  readonly compute: ComputeClient;
  readonly network: NetworkClient;
  readonly image: ImageClient;
  readonly placement: PlacementClient;

  constructor(options: OpenStackClientOptions) {
    const { computeMaxMicroversion, ...sessionOptions } = options;
    this.session = new OpenStackSession(sessionOptions);
    this.identity = new IdentityClient(this.session);
    this.compute = new ComputeClient(this.session, computeMaxMicroversion ? { maxMicroversion: computeMaxMicroversion } : {});
    this.network = new NetworkClient(this.session);
    this.image = new ImageClient(this.session);
    this.placement = new PlacementClient(this.session);
  }

  /** Authenticates (or reuses a fresh token) and returns what Keystone said about it. */
  authenticate(): Promise<Token> {
    return this.session.token();
  }
}
