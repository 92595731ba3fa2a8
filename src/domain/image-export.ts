import type { DiskFormat } from './disk-formats.js';
import type { ImageBootMode } from './image.js';

/**
 * Exporting an image to OSS (ExportImage): the formats, the object name the service writes, and
 * the port through which the app has the engine do the work (implemented by the engine,
 * `engine/export/`, wired in `main/`).
 */

/** ExportImage's `ImageFormat` values (the SDK's and the official page's), lowercase as documented. */
export const IMAGE_EXPORT_FORMATS = ['raw', 'vhd', 'qcow2', 'vmdk', 'vdi'] as const satisfies readonly DiskFormat[];
export type ImageExportFormat = DiskFormat;

/** ExportImage's documented default format. */
export const DEFAULT_EXPORT_FORMAT: ImageExportFormat = 'raw';

/** The RAM role ExportImage writes through when `RoleName` is absent (the official page's required name). */
export const DEFAULT_EXPORT_ROLE = 'AliyunECSImageExportDefaultRole';

/**
 * The object an export writes: `<OSSPrefix>_<ImageId>_system.<format>` (`<ImageId>_system.<format>`
 * without a prefix): the system disk's file, named as the service names it (docs/api-notes/export.md).
 */
export function exportObjectName(imageId: string, format: ImageExportFormat, prefix?: string): string {
  return `${prefix ? `${prefix}_` : ''}${imageId}_system.${format}`;
}

/** One image to write as a disk file into an OSS bucket. */
export interface OssExportRequest {
  /** The account whose OSS grants are used (README, "Per tenant"), through `roleName`. */
  accountId: string;
  /** ExportImage's `RoleName` (default `AliyunECSImageExportDefaultRole`): which of the account's grants signs the write. */
  roleName: string;
  /** The image's OCI manifest in the blob store. */
  manifestDigest: string;
  /** The image's size in GiB: the disk is at least this large. */
  sizeGiB: number;
  format: ImageExportFormat;
  /** The image's BootMode: the layout of the disk when the image has a kernel (docs/vm-images.md). */
  bootMode?: ImageBootMode;
  bucket: string;
  object: string;
  signal: AbortSignal;
  /** Told as the export moves on: a percentage (0–100) and what is being done. */
  progress(percent: number, note: string): Promise<void>;
}

/** What an export wrote. */
export interface ExportedObject {
  bucket: string;
  object: string;
  /** Bytes of the object. */
  bytes: number;
  /** The disk's virtual size in bytes. */
  diskBytes: number;
  /** True when the disk boots on its own (the image has a kernel; boot loaders for `bootMode`). */
  bootable: boolean;
  /** A bootable disk's layout. */
  bootMode?: ImageBootMode;
  /** One sentence on what the disk holds. */
  note: string;
}

/**
 * The port through which the app exports an image to OSS. The object appears under its final
 * name only once it is whole (one PutObject): a failed or cancelled export leaves no object.
 * Failures are `KilnError`s with registered codes: a missing bucket (`InvalidOSSBucket.NotFound`),
 * a bucket the account's grant for `roleName` does not name (`NoSetRoletoECSServiceAcount`), a
 * store that fails (`OSS.*`), an export that fails (`ExportImageFailed`). An aborted `signal`
 * rejects with its reason.
 */
export interface ImageExporter {
  exportToOss(req: OssExportRequest): Promise<ExportedObject>;
}
