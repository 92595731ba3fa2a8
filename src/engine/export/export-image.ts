import { open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DISK_FORMATS } from '../../domain/disk-formats.js';
import type { ImageBootMode } from '../../domain/image.js';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { LayerStore } from '../layers/layer-store.js';
import { coalesce } from '../layers/tar/coalesce.js';
import { writeTar } from '../layers/tar/tar-writer.js';
import { writeAtomically } from './atomic-file.js';
import { writeBootDisk } from './boot/boot-disk.js';
import type { GuestFile } from './boot/guest-files.js';
import { findKernel } from './boot/kernel.js';
import { convertDisk, type ConvertedFormat } from './disk-formats.js';
import { createdSeconds, readStoredImage, type StoredImage } from './image-blobs.js';
import { dockerArchiveEntries, imageBlobs, ociLayoutEntries } from './oci-archive.js';
import { ProgressMeter, type ExportProgress } from './progress.js';
import { writeRawDisk } from './raw-disk.js';
import { rootfsTar, stageTree } from './stage-tree.js';

/** Every format an image can be exported in. */
export const EXPORT_FORMATS = ['oci', 'docker', 'rootfs', ...DISK_FORMATS] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  /** The image: its OCI manifest in the blob store. */
  manifestDigest: string;
  format: ExportFormat;
  /** Where the export goes; nothing appears there unless the export succeeds. */
  file: string;
  /** oci: the index's `org.opencontainers.image.ref.name`; docker: the RepoTag (`name:tag`). */
  tag?: string;
  /** Disks: the size the image asks for in GiB (Size / SystemDiskSize); the disk is at least what its files need. */
  sizeGiB?: number;
  /**
   * Disks of a VM image (one whose tree has a kernel, see `findKernel`): the layout and boot
   * loaders the disk gets (Guest contract, docs/vm-images.md). Default: the UEFI-Preferred
   * layout, which boots both ways. Ignored for an image without a kernel and for archives.
   */
  bootMode?: ImageBootMode;
  /** Disks of a VM image: files added to the exported tree (never to the image), e.g. a test agent. */
  guestFiles?: GuestFile[];
  /** Disks of a VM image: systemd units (names like `kiln-agent.service`) enabled in multi-user.target. */
  enableUnits?: string[];
  signal?: AbortSignal;
  onProgress?: ExportProgress;
}

export interface ExportResult {
  format: ExportFormat;
  /** Size of the written file (a disk's virtual size is `diskBytes`). */
  bytes: number;
  /** Disks: the disk's virtual size. */
  diskBytes?: number;
  /** True for a disk that boots on its own (the image has a kernel); false for other disks and archives. */
  bootable: boolean;
  /** A bootable disk's layout (the request's BootMode, or UEFI-Preferred). */
  bootMode?: ImageBootMode;
  /** One sentence on what the file holds. */
  note: string;
}

/** What an export reads: the blob store and the extracted layers. */
export interface ExportDeps {
  blobs: BlobStore;
  layers: LayerStore;
}

/**
 * Writes the image `req.manifestDigest` to `req.file` in `req.format`: `oci` an OCI image layout
 * archive (blobs copied byte for byte), `docker` the same with docker's manifest.json
 * (`docker load`), `rootfs` the merged root filesystem as a tar, `raw` a GPT disk with one ext4
 * partition holding it, `qcow2`/`vhd`/`vmdk`/`vdi` that disk converted by qemu-img. Atomic (a
 * temporary file renamed into place; nothing under `file` on failure or abort), deterministic
 * (the same image gives byte-identical files: times, ids and order are fixed from the image),
 * reporting progress as it goes, stopped by `req.signal`.
 */
export async function exportImage(deps: ExportDeps, req: ExportRequest): Promise<ExportResult> {
  const image = await readStoredImage(deps.blobs, req.manifestDigest);
  const result = await writeAtomically(req.file, (tmp) => (isArchive(req.format) ? writeArchive(deps, image, req, tmp) : writeDisk(deps, image, req, tmp)), req.signal);
  req.onProgress?.(100, 'done');
  return result;
}

