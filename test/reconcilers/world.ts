// What the reconciler tests run in: a real embedded store (one per test file: it takes seconds to
// open), the real engine with every OpenStack reconciler, and a fake cloud per test. Each test
// gets a scene of its own: its own fake cloud, deployment, controller and site, and names no
// other test uses, so the client caches (per controller) never carry over; when it ends, its
// engine stops and its rows are taken out of the synchronizer's reach.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTestStore, type TestStore } from '../helpers/xos.js';
import { until } from '../helpers/wait.js';
import { FakeCloud, type FakeCloudOptions } from '../fake-cloud/index.js';
import { Engine, type EngineOptions } from '../../src/sync/engine.js';
import { openstackBackend } from '../../src/openstack/index.js';
import { model, models } from '../../src/model/registry.js';
import { SYSTEM, type Store } from '../../src/store/repository.js';
import { dbOf } from '../../src/store/inspect.js';
import { synchronizerFor } from '../../src/sync/backends.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type R = Record<string, any>;

export const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@example.org';

// A small backoff base: a retry comes within a fraction of a second, and the doubling is still
// there to see. Changes wake the engine at once; the tick, which finds retries that became due,
// is a little longer than the first retry (each tick claims from every model's table).
export const ENGINE: EngineOptions = { tickMs: 150, resyncSeconds: 3600, backoff: { baseSeconds: 0.1, capSeconds: 0.4 } };

export class World {
  private n = 0;
  private scene: Scene | null = null;
  private constructor(readonly t: TestStore) {}

  static async open(): Promise<World> {
    return new World(await openTestStore('pglite'));
  }

  get store(): Store {
    return this.t.store;
  }

  async begin(o: SceneOptions = {}): Promise<Scene> {
    if (this.scene) await this.end();
    const s = new Scene(this, `t${++this.n}${crypto.randomBytes(2).toString('hex')}`, o);
    this.scene = s;
    await s.setUp();
    return s;
  }

  // The engine stops, the fake cloud closes, and every row made so far is left alone from now on.
  async end() {
    const s = this.scene;
    this.scene = null;
    if (!s) return;
    await s.stop();
    for (const m of models.filter((x) => x.synced)) await dbOf(this.store).query(`UPDATE "${m.table}" SET no_sync = true WHERE NOT no_sync`);
    await s.cloud.close();
  }

  async close() {
    await this.end();
    await this.t.close();
  }
}

export interface SceneOptions {
  cloud?: FakeCloudOptions;
  engine?: EngineOptions;
  start?: boolean; // start the engine at once (default true)
  controller?: R; // fields of the controller row
  natNet?: boolean; // the cluster has the shared nat-net that slices use (default true)
  // The reconcilers wait fixed times for the cloud (2 s after a server create, 1 s while one is
  // deleted, 2 s for a project to empty): the tests look again at once instead, since they are
  // about what happens, not about how long a cluster is given. Backoff after errors and the waits
  // of dependencies are left as they are (default true).
  fastRequeue?: boolean;
}

// Where the reconcilers requeue (an "0 - …" outcome with a time to look again).
const REQUEUED = ['Instance', 'ControllerSlice', 'ControllerNetwork', 'ControllerImage', 'Port'];

export class Scene {
  cloud!: FakeCloud;
  engine!: Engine;
  readonly logs: string[] = [];
  readonly ids: Record<string, number> = {};
  private files: string[] = [];
  private readonly extraClouds: FakeCloud[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly world: World,
    readonly tag: string, // unique per test: prefixes every name the test makes
    private readonly o: SceneOptions,
  ) {}

  get store() {
    return this.world.store;
  }

  async setUp() {
    this.cloud = await FakeCloud.start(this.o.cloud);
    if (this.o.natNet !== false) {
      const nat = this.cloud.neutron.addNetwork({ name: 'nat-net', shared: true });
      this.cloud.neutron.addSubnet({ network_id: nat.id, cidr: '172.16.0.0/22', name: 'nat-subnet' });
    }
    const dep = await this.create('Deployment', { name: `${this.tag}-dep` });
    const ctl = await this.create('Controller', {
      name: `${this.tag}-ctl`,
      deployment: dep.id,
      auth_url: this.cloud.authUrl,
      admin_user: this.cloud.adminUser,
      admin_password: this.cloud.adminPassword,
      admin_tenant: this.cloud.adminProject,
      domain: this.cloud.domain,
      ...this.o.controller,
    });
    const site = await this.create('Site', { name: `Site ${this.tag}`, login_base: this.tag });
    const sd = await this.create('SiteDeployment', { site: site.id, deployment: dep.id, controller: ctl.id });
    Object.assign(this.ids, { dep: dep.id, ctl: ctl.id, site: site.id, sd: sd.id });
    this.engine = this.newEngine();
    if (this.o.start !== false) await this.engine.start();
    if (this.o.fastRequeue !== false) this.timer = setInterval(() => void this.lookAgainNow(), 100);
  }

