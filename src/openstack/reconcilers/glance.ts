// Glance: an image enabled in a deployment is uploaded to that deployment's clusters. The image
// id is derived from (controller, image), so a retry after a crash finds the same image.
// Glance never gives an id out twice, not even after its image was deleted: an image of XOS's that
// is gone (deleted behind its back, or deleted by XOS because its upload was killed) leaves its id
// spent. The ids are therefore a short sequence, each derived like the first: the image is the one
// under any of them, and a new one takes the first id Glance still accepts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { model } from '../../model/registry.js';
import type { Rows } from '../../model/rows.js';
import { SyncError, type Reconciler } from '../../sync/types.js';
import { OpenStackError, type Image, type ImageCreate, type OpenStackClient } from '../client/index.js';
import { clientFor, type ConnectOptions } from '../connect.js';
import { toSyncError } from '../sync-errors.js';
import { controllerOfLink, xosTag } from '../../sync/placement.js';

// The controller row's creation time (to the millisecond) stands for this XOS installation, so
// two installations sharing a cluster never derive the same id for their images.
const installationOf = (controller: Pick<Rows['Controller'], 'created'>) => new Date(controller.created).toISOString();

export const stableUuid = (...parts: unknown[]) => {
  const h = crypto.createHash('sha256').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

// How many images of one (controller, image) Glance may have deleted before XOS gives up.
export const IMAGE_IDS = 16;
export const imageIds = (controller: Rows['Controller'], image: number): string[] =>
  Array.from({ length: IMAGE_IDS }, (_, n) =>
    n === 0 ? stableUuid('xos', installationOf(controller), controller.id, 'image', image) : stableUuid('xos', installationOf(controller), controller.id, 'image', image, n),
  );

// Glance will not take the data of these again, nor show them as usable.
const spent = (i: Image) => i.status === 'killed' || i.status === 'deleted' || i.status === 'pending_delete';
const getOrNull = (cloud: OpenStackClient, id: string) =>
  cloud.image.get(id).catch((e) => ((e as { status?: number }).status === 404 ? null : Promise.reject(e)));

// XOS's image of this (controller, image): under the first id, or, after a crash or once that id
// is spent, under a later one (found by its tag, which only XOS's images carry with our ids).
// Images whose upload Glance killed are deleted on the way: they cannot be used or fixed.
async function findOurs(cloud: OpenStackClient, ids: string[], tag: string): Promise<Image | null> {
  const mine: Image[] = [];
  const first = await getOrNull(cloud, ids[0]);
  if (first) mine.push(first);
  if (!first || spent(first)) for await (const i of cloud.image.list({ tag })) if (i.id !== ids[0] && ids.includes(i.id)) mine.push(i);
  for (const dead of mine.filter(spent)) await cloud.image.delete(dead.id, { ignoreMissing: true });
  return mine.find((i) => !spent(i)) ?? null;
}

// Creates the image under the first id Glance accepts. A conflict means the id is taken: by an
// image that is there (another worker's, just made: it is used) or by one deleted before (next id).
async function createOurs(cloud: OpenStackClient, ids: string[], body: ImageCreate, name: string): Promise<Image> {
  for (const id of ids) {
    try {
      return await cloud.image.create({ ...body, id });
    } catch (e) {
      if (!(e instanceof OpenStackError) || e.status !== 409) throw e;
      const there = await getOrNull(cloud, id);
      if (there && !spent(there)) return there;
    }
  }
  throw new SyncError(
    `Glance has spent all ${ids.length} ids XOS gives image ${name} on this cluster (their images were deleted); purge Glance's deleted images (glance-manage db purge)`,
    'configuration',
  );
}

export function glanceReconciler(opts: ConnectOptions): Reconciler<'ControllerImage'> {
  return {
    model: model('ControllerImage'),
    reconcile: async (row, ctx) => {
      const image = await ctx.get('Image', row.image);
      if (!image) return { kind: 'waiting', on: `image ${row.image}` };
      const controller = await controllerOfLink(row, ctx);
      const cloud = clientFor(controller, ctx, opts);
      const ids = imageIds(controller, image.id);
      try {
        let found = await findOurs(cloud, ids, xosTag('image', image.id));
        if (!found) {
          // An image that exists under its name but was not uploaded by XOS is used as it is.
          for await (const i of cloud.image.list({ name: image.name })) if (i.status === 'active') found = i;
          if (found) return { kind: 'done', fields: { glance_image_id: found.id }, message: 'OK (image already in the cluster)' };
          if (!image.path) throw new SyncError(`image ${image.name} has no file and the cluster has no image of that name`, 'configuration');
          if (!fs.existsSync(image.path)) throw new SyncError(`image file ${image.path} does not exist`, 'configuration');
          found = await createOurs(
            cloud,
            ids,
            {
              name: image.name,
              disk_format: image.disk_format,
              container_format: image.container_format,
              visibility: 'public',
              tags: ['xos', xosTag('image', image.id)],
            },
            image.name,
          );
        }
        if (found.status === 'queued') {
          const body = Readable.toWeb(fs.createReadStream(String(image.path))) as ReadableStream<Uint8Array>;
          await cloud.image.upload(found.id, body);
          found = await cloud.image.get(found.id);
        }
        if (found.status === 'active') return { kind: 'done', fields: { glance_image_id: found.id } };
        if (spent(found)) throw new SyncError(`Glance reports image ${image.name} as ${found.status}; the next attempt uploads it anew`, 'transient');
        return { kind: 'requeue', afterSeconds: 2, message: `image is ${found.status}`, fields: { glance_image_id: found.id } };
      } catch (e) {
        throw toSyncError(e, `image ${image.name}`);
      }
    },
    remove: async (row, ctx) => {
      const controller = await controllerOfLink(row, ctx);
      const cloud = clientFor(controller, ctx, opts);
      // Only the image XOS uploaded (its id is ours) is deleted; an adopted one stays.
      if (row.glance_image_id && imageIds(controller, row.image).includes(row.glance_image_id))
        await cloud.image.delete(row.glance_image_id, { ignoreMissing: true }).catch((e) => {
          throw toSyncError(e, 'image removal');
        });
      return { kind: 'done' };
    },
  };
}
