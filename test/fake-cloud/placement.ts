// The fake cloud's Placement: one resource provider per nova-compute host, with the inventories
// every fake host has (VCPU, MEMORY_MB, DISK_GB; allocation ratios 16, 1.5, 1) and usages summed
// from the servers Nova placed there. Read-only: XOS only reads capacity.
import { HttpError, Router, json, uuid, type FakeReply, type FakeRequest, type Service } from './http.js';
import { HOST_CAPACITY, type Nova } from './nova.js';

const RATIOS: Record<string, number> = { VCPU: 16, MEMORY_MB: 1.5, DISK_GB: 1 };
const RESERVED: Record<string, number> = { VCPU: 0, MEMORY_MB: 512, DISK_GB: 0 };

export class Placement implements Service {
  readonly type = 'placement';
  readonly prefix = '/placement';
  private readonly uuids = new Map<string, string>(); // host -> provider uuid
  private readonly router = new Router();

  constructor(private readonly nova: Nova) {
    const r = this.router;
    r.on('GET', '/', () => json(200, { versions: [{ id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [] }] }));
    r.on('GET', '/resource_providers', (req) =>
      json(200, { resource_providers: this.providers().filter((p) => !req.query.has('name') || p.name === req.query.get('name')) }),
    );
    r.on('GET', '/resource_providers/:uuid/inventories', (_q, p) => {
      this.need(p.uuid);
      return json(200, {
        resource_provider_generation: 1,
        inventories: Object.fromEntries(
          Object.entries(HOST_CAPACITY).map(([rc, total]) => [rc, { total, reserved: RESERVED[rc], min_unit: 1, max_unit: total, step_size: 1, allocation_ratio: RATIOS[rc] }]),
        ),
      });
    });
    r.on('GET', '/resource_providers/:uuid/usages', (_q, p) => json(200, { resource_provider_generation: 1, usages: this.nova.usageOf(this.need(p.uuid)) }));
    r.on('GET', '/resource_classes', () => json(200, { resource_classes: Object.keys(HOST_CAPACITY).map((name) => ({ name, links: [] })) }));
  }

  private providers() {
    return this.nova.services
      .filter((s) => s.binary === 'nova-compute')
      .map((s) => {
        if (!this.uuids.has(s.host)) this.uuids.set(s.host, uuid());
        return { uuid: this.uuids.get(s.host)!, name: s.host, generation: 1, parent_provider_uuid: null, root_provider_uuid: this.uuids.get(s.host)!, links: [] };
      });
  }

  private need(id: string): string {
    const p = this.providers().find((x) => x.uuid === id);
    if (!p) throw new HttpError(404, `No resource provider with uuid ${id} found`);
    return p.name;
  }

  errorBody(status: number, message: string) {
    return { errors: [{ status, title: 'Error', detail: message, request_id: `req-${uuid()}` }] };
  }

  handle(req: FakeRequest): FakeReply | Promise<FakeReply> {
    if (req.sub !== '/' && req.sub !== '' && !req.token) throw new HttpError(401, 'The request you have made requires authentication.');
    return this.router.dispatch({ ...req, sub: req.sub || '/' });
  }
}
