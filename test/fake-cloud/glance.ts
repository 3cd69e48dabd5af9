// The fake cloud's Glance v2: images created with a caller-chosen id (a second create of the same
// id is a conflict, as in Glance, even after the first image was deleted: Glance keeps deleted
// rows and never gives an id out again), uploaded as raw bytes (queued → active, or killed when a
// test asks for it), listed by name, deleted.
import crypto from 'node:crypto';
import { HttpError, Router, json, uuid, type FakeReply, type FakeRequest, type Service } from './http.js';

export interface Image {
  id: string;
  name: string | null;
  status: 'queued' | 'saving' | 'active' | 'killed' | 'deleted';
  visibility: string;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  checksum: string | null;
  min_disk: number;
  min_ram: number;
  owner: string;
  protected: boolean;
  tags: string[];
  created_at: string;
  updated_at: string;
  data?: Buffer;
  [property: string]: unknown;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export class Glance implements Service {
  readonly type = 'image';
  readonly prefix = '/image';
  readonly images = new Map<string, Image>();
  readonly deletedIds = new Set<string>();
  // What the next upload ends in: 'active' (the default) or 'killed' (a failed import).
  nextUpload: 'active' | 'killed' = 'active';
  private readonly router = new Router();

  constructor(private readonly adminProject: () => string) {
    this.routes();
  }

  addImage(i: Partial<Image> & { name: string }): Image {
    const image: Image = {
      id: uuid(),
      status: 'active',
      visibility: 'public',
      disk_format: 'raw',
      container_format: 'bare',
      size: 0,
      checksum: null,
      min_disk: 0,
      min_ram: 0,
      owner: this.adminProject(),
      protected: false,
      tags: [],
      created_at: now(),
      updated_at: now(),
      ...i,
    };
    this.images.set(image.id, image);
    return image;
  }

  // Deleted, by XOS or behind its back: its id stays taken.
  deleteImage(id: string) {
    this.images.delete(id);
    this.deletedIds.add(id);
  }

  errorBody(status: number, message: string) {
    const title = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' }[status] ?? 'Internal Server Error';
    return { message: `${message}<br /><br />\n\n\n`, code: `${status} ${title}`, title };
  }

  handle(req: FakeRequest): FakeReply | Promise<FakeReply> {
    if (!req.token) throw new HttpError(401, 'The request you have made requires authentication.');
    return this.router.dispatch(req);
  }

  private show(i: Image) {
    const { data, ...rest } = i;
    return { ...rest, self: `/v2/images/${i.id}`, file: `/v2/images/${i.id}/file`, schema: '/v2/schemas/image' };
  }

  private routes() {
    const r = this.router;
    const need = (id: string) => {
      const i = this.images.get(id);
      if (!i || i.status === 'deleted') throw new HttpError(404, `No image found with ID ${id}`);
      return i;
    };
    r.on('GET', '/v2/images', (req) => {
      const q = req.query;
      const items = [...this.images.values()].filter(
        (i) =>
          i.status !== 'deleted' &&
          (!q.has('name') || i.name === q.get('name')) &&
          (!q.has('status') || i.status === q.get('status')) &&
          q.getAll('tag').every((t) => i.tags.includes(t)),
      );
      return json(200, { images: items.map((i) => this.show(i)), first: '/v2/images', schema: '/v2/schemas/images' });
    });
    r.on('GET', '/v2/images/:id', (_q, p) => json(200, this.show(need(p.id))));
    r.on('POST', '/v2/images', (req) => {
      const b = { ...(req.json ?? {}) };
      if (b.id && (this.images.has(b.id) || this.deletedIds.has(b.id))) throw new HttpError(409, `Image with identifier ${b.id} already exists!`);
      for (const k of ['status', 'size', 'checksum', 'created_at', 'updated_at', 'owner']) delete b[k];
      const image = this.addImage({ ...b, name: b.name ?? null, status: 'queued', size: null, owner: req.token!.projectId ?? this.adminProject(), tags: b.tags ?? [] });
      return json(201, this.show(image));
    });
    r.on('PUT', '/v2/images/:id/file', (req, p) => {
      const i = need(p.id);
      if (i.status !== 'queued') throw new HttpError(409, `Image status transition from ${i.status} to saving is not allowed`);
      if (this.nextUpload === 'killed') {
        this.nextUpload = 'active';
        i.status = 'killed';
        throw new HttpError(500, 'Error in store configuration. Adding images to store is disabled.');
      }
      i.data = req.raw;
      i.size = req.raw.length;
      i.checksum = crypto.createHash('md5').update(req.raw).digest('hex');
      i.os_hash_algo = 'sha512';
      i.os_hash_value = crypto.createHash('sha512').update(req.raw).digest('hex');
      i.status = 'active';
      i.updated_at = now();
      return json(204);
    });
    r.on('DELETE', '/v2/images/:id', (_q, p) => {
      const i = need(p.id);
      if (i.protected) throw new HttpError(403, `Image ${i.id} is protected and cannot be deleted.`);
      this.deleteImage(i.id);
      return json(204);
    });
  }
}
