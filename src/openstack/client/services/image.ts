/**
 * Glance (image API v2): list, create, upload, get, delete. Glance does not wrap its
 * bodies in a {"image": ...} member, and uploads go to /images/<id>/file as raw bytes.
 */
import { OpenStackError } from '../errors.js';
import { paginate, type PageOptions } from '../pagination.js';
import type { OpenStackSession, ServiceRef } from '../session.js';
import type { CallOptions, DeleteOptions } from './rest-resource.js';
import { poll, type PollVerdict, type WaitOptions } from './poll.js';

const IMAGE: ServiceRef = { type: 'image', version: 'v2' };

export type ImageStatus = 'queued' | 'saving' | 'uploading' | 'importing' | 'active' | 'deactivated' | 'killed' | 'deleted' | 'pending_delete';

export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: 'public' | 'private' | 'shared' | 'community';
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
  /** custom properties are top-level string members */
  [property: string]: unknown;
}

export interface ImageCreate {
  name: string;
  disk_format: 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhd' | 'vhdx' | 'iso' | 'ami' | 'ari' | 'aki' | 'ploop';
  container_format: 'bare' | 'ovf' | 'ova' | 'aki' | 'ari' | 'ami' | 'docker' | 'compressed';
  visibility?: 'public' | 'private' | 'shared' | 'community';
  min_disk?: number;
  min_ram?: number;
  protected?: boolean;
  tags?: string[];
  /** a caller-chosen UUID makes creation idempotent across a crash */
  id?: string;
  /** custom properties, e.g. {"xos_id": "image/12"} */
  [property: string]: unknown;
}

export type ImageData = Uint8Array | Blob | ReadableStream<Uint8Array>;

export class ImageClient {
  constructor(private readonly session: OpenStackSession) {}

  list(query: Record<string, string | number | undefined> = {}, page: PageOptions = {}): AsyncGenerator<Image, void, undefined> {
    return paginate<Image>(this.session, { service: IMAGE, path: 'images', itemsKey: 'images', query }, page);
  }

  async get(id: string, options: CallOptions = {}): Promise<Image> {
    return (await this.session.request<Image>(IMAGE, { path: `images/${encodeURIComponent(id)}`, ...options })).body;
  }

  /** Creates the image record (status "queued"); upload() then sends the data. */
  async create(input: ImageCreate, options: CallOptions = {}): Promise<Image> {
    return (await this.session.request<Image>(IMAGE, { method: 'POST', path: 'images', body: input, ...options })).body;
  }

  /**
   * Uploads the image data. Byte arrays and Blobs can be re-sent after a 401 or 429;
   * a stream cannot, so a streamed upload fails instead of retrying.
   */
  async upload(id: string, data: ImageData, options: CallOptions = {}): Promise<void> {
    await this.session.request(IMAGE, {
      method: 'PUT',
      path: `images/${encodeURIComponent(id)}/file`,
      rawBody: data,
      contentType: 'application/octet-stream',
      timeoutMs: options.timeoutMs ?? 600_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async delete(id: string, options: DeleteOptions = {}): Promise<boolean> {
    const { ignoreMissing, ...rest } = options;
    try {
      await this.session.request(IMAGE, { method: 'DELETE', path: `images/${encodeURIComponent(id)}`, ...rest });
      return true;
    } catch (err) {
      if (ignoreMissing && err instanceof OpenStackError && err.status === 404) return false;
      throw err;
    }
  }

  /** Polls until the image is active; "killed" (a failed upload) ends the wait. */
  async waitForActive(id: string, options: WaitOptions = {}): Promise<Image> {
    return poll(
      () => this.get(id, options.signal ? { signal: options.signal } : {}),
      (image): PollVerdict<Image> => {
        if (image.status === 'active') return { done: image };
        if (image.status === 'killed' || image.status === 'deleted') return { failed: `image ${id} is ${image.status}` };
        return { waiting: `image ${id} is ${image.status}, not active,` };
      },
      { service: 'image', url: `images/${id}` },
      { intervalMs: 250, ...options },
    );
  }
}
