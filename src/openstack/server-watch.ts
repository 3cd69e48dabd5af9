// Servers still building, or going away, are watched with one list of their project's servers
// per poll, on a timer of its own, instead of one read per server in a worker slot. An instance
// whose server is building (or being deleted) registers here and is requeued for long; when a
// list shows its server done building (or gone), the instance is woken, and its reconcile reads
// the server from that list rather than asking Nova again. The ports of servers that turned
// ACTIVE are fetched for all of them in one call, once nothing else in the project is building
// or the oldest has waited `portsMaxWaitMs`.
//
// What the watch remembers is a hint: a reconcile that finds no fresh entry reads the server
// itself, and a row that is never woken (this process died) comes back after its requeue time.
import { collect, type OpenStackClient, type Port, type Server } from './client/index.js';

export type Want = 'built' | 'gone';

interface Watched {
  serverId: string;
  want: Want;
  since: number; // registered at (ms): only a list sent after it counts
  wake: () => Promise<number>; // rows woken; 0: not yet wakeable (still leased), try again
  tries: number;
  signal: AbortSignal; // the engine's: once it stopped, nobody is left to wake
}

// What a list showed of one server: null when it was not there (gone).
export interface Seen {
  server: Server | null;
  ports: Port[] | null; // for an ACTIVE server: its ports, fetched with the list's batch
  at: number; // when the list was sent (ms)
  final?: boolean; // what the watch waited for (built, failed or gone), not an interim state
}

export interface ServerWatchOptions {
  pollMs?: number; // between the end of one list and the next (default 3 s)
  portsMaxWaitMs?: number; // how long a built server may wait for its ports' batch (default 15 s)
  onError?: (msg: string) => void;
}

const BUILDING = new Set(['BUILD', 'REBUILD', 'RESIZE', 'MIGRATING', 'PASSWORD', 'REBOOT', 'HARD_REBOOT']);
// Nova states a server passes through on its way to a settled one (ACTIVE, SHUTOFF, ERROR, ...).
export const isBuilding = (status: string) => BUILDING.has(status);
const MAX_WAKE_TRIES = 5;
const SEEN_KEEP_MS = 10 * 60_000;

class ProjectWatch {
  readonly watched = new Map<number, Watched>(); // by instance id
  readonly seen = new Map<string, Seen>(); // by server id, until taken
  private readonly needPorts = new Map<number, { w: Watched; server: Server; at: number; since: number }>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly admin: OpenStackClient,
    private readonly project: string,
    private readonly o: Required<ServerWatchOptions>,
    private readonly onEmpty: () => void,
  ) {}

  schedule() {
    if (this.timer || this.polling) return;
    this.timer = setTimeout(() => void this.poll(), this.o.pollMs);
    this.timer.unref();
  }

  private async poll() {
    this.timer = null;
    this.polling = true;
    try {
      for (const [instance, w] of this.watched) if (w.signal.aborted) this.watched.delete(instance);
      if (!this.watched.size) return;
      const at = Date.now();
      const servers = new Map((await collect(this.admin.compute.servers.list({ all_tenants: true, project_id: this.project }))).map((s) => [s.id, s]));
      const building = [...servers.values()].some((s) => BUILDING.has(s.status));
      for (const [instance, w] of this.watched) {
        if (w.since > at) continue; // registered while the list was under way
        const s = servers.get(w.serverId);
        // Still as it was: what the list showed serves a reconcile that comes meanwhile (its
        // fallback time ran out), so that it need not read the server itself.
        if (w.want === 'gone') {
          if (!s || s.status === 'DELETED') await this.deliver(instance, w, { server: null, ports: null, at });
          else this.seen.set(w.serverId, { server: s, ports: null, at });
        } else if (!s) await this.deliver(instance, w, { server: null, ports: null, at });
        else if (s.status === 'ACTIVE') {
          if (!this.needPorts.has(instance)) this.needPorts.set(instance, { w, server: s, at, since: Date.now() });
        } else if (!BUILDING.has(s.status)) await this.deliver(instance, w, { server: s, ports: null, at });
        else this.seen.set(w.serverId, { server: s, ports: null, at });
      }
      const oldest = Math.min(...[...this.needPorts.values()].map((p) => p.since));
      if (this.needPorts.size && (!building || Date.now() - oldest >= this.o.portsMaxWaitMs)) await this.fetchPorts();
    } catch (e) {
      this.o.onError(`polling the servers of project ${this.project}: ${(e as Error).message}`);
    } finally {
      this.polling = false;
      if (this.watched.size) this.schedule();
      else this.onEmpty();
    }
  }

  // One call for the ports of every server that turned ACTIVE since the last batch.
  private async fetchPorts() {
    const batch = [...this.needPorts];
    const ports = await collect(this.admin.network.ports.list({ device_id: batch.map(([, p]) => p.server.id) }));
    for (const [instance, p] of batch) {
      this.needPorts.delete(instance);
      if (this.watched.get(instance) !== p.w) continue; // re-registered meanwhile
      await this.deliver(instance, p.w, { server: p.server, ports: ports.filter((x) => x.device_id === p.server.id), at: p.at });
    }
  }

  private async deliver(instance: number, w: Watched, seen: Seen) {
    this.seen.set(w.serverId, { ...seen, final: true });
    let woken = 0;
    try {
      woken = await w.wake();
    } catch (e) {
      this.o.onError(`waking instance ${instance}: ${(e as Error).message}`);
    }
    // A row still leased by its reconcile is not wakeable yet: try again at the next list.
    if (woken || ++w.tries >= MAX_WAKE_TRIES) this.watched.delete(instance);
  }
}