  private async lookAgainNow() {
    let moved = 0;
    for (const name of REQUEUED)
      moved += (
        await dbOf(this.store)
          .query(`UPDATE "${model(name).table}" SET next_retry = now() WHERE backend_code = 0 AND backend_reason IS NULL AND next_retry > now() AND NOT no_sync RETURNING id`)
          .catch(() => []) // the store may be closing
      ).length;
    if (moved) this.engine.kick();
  }

  // Another cluster in this scene's deployment, with a fake cloud of its own (closed with the scene).
  async addController(suffix: string, o: FakeCloudOptions = {}): Promise<{ cloud: FakeCloud; ctl: R }> {
    const cloud = await FakeCloud.start(o);
    this.extraClouds.push(cloud);
    const ctl = await this.create('Controller', {
      name: `${this.tag}-${suffix}`,
      deployment: this.ids.dep,
      auth_url: cloud.authUrl,
      admin_user: cloud.adminUser,
      admin_password: cloud.adminPassword,
      admin_tenant: cloud.adminProject,
    });
    return { cloud, ctl };
  }

  newEngine(extra: EngineOptions = {}): Engine {
    return new Engine(this.store, synchronizerFor(openstackBackend({ timeoutMs: 5000, serverWatch: { pollMs: 100, portsMaxWaitMs: 500 } })), {
      ...ENGINE,
      ...this.o.engine,
      ...extra,
      log: (msg, e) => this.logs.push(`${msg}${e?.message ? `: ${e.message}` : ''}`),
    });
  }

  // The engine stops (what it works on is finished) and a new one takes over on resume(): a
  // test can set the cloud up behind XOS's back for rows that already exist.
  async pause() {
    await this.engine.stop();
  }
  async resume(extra: EngineOptions = {}) {
    this.engine = this.newEngine(extra);
    await this.engine.start();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    await this.engine.stop();
    for (const c of this.extraClouds) await c.close();
    for (const f of this.files) fs.rmSync(path.dirname(f), { recursive: true, force: true });
  }

  // ---- rows, through the store's public surface -------------------------------------------------

