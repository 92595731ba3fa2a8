import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { Digest } from '../../blobs/digest.js';
import { KilnError } from '../../domain/errors.js';
import { initialConfig } from '../image-config.js';
import { writeImage } from '../image/oci-image.js';
import { LAYER_MEDIA_TYPE } from '../layers/capture-layer.js';
import { LayerTooLargeError, UnsafeLayerPathError } from '../layers/layer-errors.js';
import type { LayerStore } from '../layers/layer-store.js';
import type { DiskFormat } from '../oss/archive-format.js';
import { bootFstabLayer } from './boot-fstab.js';
import { refuseExternalReferences } from './disk-references.js';
import { startReader, unreadable } from './filesystem-reader.js';
import type { FoundFilesystem } from './filesystem-probe.js';
import { checkDisk, convertToRaw, inspectDisk, DEFAULT_MAX_VIRTUAL_BYTES } from './qemu-disk.js';
import { findRootFilesystem } from './root-filesystem.js';

export interface DiskImportOptions {
  /** Where the import's temporary raw disk and mount point go (the data dir's `tmp/import`). */
  tmpDir: string;
  /** The history entry of the image's one layer. */
  source: string;
  /** The largest virtual size imported (default 64 GiB): past it `InvalidImage.DiskTooLarge`. */
  maxVirtualBytes?: number;
  signal?: AbortSignal;
  /** Told as the import moves on (`converting`, `reading`, `storing`). */
  stage?: (stage: 'converting' | 'reading' | 'storing') => void;
}

/**
 * Imports a disk image (`format` as detected from its magic) as a one-layer OCI image in the
 * blob store; returns its manifest digest, with no image record. The file is hostile:
 * 1. its header and `qemu-img info` must show no other file it reads (backing file, data file,
 *    extents: `InvalidImage.BackingFile`) and a virtual size within `maxVirtualBytes`, and
 *    `qemu-img check` no table pointing past its end (`InvalidImage.DiskCorrupt`);
 * 2. it is converted with an explicit `-f` into a sparse raw file under `tmpDir` (a RAW disk
 *    too: every file the reader attaches a loop device to is then this import's own);
 * 3. its partition table is read and bounds-checked, and its root file system found
 *    (`findRootFilesystem`), with a separate /boot if it has one;
 * 4. the root's tree is archived (`filesystem-reader.ts`) into the blob store and unpacked
 *    through the layer store's safe extractor, so every member is checked like any layer's;
 * 5. when a separate /boot was found, a second small layer comments out its /etc/fstab line
 *    (`bootFstabLayer`: /boot is in the root's tree now, and a bootable export has no such file system).
 * Whatever happens, the temporary folder (raw file, mount point) is removed, and no mount
 * outlives the reader's namespace. A layer blob stored before a later failure is referenced by
 * nothing and is collected by garbage collection.
 */
export async function importDisk(deps: { blobs: BlobStore; layers: LayerStore }, file: string, format: DiskFormat, options: DiskImportOptions): Promise<Digest> {
  const { signal } = options;
  const input = resolve(file);
  await refuseExternalReferences(input, format);
  await inspectDisk(input, format, options.maxVirtualBytes ?? DEFAULT_MAX_VIRTUAL_BYTES, signal);
  await checkDisk(input, format, signal);
  await mkdir(options.tmpDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(options.tmpDir, 'disk-'));
  try {
    // A RAW disk is copied too (sparse): the reader's loop devices then name a file of this import only.
    options.stage?.('converting');
    const raw = join(dir, 'disk.raw');
    await convertToRaw(input, format, raw, signal);
    options.stage?.('reading');
    const mountDir = join(dir, 'mnt');
    await mkdir(mountDir, { mode: 0o700 });
    const { root, boot } = await findRootFilesystem(raw, mountDir, signal);
    const bootDir = join(dir, 'b', 'boot');
    await mkdir(bootDir, { recursive: true, mode: 0o700 });
    const blob = await archiveTree(deps, root, raw, mountDir, signal, boot && { fs: boot, dir: bootDir });
    options.stage?.('storing');
    const layer = await unpackChecked(deps, blob.digest, signal);
    // A separate /boot now lives in the root's tree: its fstab line would name a device no export has.
    const fstab = boot ? await bootFstabLayer(deps.layers, layer.dir) : undefined;
    const { manifestDigest } = await writeImage(deps.blobs, {
      layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: blob.digest, diffId: layer.diffId, size: blob.size }, ...(fstab ? [fstab] : [])],
      config: initialConfig(), created: new Date().toISOString(),
      history: [options.source, ...(fstab ? ['/etc/fstab: the separate /boot file system\'s line commented out (/boot is in the root)'] : [])],
    });
    return manifestDigest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The root's tree as a tar in the blob store, at most as many bytes as one layer may have. */
async function archiveTree(deps: { blobs: BlobStore; layers: LayerStore }, root: FoundFilesystem, raw: string, mountDir: string, signal?: AbortSignal, boot?: { fs: FoundFilesystem; dir: string }) {
  const reader = startReader('tar', root, raw, mountDir, signal, boot);
  const max = deps.layers.maxTarBytes;
  let over = false;
  const capped = async function* (source: AsyncIterable<Buffer>) {
    let bytes = 0;
    for await (const piece of source) {
      bytes += piece.length;
      if (bytes > max) {
        over = true;
        reader.child.kill('SIGKILL');
        throw new Error('too large');
      }
      yield piece;
    }
  };
  let stored: Awaited<ReturnType<BlobStore['put']>> | undefined;
  let putError: unknown;
  try {
    stored = await deps.blobs.put(capped(reader.child.stdout!));
  } catch (err) {
    putError = err;
    reader.child.kill('SIGKILL');
  }
  const end = await reader.done;
  signal?.throwIfAborted();
  if (over) throw new KilnError('InvalidImage.LayerTooLarge', `The root file system in the disk's ${root.name} holds more than the ${max} bytes one layer may have.`);
  if (end.code !== 0 || !stored) throw putError && end.code === 0 ? putError : unreadable(root, end.code, end.stderr);
  return stored;
}

/** Unpacks the layer through the safe extractor, its refusals as the import's codes. */
async function unpackChecked(deps: { layers: LayerStore }, digest: string, signal?: AbortSignal) {
  try {
    return await deps.layers.ensure(digest, signal ? { signal } : {});
  } catch (err) {
    if (err instanceof UnsafeLayerPathError) throw new KilnError('InvalidImage.UnsafeLayer', `The disk's root file system has a member Kiln will not write, so nothing was imported: ${err.message}.`);
    if (err instanceof LayerTooLargeError) throw new KilnError('InvalidImage.LayerTooLarge', `The disk's root file system is larger than Kiln unpacks, so nothing was imported: ${err.message}.`);
    throw err;
  }
}
