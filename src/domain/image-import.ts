import type { LayerRef } from './storage-quota.js';

/** One OSS object to import as an image's content (ImportImage's system disk). */
export interface OssImportRequest {
  /** The account whose OSS grants are used (README, "Per tenant"), through `roleName`. */
  accountId: string;
  /** ImportImage's `RoleName` (default `AliyunECSImageImportDefaultRole`): which of the account's grants signs the read. */
  roleName: string;
  bucket: string;
  object: string;
  /** The declared `Format` (RAW, QCOW2, VHD, VMDK, VDI), checked against the object's magic; absent: any. */
  format?: string;
  signal: AbortSignal;
  /** Told as the import moves on: a percentage (0–100) and what is being done. */
  progress(percent: number, note: string): Promise<void>;
}

/** What an import stored in the blob store: an OCI image, not yet any account's image. */
export interface ImportedContent {
  manifestDigest: string;
  layers: LayerRef[];
  /** What the object was, by its magic (`qcow2`, `tar`, `gzip`, …). */
  format: string;
}

/**
 * The port through which the app imports image content (implemented by the engine,
 * `engine/import/`, wired in `main/`). The object is fetched through the account's OSS grants
 * and imported as a rootfs tarball, an OCI image layout archive or a disk image; nothing of it
 * stays on the host but the stored blobs. Failures are `KilnError`s with registered codes:
 * a missing bucket (`InvalidOSSBucket.NotFound`) or object (`InvalidOSSObject.NotFound`), a
 * refused read (`NoSetRoletoECSServiceAcount`), a bad file (`InvalidImage.*`, `OSS.*`).
 */
export interface ImageImporter {
  importFromOss(req: OssImportRequest): Promise<ImportedContent>;
}
