// Importing a cluster: what the cluster has becomes XOS rows, as the original XOS's CloudLab
// recipe did by hand:
//   - a SiteDeployment binding (site, the controller's deployment, the controller), unless one
//     already binds this controller;
//   - a Node per compute host, named as Nova names it (instances are pinned with that name);
//   - a Flavor per public flavor, matched by name;
//   - an Image per public image, matched by name, enabled in the controller's deployment
//     (ImageDeployment). Imported images have no path: they already live in the cluster.
// Nothing existing is changed: a same-named row that differs is reported as a conflict. Running
// the import again creates nothing new. The cluster is read before anything is written, so an
// unreachable cluster leaves XOS untouched.
import { model } from '../model/registry.js';
import type { ModelDef, Row } from '../model/types.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../model/errors.js';
import { SYSTEM, type Actor, type Store } from '../store/repository.js';
import { ClusterError, type ClusterImage, type ClusterInventory, type ComputeHost } from './inventory.js';

export type ImportResult = 'created' | 'existing' | 'conflict' | 'skipped';

export interface ImportItem {
  kind: 'SiteDeployment' | 'Node' | 'Flavor' | 'Image' | 'ImageDeployment';
  name: string;
  result: ImportResult;
  id: number | null; // the XOS row (created or found); null when skipped
  detail: string | null; // why it was skipped or conflicts, or what to know about it
}

export interface ImportSummary {
  controller: { id: number; name: string; deployment: number };
  site_deployment: number;
  items: ImportItem[];
  counts: Record<ImportResult, number>;
}

export interface ImportOptions {
  site?: number; // the site for a new SiteDeployment (default: the first site)
  actor?: Actor; // whom the audit log names (default: XOS itself)
  // Flavors and Images are global; only root administrators add to them. When false, missing
  // ones are reported as skipped (existing images are still enabled in the deployment).
  addToCatalog?: boolean;
}

const XOS_DISK_FORMATS = new Set(model('Image').fields.disk_format.choices);
const XOS_CONTAINER_FORMATS = new Set(model('Image').fields.container_format.choices);

