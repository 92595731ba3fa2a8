import { KilnError } from '../domain/errors.js';
import type { ImageImporter } from '../domain/image-import.js';
import type { Scope } from '../domain/ports.js';
import type { TaskHandler, TaskJson } from '../domain/task.js';
import type { App } from './app.js';
import { imageRegistryOf } from './image-registry.js';

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
 * a missing object, a corrupt disk, the quota, a cancel — the image is removed before the
 * task ends, so no Creating image outlives its task.
 */
export function importImageHandler(app: App, importer: ImageImporter): TaskHandler {
  return async ({ task, signal, progress }) => {
    const scope = { accountId: task.accountId, regionId: task.regionId };
    const req = taskRequest(task.request);
    const registry = imageRegistryOf(app);
    await removeOrphanedImports(app, scope);
    try {
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
    } catch (err) {
      await registry.abandonImport(scope, req.imageId);
      throw err;
    }
  };
}

/**
 * Removes the scope's `Creating` images whose ImportImage task has ended without them: a task
 * whose worker was lost (ended `TaskWorkerLost` by the next claim) or that was cancelled before a
 * worker took it never ran the handler's own cleanup. Run by ImportImage and by each import
 * task, so such an image lasts until the account's next import (the few Creating images of a
 * scope are read, then their tasks).
 */
export async function removeOrphanedImports(app: App, scope: Scope): Promise<void> {
  const creating = (await app.store.images.listVisible(scope)).filter((i) => i.status === 'Creating' && i.accountId === scope.accountId);
  if (creating.length === 0) return;
  const ids = creating.map((i) => i.imageId);
  const { items } = await app.store.tasks.list({ ...scope, action: 'ImportImage', resourceIds: ids }, { pageNumber: 1, pageSize: Math.min(100, ids.length * 2) });
  const registry = imageRegistryOf(app);
  for (const task of items) {
    if ((task.status === 'Failed' || task.status === 'Deleted') && task.resourceId) await registry.abandonImport(scope, task.resourceId);
  }
}
