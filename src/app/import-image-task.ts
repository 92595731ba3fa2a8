import { KilnError } from '../domain/errors.js';
import type { ImageImporter } from '../domain/image-import.js';
import type { TaskAbandonedStep, TaskHandler, TaskJson } from '../domain/task.js';
import type { App } from './app.js';
import { abandonImport, imageRegistryOf } from './image-registry.js';

/** What ImportImage records in its task for the handler. */
export interface ImportTaskRequest {
  imageId: string;
  bucket: string;
  object: string;
  roleName: string;
  /** The declared `Format` of the system disk, if any. */
  format?: string;
  /** Data disks the request listed (accepted, not imported). */
  dataDisks: number;
}

function taskRequest(json: TaskJson): ImportTaskRequest {
  const r = json as Partial<ImportTaskRequest>;
  if (typeof r.imageId !== 'string' || typeof r.bucket !== 'string' || typeof r.object !== 'string' || typeof r.roleName !== 'string') {
    throw new KilnError('InternalError', 'The ImportImage task has no readable request.');
  }
  return { imageId: r.imageId, bucket: r.bucket, object: r.object, roleName: r.roleName, dataDisks: Number(r.dataDisks ?? 0), ...(typeof r.format === 'string' ? { format: r.format } : {}) };
}

/**
 * The handler of `ImportImage` tasks: imports the system disk's object through `importer`
 * (the engine, behind the domain's port) and hands the content to the image registry, which
 * makes the Creating image Available with its layers (quota checked). However it fails —
 * a missing object, a corrupt disk, the quota, a cancel — the task ends Failed or Deleted, and
 * `importImageAbandoned` removes the image in that same transaction: no Creating image outlives
 * its task.
 */
export function importImageHandler(app: App, importer: ImageImporter): TaskHandler {
  return async ({ task, signal, progress }) => {
    const scope = { accountId: task.accountId, regionId: task.regionId };
    const req = taskRequest(task.request);
    const registry = imageRegistryOf(app);
    const content = await importer.importFromOss({
      accountId: task.accountId, roleName: req.roleName, bucket: req.bucket, object: req.object, signal, progress,
      ...(req.format ? { format: req.format } : {}),
    });
    signal.throwIfAborted();
    const image = await registry.completeImport(scope, req.imageId, content);
    if (!image) throw new KilnError('InvalidImageId.NotFound', `The image ${req.imageId} was deleted while it was being imported.`);
    await progress(100, 'imported');
    const result: TaskJson = { imageId: image.imageId, format: content.format, manifestDigest: content.manifestDigest };
    if (req.dataDisks > 0) result.note = `${req.dataDisks} data disk(s) listed in DiskDeviceMapping were not imported: a Kiln image is one root file system.`;
    return { result };
  };
}

/**
 * ImportImage's abandoned step (`TaskAbandonedStep`): the task ended Failed or Deleted (a cancel
 * before a worker took it, a lost worker, a failed import), so its image, if still `Creating`, is
 * removed in the same transaction. An image that became Available before the task ended is kept.
 */
export const importImageAbandoned: TaskAbandonedStep = async (tx, task) => {
  if (task.resourceId) await abandonImport(tx, { accountId: task.accountId, regionId: task.regionId }, task.resourceId);
};