const isArchive = (f: ExportFormat) => f === 'oci' || f === 'docker' || f === 'rootfs';

async function writeArchive(deps: ExportDeps, image: StoredImage, req: ExportRequest, tmp: string): Promise<ExportResult> {
  const time = createdSeconds(image);
  const total = imageBlobs(image).reduce((n, b) => n + b.size, 0);
  const meter = new ProgressMeter(req.onProgress, req.signal, req.format === 'rootfs' ? 'writing the root filesystem' : 'writing the archive', total, 0, 99);
  const tar =
    req.format === 'rootfs'
      ? await rootfsTar(deps.layers, image, meter, req.signal)
      : meter.count(coalesce(writeTar(req.format === 'oci' ? ociLayoutEntries(deps.blobs, image, time, req.tag) : dockerArchiveEntries(deps.blobs, image, time, req.tag))));
  const bytes = await writeStream(tmp, tar);
  const note = { oci: 'an OCI image layout archive', docker: 'a docker-load archive', rootfs: 'the root filesystem as a tar' }[req.format as 'oci'];
  return { format: req.format, bytes, bootable: false, note: `${note} of ${image.layers.length} layer(s)` };
}

async function writeDisk(deps: ExportDeps, image: StoredImage, req: ExportRequest, tmp: string): Promise<ExportResult> {
  const staging = await deps.layers.staging('export-');
  try {
    const layerBytes = image.layers.reduce((n, l) => n + l.size, 0);
    const treeBytes = await stageTree(deps.layers, image, staging.dir, new ProgressMeter(req.onProgress, req.signal, 'staging the root filesystem', layerBytes, 0, 20), req.signal);
    req.onProgress?.(20, 'making the disk');
    const raw = req.format === 'raw' ? tmp : join(staging.top, 'disk.raw');
    await writeFile(raw, '');
    const spec = { treeDir: staging.dir, treeBytes, sizeGiB: req.sizeGiB ?? 0, seed: image.manifest.digest, time: createdSeconds(image) };
    const kernel = await findKernel(staging.dir);
    if (kernel) {
      const boot = { ...spec, kernel, image, scratch: staging.top, bootMode: req.bootMode ?? 'UEFI-Preferred', guestFiles: req.guestFiles ?? [], enableUnits: req.enableUnits ?? [] } as const;
      const disk = await writeBootDisk(raw, boot, req.signal);
      await finishDisk(raw, tmp, req, spec);
      return { format: req.format, bytes: await syncedSize(tmp), diskBytes: disk.bytes, bootable: true, bootMode: boot.bootMode, note: `a ${req.format} disk of ${disk.bytes} bytes that boots on its own (${disk.note})` };
    }
    const diskBytes = await writeRawDisk(raw, spec, req.signal);
    await finishDisk(raw, tmp, req, spec);
    const bytes = await syncedSize(tmp);
    const note = `a ${req.format} disk of ${diskBytes} bytes: a GPT with one ext4 partition holding the root filesystem, no bootloader (the image has no kernel to boot)`;
    return { format: req.format, bytes, diskBytes, bootable: false, note };
  } finally {
    await rm(staging.top, { recursive: true, force: true });
  }
}

/** Converts the raw disk to the requested format (nothing to do for raw). */
async function finishDisk(raw: string, tmp: string, req: ExportRequest, spec: { seed: string; time: number }): Promise<void> {
  if (req.format === 'raw') return;
  req.onProgress?.(75, `converting the disk to ${req.format}`);
  await convertDisk(raw, tmp, req.format as ConvertedFormat, { seed: spec.seed, time: spec.time, name: req.file }, req.signal);
}

/** Writes the pieces to `file` and flushes it to disk; returns its size. */
async function writeStream(file: string, source: AsyncIterable<Buffer>): Promise<number> {
  const fh = await open(file, 'w', 0o644);
  let bytes = 0;
  try {
    for await (const piece of source) {
      await fh.write(piece);
      bytes += piece.length;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return bytes;
}

/** Flushes a file the disk tools wrote to disk; returns its size. */
async function syncedSize(file: string): Promise<number> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}