export class ServerWatch {
  private readonly projects = new Map<string, ProjectWatch>();
  private readonly o: Required<ServerWatchOptions>;

  constructor(o: ServerWatchOptions = {}) {
    this.o = { pollMs: o.pollMs ?? 3000, portsMaxWaitMs: o.portsMaxWaitMs ?? 15_000, onError: o.onError ?? (() => {}) };
  }

  // Watch an instance's server until it is built (or gone); `wake` makes the instance due.
  watch(key: string, admin: OpenStackClient, project: string, instance: number, serverId: string, want: Want, wake: () => Promise<number>, signal: AbortSignal) {
    this.prune();
    let p = this.projects.get(key);
    if (!p) {
      p = new ProjectWatch(admin, project, this.o, () => {
        if (this.projects.get(key) === p && !p!.watched.size && !p!.seen.size) this.projects.delete(key);
      });
      this.projects.set(key, p);
    }
    p.watched.set(instance, { serverId, want, since: Date.now(), wake, tries: 0, signal });
    p.schedule();
  }

  // What a list sent after `after`, and lately, showed of this server, once: a second reconcile
  // reads Nova.
  take(key: string, serverId: string, after: number): Seen | undefined {
    const p = this.projects.get(key);
    const s = p?.seen.get(serverId);
    if (!p || !s) return undefined;
    p.seen.delete(serverId);
    if (!p.watched.size && !p.seen.size) this.projects.delete(key);
    // A server still building (or still there) is taken from a recent list only; one that is
    // done (built, failed, gone) stays so until its row's reconcile comes, however busy the slots.
    const usable = s.final || Date.now() - s.at <= Math.max(10_000, 3 * this.o.pollMs);
    return s.at >= after && usable ? s : undefined;
  }

  // The instance's reconcile is done with its server (it runs, or it was dropped): stop watching
  // it and drop what a list showed of it, so that no later reconcile (the periodic resync, which
  // is there to notice drift) takes an old list's word for the server.
  forget(key: string, instance: number, serverId: string) {
    const p = this.projects.get(key);
    if (!p) return;
    if (p.watched.get(instance)?.serverId === serverId) p.watched.delete(instance);
    p.seen.delete(serverId);
    if (!p.watched.size && !p.seen.size) this.projects.delete(key);
  }

  // What no reconcile came to take (the row went to another worker) is forgotten after a while.
  private prune(now = Date.now()) {
    for (const [key, p] of this.projects) {
      for (const [id, seen] of p.seen) if (now - seen.at > SEEN_KEEP_MS) p.seen.delete(id);
      if (!p.watched.size && !p.seen.size) this.projects.delete(key);
    }
  }
}

export const watchKey = (controller: { id: number; auth_url?: string | null }, project: string) => `${controller.id}:${controller.auth_url ?? ''}:${project}`;
