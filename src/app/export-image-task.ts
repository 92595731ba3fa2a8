import { KilnError } from '../domain/errors.js';
import { BOOT_MODES } from '../domain/image-attributes.js';
import type { ImageBootMode } from '../domain/image.js';
import { IMAGE_EXPORT_FORMATS, type ImageExporter, type ImageExportFormat } from '../domain/image-export.js';
import type { TaskHandler } from '../domain/task.js';
import type { ExportTaskRequest } from './export-image.js';

function requestOf(raw: Record<string, unknown>): ExportTaskRequest {
  const text = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  const format = text('format') as ImageExportFormat;
  if (!IMAGE_EXPORT_FORMATS.includes(format) || !text('manifestDigest') || !text('bucket') || !text('object')) {
    throw new KilnError('ExportImageFailed', 'Exporting image is failed: the task\'s recorded request is incomplete.');
  }
  const bootMode = BOOT_MODES.find((m) => m === raw.bootMode) as ImageBootMode | undefined;
  return {
    ...(bootMode ? { bootMode } : {}),
    imageId: text('imageId'), manifestDigest: text('manifestDigest'), sizeGiB: typeof raw.sizeGiB === 'number' ? raw.sizeGiB : 0,
    format, bucket: text('bucket'), object: text('object'), roleName: text('roleName'),
  };
}

/**
 * The `ExportImage` task: has `exporter` write the image's disk to the object (progress as it
 * goes, stopped by a cancel) in the image's BootMode, and ends with a result naming the object
 * and saying whether the disk boots (`Bootable`: the image has a kernel; then `BootMode` too).
 */
export function exportImageTask(exporter: ImageExporter): TaskHandler {
  return async ({ task, signal, progress }) => {
    const req = requestOf(task.request);
    const done = await exporter.exportToOss({
      accountId: task.accountId, roleName: req.roleName, manifestDigest: req.manifestDigest, sizeGiB: req.sizeGiB,
      format: req.format, ...(req.bootMode ? { bootMode: req.bootMode } : {}), bucket: req.bucket, object: req.object, signal, progress,
    });
    return {
      result: {
        ImageId: req.imageId, OSSBucket: done.bucket, OSSObject: done.object, ImageFormat: req.format,
        ObjectSize: done.bytes, DiskSize: done.diskBytes, Bootable: done.bootable,
        ...(done.bootMode ? { BootMode: done.bootMode } : {}), Note: done.note,
      },
    };
  };
}
