// Glance: an image enabled in a deployment is uploaded to that deployment's clusters. The image
// id is derived from (controller, image), so a retry after a crash finds the same image.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { model } from '../../model/registry.js';
import type { Rows } from '../../model/rows.js';
import { SyncError, type Reconciler } from '../../sync/types.js';
import { clientFor, type ConnectOptions } from '../connect.js';
import { toSyncError } from '../sync-errors.js';
import { controllerOfLink, xosTag } from './links.js';

// The controller row's creation time (to the millisecond) stands for this XOS installation, so
// two installations sharing a cluster never derive the same id for their images.
const installationOf = (controller: Pick<Rows['Controller'], 'created'>) => new Date(controller.created).toISOString();

export const stableUuid = (...parts: unknown[]) => {
  const h = crypto.createHash('sha256').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export function glanceReconciler(opts: ConnectOptions): Reconciler<'ControllerImage'> {
  return {
    model: model('ControllerImage'),
    controllerOf: async (row) => row.controller,
    reconcile: async (row, ctx) => {
      const image = await ctx.get('Image', row.image);
      if (!image) return { kind: 'waiting', on: `image ${row.image}` };
      const controller = await controllerOfLink(row, ctx);
      const cloud = clientFor(controller, ctx, opts);
      const id = stableUuid('xos', installationOf(controller), controller.id, 'image', image.id);
      try {
        let found = await cloud.image.get(id).catch((e) => ((e as { status?: number }).status === 404 ? null : Promise.reject(e)));
        if (!found) {
          // An image that exists under its name but was not uploaded by XOS is used as it is.
          for await (const i of cloud.image.list({ name: image.name })) if (i.status === 'active') found = i;
          if (found) return { kind: 'done', fields: { glance_image_id: found.id }, message: 'OK (image already in the cluster)' };
          if (!image.path) throw new SyncError(`image ${image.name} has no file and the cluster has no image of that name`, 'configuration');
          if (!fs.existsSync(image.path)) throw new SyncError(`image file ${image.path} does not exist`, 'configuration');
          found = await cloud.image.create({
            id,
            name: image.name,
            disk_format: image.disk_format,
            container_format: image.container_format,
            visibility: 'public',
            tags: ['xos', xosTag('image', image.id)],
          });
        }
        if (found.status === 'queued') {
          const body = Readable.toWeb(fs.createReadStream(String(image.path))) as ReadableStream<Uint8Array>;
          await cloud.image.upload(found.id, body);
          found = await cloud.image.get(found.id);
        }
        if (found.status === 'active') return { kind: 'done', fields: { glance_image_id: found.id } };
        if (found.status === 'killed' || found.status === 'deleted')
          throw new SyncError(`Glance reports image ${image.name} as ${found.status}`, 'transient');
        return { kind: 'requeue', afterSeconds: 2, message: `image is ${found.status}`, fields: { glance_image_id: found.id } };
      } catch (e) {
        throw toSyncError(e, `image ${image.name}`);
      }
    },
    remove: async (row, ctx) => {
      const controller = await controllerOfLink(row, ctx);
      const cloud = clientFor(controller, ctx, opts);
      // Only the image XOS uploaded (its id is ours) is deleted; an adopted one stays.
      if (row.glance_image_id === stableUuid('xos', installationOf(controller), controller.id, 'image', row.image))
        await cloud.image.delete(row.glance_image_id, { ignoreMissing: true }).catch((e) => {
          throw toSyncError(e, 'image removal');
        });
      return { kind: 'done' };
    },
  };
}