export async function importController(
  store: Store,
  controllerId: number,
  inventory: ClusterInventory,
  o: ImportOptions = {},
): Promise<ImportSummary> {
  const actor = o.actor ?? SYSTEM;
  const addToCatalog = o.addToCatalog ?? true;
  const [Controller, Site, SiteDeployment, Node, Flavor, Image, ImageDeployment] = [
    'Controller', 'Site', 'SiteDeployment', 'Node', 'Flavor', 'Image', 'ImageDeployment',
  ].map(model);

  const controller = await store.raw(Controller, controllerId);
  if (!controller || controller.deleted) throw new NotFoundError(`Controller ${controllerId}`);
  const cname = String(controller.name);
  const deployment = Number(controller.deployment);
  if (o.site !== undefined && !(await store.context().get('Site', o.site)))
    throw new ValidationError([{ field: 'site', message: `Site ${o.site} does not exist` }]);

  // Read the whole inventory first: a cluster that fails halfway writes nothing. The compute
  // hosts come first, so that a cluster that refuses the login is asked once, not three times.
  const read = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ClusterError) throw new ClusterError(`controller ${cname} (${controller.auth_url}): ${e.message}`);
      throw e;
    }
  };
  const hosts = await read(() => inventory.computeHosts(controller));
  const [flavors, images] = await Promise.all([read(() => inventory.flavors(controller)), read(() => inventory.publicImages(controller))]);

  const items: ImportItem[] = [];
  const byName = async (m: ModelDef, names: string[]): Promise<Map<string, Row>> =>
    new Map((await store.findIn(m, 'name', names)).map((r) => [String(r.name), r]));
  // Create a row; a rule that refuses it skips it with the reason. A concurrent import that
  // created it first makes it existing.
  const create = async (m: ModelDef, values: Row, kind: ImportItem['kind'], name: string, again: () => Promise<Row | undefined>) => {
    try {
      const row = await store.create(m, values, actor);
      items.push({ kind, name, result: 'created', id: Number(row.id), detail: null });
      return Number(row.id);
    } catch (e) {
      if (e instanceof ConflictError) {
        const row = await again();
        if (row) {
          items.push({ kind, name, result: 'existing', id: Number(row.id), detail: 'created meanwhile by someone else' });
          return Number(row.id);
        }
      }
      if (e instanceof ValidationError || e instanceof ConflictError || e instanceof ForbiddenError) {
        items.push({ kind, name, result: 'skipped', id: null, detail: `XOS refused it: ${e.message}` });
        return null;
      }
      throw e;
    }
  };

  // ---- the SiteDeployment ----------------------------------------------------------------------
  const sdOf = async (site: number | null) =>
    (await store.find(SiteDeployment, { controller: controllerId, deployment, ...(site === null ? {} : { site }) }))[0];
  let sd = await sdOf(o.site ?? null);
  let sdId: number;
  const siteName = async (id: number) => String((await store.context().get('Site', id))?.name ?? `site ${id}`);
  if (sd) {
    sdId = Number(sd.id);
    items.push({ kind: 'SiteDeployment', name: await siteName(Number(sd.site)), result: 'existing', id: sdId, detail: null });
  } else {
    const site = o.site ?? Number((await store.list(Site, { limit: 1 })).items[0]?.id ?? NaN);
    if (Number.isNaN(site)) throw new ValidationError([{ field: 'site', message: 'XOS has no site yet: create one, then import' }]);
    const id = await create(SiteDeployment, { site, deployment, controller: controllerId }, 'SiteDeployment', await siteName(site), () => sdOf(site));
    if (id === null) throw new ConflictError(`cannot bind controller ${cname} to site ${site}: ${items.at(-1)?.detail}`);
    sdId = id;
    sd = { id, site, deployment, controller: controllerId };
  }

  // ---- Nodes -----------------------------------------------------------------------------------
  const seenHosts = new Set<string>();
  const uniqueHosts: ComputeHost[] = [];
  for (const h of [...hosts].sort((a, b) => a.name.localeCompare(b.name)))
    if (!seenHosts.has(h.name)) seenHosts.add(h.name), uniqueHosts.push(h);
  const nodes = await byName(Node, uniqueHosts.map((h) => h.name));
  for (const h of uniqueHosts) {
    const health = h.state !== 'up' ? 'the compute service is down' : h.status !== 'enabled' ? 'the compute service is disabled' : null;
    const node = nodes.get(h.name);
    if (!node) {
      const id = await create(Node, { name: h.name, site_deployment: sdId }, 'Node', h.name, async () => (await byName(Node, [h.name])).get(h.name));
      if (id !== null && health) items.at(-1)!.detail = health;
      continue;
    }
    const its = node.site_deployment === sdId ? sd : await store.context().get('SiteDeployment', Number(node.site_deployment));
    if (its && Number(its.controller) === controllerId) {
      items.push({ kind: 'Node', name: h.name, result: 'existing', id: Number(node.id), detail: health });
      continue;
    }
    const where = its?.controller == null ? 'no controller' : `controller ${(await store.context().get('Controller', Number(its.controller)))?.name ?? its.controller}`;
    items.push({
      kind: 'Node',
      name: h.name,
      result: 'conflict',
      id: Number(node.id),
      detail: `node ${node.id} is in site deployment ${node.site_deployment} (${where}), not one of controller ${cname}; left unchanged (move it with: xos update node ${node.id} site_deployment=${sdId})`,
    });
  }

  // ---- Flavors ---------------------------------------------------------------------------------
  const sortedFlavors = uniqueByName(flavors);
  const known = await byName(Flavor, sortedFlavors.map(([n]) => n));
  for (const [name, f, dup] of sortedFlavors) {
    if (dup) {
      items.push({ kind: 'Flavor', name, result: 'skipped', id: null, detail: 'the cluster has more than one public flavor of this name; imported the first' });
      continue;
    }
    const mine = known.get(name);
    if (mine) {
      const same = Number(mine.vcpus) === f.vcpus && Number(mine.ram_mb) === f.ram_mb && Number(mine.disk_gb) === f.disk_gb;
      items.push(
        same
          ? { kind: 'Flavor', name, result: 'existing', id: Number(mine.id), detail: null }
          : {
              kind: 'Flavor',
              name,
              result: 'conflict',
              id: Number(mine.id),
              detail: `XOS has ${size(Number(mine.vcpus), Number(mine.ram_mb), Number(mine.disk_gb))}, the cluster ${size(f.vcpus, f.ram_mb, f.disk_gb)}; left unchanged`,
            },
      );
    } else if (!addToCatalog) {
      items.push({ kind: 'Flavor', name, result: 'skipped', id: null, detail: 'not in XOS, and only root administrators may add flavors' });
    } else {
      const values: Row = { name, vcpus: f.vcpus, ram_mb: f.ram_mb, disk_gb: f.disk_gb };
      if (f.description) values.description = f.description.slice(0, 1024);
      await create(Flavor, values, 'Flavor', name, async () => (await byName(Flavor, [name])).get(name));
    }
  }

  // ---- Images and their enablement in the deployment -------------------------------------------
  const named = images.filter((i): i is ClusterImage & { name: string } => typeof i.name === 'string' && i.name.length > 0);
  const sortedImages = uniqueByName(named);
  const knownImages = await byName(Image, sortedImages.map(([n]) => n));
  const enabled = new Map(
    (await store.find(ImageDeployment, { deployment })).map((r) => [Number(r.image), r]),
  );
  if (images.length > named.length)
    items.push({ kind: 'Image', name: '(no name)', result: 'skipped', id: null, detail: `${images.length - named.length} public image(s) without a name` });
  for (const [name, img, dup] of sortedImages) {
    if (dup) {
      items.push({ kind: 'Image', name, result: 'skipped', id: null, detail: 'the cluster has more than one public image of this name; imported the first' });
      continue;
    }
    const status = img.status ?? 'active';
    if (status !== 'active') {
      items.push({ kind: 'Image', name, result: 'skipped', id: null, detail: `its status in the cluster is ${status}, not active` });
      continue;
    }
    const formats = `${img.disk_format ?? '?'}/${img.container_format ?? '?'}`;
    if (!XOS_DISK_FORMATS.has(img.disk_format ?? '') || !XOS_CONTAINER_FORMATS.has(img.container_format ?? '')) {
      items.push({ kind: 'Image', name, result: 'skipped', id: null, detail: `XOS does not know its formats (${formats})` });
      continue;
    }
    let imageId: number | null;
    const mine = knownImages.get(name);
    if (mine) {
      if (mine.disk_format !== img.disk_format || mine.container_format !== img.container_format) {
        items.push({
          kind: 'Image',
          name,
          result: 'conflict',
          id: Number(mine.id),
          detail: `XOS has ${mine.disk_format}/${mine.container_format}, the cluster ${formats}; left unchanged and not enabled`,
        });
        continue;
      }
      imageId = Number(mine.id);
      items.push({ kind: 'Image', name, result: 'existing', id: imageId, detail: null });
    } else if (!addToCatalog) {
      items.push({ kind: 'Image', name, result: 'skipped', id: null, detail: 'not in XOS, and only root administrators may add images' });
      continue;
    } else {
      imageId = await create(Image, { name, disk_format: img.disk_format, container_format: img.container_format }, 'Image', name, async () =>
        (await byName(Image, [name])).get(name),
      );
      if (imageId === null) continue;
    }
    const on = enabled.get(imageId);
    if (on) items.push({ kind: 'ImageDeployment', name, result: 'existing', id: Number(on.id), detail: null });
    else
      await create(ImageDeployment, { image: imageId, deployment }, 'ImageDeployment', name, async () =>
        (await store.find(ImageDeployment, { deployment, image: imageId }))[0],
      );
  }

  const counts: Record<ImportResult, number> = { created: 0, existing: 0, conflict: 0, skipped: 0 };
  for (const i of items) counts[i.result]++;
  return { controller: { id: controllerId, name: cname, deployment }, site_deployment: sdId, items, counts };
}

const size = (vcpus: number, ram: number, disk: number) => `${vcpus} vCPU${vcpus === 1 ? '' : 's'}, ${ram} MB RAM, ${disk} GB disk`;

// Sorted by name; every later one of a name is marked as a duplicate.
function uniqueByName<T extends { name: string | null }>(list: T[]): [string, T, boolean][] {
  const seen = new Set<string>();
  return [...list]
    .sort((a, b) => String(a.name).localeCompare(String(b.name)))
    .map((x) => {
      const n = String(x.name);
      const dup = seen.has(n);
      seen.add(n);
      return [n, x, dup];
    });
}
