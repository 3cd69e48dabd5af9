/**
 * Finds, once per session and service, the microversion to speak: the service's
 * version document gives the server's range, the client states its own, and the
 * result is min(client max, server max). Concurrent first calls share one discovery;
 * a failed discovery is retried by the next call instead of being remembered.
 */
import { OpenStackError } from '../errors.js';
import { negotiateMicroversion, parseVersionDocument, type VersionRange } from '../microversion.js';
import type { OpenStackSession, ServiceRef } from '../session.js';

export class NegotiatedMicroversion {
  #version: Promise<string | undefined> | undefined;
  #serverRange: VersionRange | undefined;

  constructor(
    private readonly session: OpenStackSession,
    private readonly service: ServiceRef,
    private readonly client: VersionRange,
    /** which entry of a version list to read, e.g. "v2.1" */
    private readonly preferredId?: string,
  ) {}

  /** the negotiated microversion; undefined when the service has none */
  get(): Promise<string | undefined> {
    this.#version ??= this.#discover().catch((err: unknown) => {
      this.#version = undefined;
      throw err;
    });
    return this.#version;
  }

  /** the server's advertised range, once discovered */
  get serverRange(): VersionRange | undefined {
    return this.#serverRange;
  }

  async #discover(): Promise<string | undefined> {
    // the version document sits at the endpoint itself ("/v2.1/" for Nova, "/" for Placement)
    const res = await this.session.request(this.service, { path: '', acceptStatuses: [300] });
    this.#serverRange = parseVersionDocument(res.body, this.preferredId);
    const result = negotiateMicroversion(this.#serverRange, this.client);
    if (!result.ok) {
      throw new OpenStackError(
        { code: 'unsupported_version', status: res.status, service: this.service.type, method: 'GET', url: res.url, requestId: res.requestId },
        result.reason,
      );
    }
    return result.version;
  }
}
