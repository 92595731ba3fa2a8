import { extractLayer } from '../layers/extract-layer.js';
import type { LayerStore } from '../layers/layer-store.js';
import { coalesce } from '../layers/tar/coalesce.js';
import { writeTar, type TarWriteEntry } from '../layers/tar/tar-writer.js';
import type { StoredImage } from './image-blobs.js';
import { mergedTreeEntries } from './merged-tree.js';
import type { ProgressMeter } from './progress.js';

const BLOCK = 4096;
const INODE = 256;

/** The image's merged root filesystem as tar members (see `mergedTreeEntries`), its layers extracted first where needed. */
export async function rootfsEntries(layers: LayerStore, image: StoredImage, signal?: AbortSignal): Promise<AsyncGenerator<TarWriteEntry>> {
  const dirs: string[] = [];
  for (const l of image.layers) dirs.push((await layers.ensure(l.digest, signal ? { signal } : {})).dir);
  return mergedTreeEntries(dirs, signal);
}

/** The image's merged root filesystem as a tar stream (uncompressed), counted by `meter`. */
export async function rootfsTar(layers: LayerStore, image: StoredImage, meter: ProgressMeter, signal?: AbortSignal): Promise<AsyncGenerator<Buffer>> {
  return meter.count(coalesce(writeTar(await rootfsEntries(layers, image, signal))));
}

/**
 * Extracts the image's merged root filesystem into `dir` (a private staging directory, through
 * the layer extractor: owners, modes, xattrs, device nodes, hard links) and returns the bytes
 * it needs on an ext4 filesystem: its files in whole 4 KiB blocks, a block per directory,
 * symlink and xattr set, and an inode each.
 */
export async function stageTree(layers: LayerStore, image: StoredImage, dir: string, meter: ProgressMeter, signal?: AbortSignal): Promise<number> {
  let bytes = 0;
  const counted = async function* (entries: AsyncIterable<TarWriteEntry>) {
    for await (const e of entries) {
      const h = e.header;
      bytes += INODE + (h.type === 'file' ? Math.ceil(h.size / BLOCK) * BLOCK : h.type === 'directory' || h.type === 'symlink' ? BLOCK : 0);
      if (h.xattrs?.size) bytes += BLOCK;
      yield e;
    }
  };
  const tar = meter.count(coalesce(writeTar(counted(await rootfsEntries(layers, image, signal)))));
  await extractLayer(tar, dir, { limits: { maxTarBytes: Number.MAX_SAFE_INTEGER, maxMembers: Number.MAX_SAFE_INTEGER }, ...(signal ? { signal } : {}) });
  return bytes;
}
