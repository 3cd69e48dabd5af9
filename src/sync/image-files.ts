// [observer] images_directory: a file placed there becomes an Image named after it (without its
// extension), which the synchronizer then uploads to the clusters of the deployments where the
// image is enabled. A file still being written (changed in the last few seconds) waits for the
// next scan; moving a finished file into the directory is the safe way to add one.
import fs from 'node:fs';
import path from 'node:path';
import { model } from '../model/registry.js';
import { SYSTEM, type Store } from '../store/repository.js';

const formats: Record<string, string> = { qcow2: 'qcow2', img: 'raw', raw: 'raw', iso: 'iso', vmdk: 'vmdk', vdi: 'vdi', vhd: 'vhd', vhdx: 'vhdx' };

export interface ScanResult {
  created: string[];
  skipped: { file: string; reason: string }[];
}

export async function scanImageDirectory(store: Store, dir: string, settleMs = 5000, now = Date.now()): Promise<ScanResult> {
  const out: ScanResult = { created: [], skipped: [] };
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const file = path.join(dir, entry.name);
    const ext = path.extname(entry.name).slice(1).toLowerCase();
    const name = path.basename(entry.name, path.extname(entry.name));
    const st = fs.statSync(file);
    if (now - st.mtimeMs < settleMs) {
      out.skipped.push({ file, reason: 'still being written' });
      continue;
    }
    const existing = await store.list(model('Image'), { filters: { name } });
    if (existing.total) continue; // known already (by this file or made by hand)
    try {
      await store.create(model('Image'), { name, path: file, disk_format: formats[ext] ?? 'raw', container_format: 'bare' }, SYSTEM);
      out.created.push(name);
    } catch (e) {
      out.skipped.push({ file, reason: (e as Error).message });
    }
  }
  return out;
}

export function watchImageDirectory(store: Store, dir: string, log: (msg: string) => void, everyMs = 10_000) {
  fs.mkdirSync(dir, { recursive: true });
  const scan = () =>
    scanImageDirectory(store, dir)
      .then((r) => r.created.forEach((n) => log(`image ${n} added from ${dir}`)))
      .catch((e: Error) => log(`scanning ${dir} failed: ${e.message}`));
  void scan();
  const t = setInterval(scan, everyMs);
  return () => clearInterval(t);
}