  async create(name: string, values: R): Promise<R> {
    return this.store.create(model(name), values, SYSTEM);
  }
  async update(name: string, id: number, patch: R): Promise<R> {
    return this.store.update(model(name), id, patch, SYSTEM);
  }
  async remove(name: string, id: number) {
    await this.store.delete(model(name), id, SYSTEM);
  }
  // The stored row, deleted or not (null once purged).
  async row(name: string, id: number): Promise<R | null> {
    return this.store.raw(model(name), id);
  }
  async find(name: string, filters: Record<string, string | number> = {}): Promise<R[]> {
    const { items } = await this.store.list(model(name), { filters: Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, String(v)])), limit: 1000 });
    const out: R[] = [];
    for (const i of items) out.push((await this.row(name, Number(i.id)))!);
    return out;
  }
  async one(name: string, filters: Record<string, string | number>): Promise<R> {
    const rows = await this.find(name, filters);
    assert.equal(rows.length, 1, `one ${name} where ${JSON.stringify(filters)}, found ${rows.length}`);
    return rows[0];
  }

  // ---- waiting on the engine --------------------------------------------------------------------

  async settle(name: string, id: number, ok: (r: R) => boolean, what = 'the expected state', ms = 15_000): Promise<R> {
    let last: R | null = null;
    return until(
      () => `${name} ${id} to reach ${what}; it is ${last ? `${last.backend_code} "${last.backend_status}"${last.deleted ? ' (deleted)' : ''}` : 'gone'}`,
      async () => {
        last = await this.row(name, id);
        return last && ok(last) ? last : null;
      },
      { ms, everyMs: 50 },
    );
  }
  // In sync with its current desired state.
  synced(name: string, id: number, ms?: number) {
    return this.settle(name, id, (r) => r.backend_code === 1 && r.enacted != null && new Date(r.enacted) >= new Date(r.updated) && !r.deleted, 'backend_code 1, enacted', ms);
  }
  failed(name: string, id: number, match?: RegExp) {
    return this.settle(name, id, (r) => r.backend_code === 2 && (!match || match.test(String(r.backend_status))), `backend_code 2${match ? ` matching ${match}` : ''}`);
  }
  async purged(name: string, id: number, ms = 15_000) {
    let last: R | null = null;
    await until(
      () => `${name} ${id} to be purged; it is ${last?.backend_code} "${last?.backend_status}"`,
      async () => (last = await this.row(name, id)) === null,
      { ms, everyMs: 50 },
    );
  }
  // Waits for the cloud side of something (a server gone, an address back).
  cloudState<T>(what: string, probe: () => T | null | undefined | false, ms = 15_000): Promise<T> {
    return until(what, () => probe(), { ms, everyMs: 50 });
  }

  // The periodic resync, now, for rows last synced before this moment.
  async resync(name: string, id: number) {
    await dbOf(this.store).query(`UPDATE "${model(name).table}" SET last_sync = now() - interval '1 day' WHERE id = $1`, [id]);
    await this.engine.resync();
  }

  // ---- the usual objects ------------------------------------------------------------------------

  imageFile(bytes = 4096): string {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xos-fc-')), 'disk.img');
    fs.writeFileSync(f, crypto.randomBytes(bytes));
    this.files.push(f);
    return f;
  }

  // An image enabled in this scene's deployment, so its Image row puts it on the controller.
  async image(name = `${this.tag}-img`, file: string | null = this.imageFile()): Promise<R> {
    const img = await this.create('Image', { name, disk_format: 'raw', container_format: 'bare', path: file });
    await this.create('ImageDeployment', { image: img.id, deployment: this.ids.dep });
    return img;
  }

  // An image in Glance on this controller, ready for servers.
  async readyImage(name?: string): Promise<{ image: R; link: R }> {
    const image = await this.image(name);
    const link = await this.appears('ControllerImage', { image: image.id });
    return { image, link: await this.synced('ControllerImage', link.id) };
  }

  async user(local = 'alice', extra: R = {}): Promise<R> {
    return this.create('User', { email: `${local}-${this.tag}@example.org`, firstname: local, lastname: 'Test', site: this.ids.site, public_key: KEY, ...extra });
  }

  async slice(suffix = 'web', extra: R = {}): Promise<R> {
    return this.create('Slice', { name: `${this.tag}_${suffix}`, site: this.ids.site, max_instances: 5, ...extra });
  }

  // The slice's project and networks made and in sync before an instance needs them, so that a
  // test about servers does not wait out the dependency backoff (1 s, 2 s…) of a cold start.
  async readySlice(suffix = 'web', extra: R = {}): Promise<{ slice: R; cs: R; nets: R[]; links: R[] }> {
    const slice = await this.slice(suffix, extra);
    const site = await this.ensureLink('ControllerSite', { site: this.ids.site });
    await this.synced('ControllerSite', site.id);
    const cs = await this.ensureLink('ControllerSlice', { slice: slice.id });
    await this.synced('ControllerSlice', cs.id);
    const nets = await this.settleValue('the slice networks made by its policy', async () => {
      const n = await this.find('Network', { owner: slice.id });
      return n.length === 2 && n;
    });
    const links = [];
    for (const n of nets) links.push(await this.ensureLink('ControllerNetwork', { network: n.id }));
    for (let i = 0; i < links.length; i++) links[i] = await this.synced('ControllerNetwork', links[i].id);
    return { slice, cs: (await this.row('ControllerSlice', cs.id))!, nets, links };
  }

  async ensureLink(name: string, values: R): Promise<R> {
    const [hit] = await this.find(name, { controller: this.ids.ctl, ...values });
    return hit ?? this.create(name, { controller: this.ids.ctl, ...values });
  }

  async instance(slice: R, image: R, extra: R = {}): Promise<R> {
    const [flavor] = await this.find('Flavor', { name: 'm1.small' });
    return this.create('Instance', { slice: slice.id, deployment: this.ids.dep, image: image.id, flavor: flavor.id, ...extra });
  }

  // The row the synchronizer makes (a link row a policy or a dependent ensures), once it is there.
  async appears(name: string, filters: Record<string, string | number>, ms = 15_000): Promise<R> {
    return this.settleValue(`a ${name} where ${JSON.stringify(filters)}`, async () => (await this.find(name, filters))[0], ms);
  }

  settleValue<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
    return until(what, probe, { ms, everyMs: 50 });
  }
}
