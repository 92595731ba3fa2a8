import { KilnError } from '../domain/errors.js';
import { DEFAULT_EXPORT_FORMAT, DEFAULT_EXPORT_ROLE, exportObjectName, type ImageExportFormat } from '../domain/image-export.js';
import type { ImageBootMode } from '../domain/image.js';
import type { Scope } from '../domain/ports.js';
import type { App } from './app.js';
import { exportableImage } from './export-image-source.js';
import { createTask, taskQueued } from './tasks.js';

/** ExportImage's request, as the API read it (the format and prefix already checked). */
export interface ExportImageRequest {
  imageId: string;
  bucket: string;
  prefix?: string;
  format?: ImageExportFormat;
  roleName?: string;
  dryRun?: boolean;
}

/** What the `ExportImage` task's handler is given (`export-image-task.ts`). */
export interface ExportTaskRequest {
  imageId: string;
  manifestDigest: string;
  sizeGiB: number;
  format: ImageExportFormat;
  /** The image's BootMode when the task was made: the disk's layout if the image has a kernel. */
  bootMode?: ImageBootMode;
  bucket: string;
  object: string;
  roleName: string;
}

/**
 * ExportImage: one of the caller's own images (`exportableImage`: not shared with it, not a
 * system image) written as a disk in `ImageFormat` (default raw) to the OSS object
 * `<OSSPrefix>_<ImageId>_system.<format>` of `OSSBucket`, through the account's grant for
 * `RoleName` (default AliyunECSImageExportDefaultRole), by an `ExportImage` task whose id is
 * the answer. The bucket and the grant are checked by the task (as on ECS, where the task reads
 * them): it ends Failed with the store's code. `DryRun` checks the request and answers `DryRunOperation`.
 */
export async function exportImage(app: App, scope: Scope, req: ExportImageRequest): Promise<{ taskId: string }> {
  const format = req.format ?? DEFAULT_EXPORT_FORMAT;
  const answer = await app.store.transaction(async (tx) => {
    const image = await exportableImage(app, tx, scope, req.imageId, false);
    if (req.dryRun) throw new KilnError('DryRunOperation', 'Request validation has been passed with DryRun flag set.');
    const request: ExportTaskRequest = {
      imageId: image.imageId, manifestDigest: image.manifestDigest, sizeGiB: image.size, format, bootMode: image.bootMode,
      bucket: req.bucket, object: exportObjectName(image.imageId, format, req.prefix), roleName: req.roleName ?? DEFAULT_EXPORT_ROLE,
    };
    const task = await createTask(tx, { ...scope, action: 'ExportImage', resourceId: image.imageId, request: { ...request } });
    return { taskId: task.taskId };
  });
  taskQueued(app);
  return answer;
}
