import { basename } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { Digest } from '../../blobs/digest.js';
import { KilnError } from '../../domain/errors.js';
import { importArchive } from '../image/import-image.js';
import type { LayerStore } from '../layers/layer-store.js';
import { parseDiskFormat } from '../../domain/disk-formats.js';
import { ACCEPTED_FORMATS, FORMAT_NAMES, isDiskFormat, sniffArchive, type ArchiveFormat } from '../oss/archive-format.js';
import { importDisk, type DiskImportOptions } from './import-disk.js';

export interface ImportFileOptions extends Omit<DiskImportOptions, 'source'> {
  /** The disk format the request declares (ImportImage's `Format`, a template's), case-insensitive; checked against the file. */
  declaredFormat?: string;
  /** The history entry of an archive's or disk's layer (default `kiln images import <name>`). */
  source?: string;
}

export interface ImportedFile {
  manifestDigest: Digest;
  /** What the file was, by its magic. */
  format: ArchiveFormat;
}

/**
 * Imports any file Kiln takes as an image into the blob store, with no image record: a rootfs
 * tarball or an OCI image layout archive (plain or gzip; `importArchive`), or a disk image
 * (RAW, QCOW2, VHD, VMDK, VDI; `importDisk`). What the file is comes from its magic bytes; a
 * declared disk format that differs is `InvalidImage.FormatMismatch`, a file of no known format
 * `InvalidImage.FormatUnknown`, an archive that cannot be read (a blob that does not match its
 * digest, a truncated tar) `InvalidImage.ArchiveCorrupt`.
 */
export async function importImageFile(deps: { blobs: BlobStore; layers: LayerStore }, file: string, options: ImportFileOptions): Promise<ImportedFile> {
  const format = await sniffArchive(file);
  checkDeclaredFormat(format, options.declaredFormat);
  const source = options.source ?? `kiln images import ${basename(file)}`;
  if (format === 'tar' || format === 'gzip') {
    try {
      return { format, manifestDigest: await importArchive(deps, file, source, options.signal ? { signal: options.signal } : {}) };
    } catch (err) {
      if (err instanceof KilnError || options.signal?.aborted) throw err;
      throw new KilnError('InvalidImage.ArchiveCorrupt', `The file is ${FORMAT_NAMES[format]} that cannot be read as ${ARCHIVES}: ${(err as Error).message}.`);
    }
  }
  if (!isDiskFormat(format)) throw new KilnError('InvalidImage.FormatUnknown', `The file is ${FORMAT_NAMES[format]}; Kiln imports ${ACCEPTED_FORMATS}.`);
  return { format, manifestDigest: await importDisk(deps, file, format, { ...options, source }) };
}

const ARCHIVES = 'a rootfs tarball or an OCI image layout archive';

/** A declared format must be the detected one (an archive has none to declare). */
function checkDeclaredFormat(format: ArchiveFormat, declared: string | undefined): void {
  if (declared === undefined || declared === '') return;
  const want = parseDiskFormat(declared);
  if (want === format) return;
  const named = want ? FORMAT_NAMES[want] : `Format=${declared}`;
  throw new KilnError('InvalidImage.FormatMismatch', `The file is declared as ${named} and is ${FORMAT_NAMES[format]}.`);
}
