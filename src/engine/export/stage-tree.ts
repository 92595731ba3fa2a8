import { linkSync, lutimesSync } from 'node:fs';
import { join } from 'node:path';
import { extractLayer } from '../layers/extract-layer.js';
import type { LayerStore } from '../layers/layer-store.js';
import { coalesce } from '../layers/tar/coalesce.js';
import { writeTar, type TarWriteEntry } from '../layers/tar/tar-writer.js';
import type { StoredImage } from './image-blobs.js';
import { mergedTreeEntries, type MergedEntry } from './merged-tree.js';
import type { ProgressMeter } from './progress.js';

const BLOCK = 4096;
const INODE = 256;

/** The image's merged root filesystem as tar members (see `mergedTreeEntries`), its layers extracted first where needed. */
export async function rootfsEntries(layers: LayerStore, image: StoredImage, signal?: AbortSignal, withBodies = true): Promise<AsyncGenerator<MergedEntry>> {
  const dirs: string[] = [];
  for (const l of image.layers) dirs.push((await layers.ensure(l.digest, signal ? { signal } : {})).dir);
  return mergedTreeEntries(dirs, signal, withBodies);
}

/** The image's merged root filesystem as a tar stream (uncompressed), counted by `meter`. */
export async function rootfsTar(layers: LayerStore, image: StoredImage, meter: ProgressMeter, signal?: AbortSignal): Promise<AsyncGenerator<Buffer>> {
  return meter.count(coalesce(writeTar(await rootfsEntries(layers, image, signal))));
}

/**
 * Makes the image's merged root filesystem in `dir` (a private staging directory on the layer
 * store's filesystem) for mke2fs to copy, without copying file contents: directories, symlinks,
 * device nodes and fifos are made through the layer extractor (owners, modes, xattrs), and each
 * regular file is a hard link to the layer file it is (its inode carries its owner, mode, mtime
 * and xattrs; paths sharing an inode in a layer share it here too); directory times are set
 * last. Nothing ever writes through these links (mke2fs only reads). Returns the bytes the tree
 * needs on ext4: its files in whole 4 KiB blocks, a block per directory, symlink and xattr set,
 * and an inode each.
 */
export async function stageTree(layers: LayerStore, image: StoredImage, dir: string, meter: ProgressMeter, signal?: AbortSignal): Promise<number> {
  let bytes = 0;
  const files: Array<{ source: string; rel: string }> = [];
  const dirTimes: Array<{ rel: string; mtime: number }> = [];
  const skeleton = async function* (entries: AsyncIterable<MergedEntry>): AsyncGenerator<TarWriteEntry> {
    for await (const { header: h, source } of entries) {
      bytes += INODE + (h.type === 'file' ? Math.ceil(h.size / BLOCK) * BLOCK : h.type === 'directory' || h.type === 'symlink' ? BLOCK : 0);
      if (h.xattrs?.size) bytes += BLOCK;
      if ((h.type === 'file' || h.type === 'hardlink') && source) {
        files.push({ source, rel: h.name });
        meter.add(h.size);
        continue;
      }
      if (h.type === 'directory') dirTimes.push({ rel: h.name, mtime: h.mtime });
      yield { header: h };
    }
  };
  const tar = coalesce(writeTar(skeleton(await rootfsEntries(layers, image, signal, false))));
  await extractLayer(tar, dir, { limits: { maxTarBytes: Number.MAX_SAFE_INTEGER, maxMembers: Number.MAX_SAFE_INTEGER }, ...(signal ? { signal } : {}) });
  for (const [i, f] of files.entries()) {
    if (i % 1000 === 0) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    linkSync(f.source, join(dir, f.rel));
  }
  for (const d of dirTimes) lutimesSync(join(dir, d.rel), d.mtime, d.mtime);
  return bytes;
}
