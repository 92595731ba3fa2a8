import { KilnError, missingParameter } from '../domain/errors.js';
import { checkImageName } from '../domain/image-rules.js';
import { newAccountImage, type Image, type ImageBootMode, type ImageFeatures, type ImageLicenseType } from '../domain/image.js';
import { checkDescription } from '../domain/names.js';
import type { Scope } from '../domain/ports.js';
import { validateTags, type Tag } from '../domain/tag.js';
import { ecsTime } from '../domain/time.js';
import type { App } from './app.js';
import { idempotent } from './idempotency.js';
import { imageRegistryOf } from './image-registry.js';
import type { ImportTaskRequest } from './import-image-task.js';
import { createTask, taskQueued } from './tasks.js';

/** ImportImage's `DiskDeviceMapping.N` (N=1: the system disk). */
export interface ImportDiskMapping {
  ossBucket?: string;
  ossObject?: string;
  format?: string;
  diskImageSize?: number;
  device?: string;
}

/** ImportImage as read from the wire (each parameter checked on its own by the operation's spec). */
export interface ImportImageRequest {
  imageName?: string;
  description?: string;
  architecture?: Image['architecture'];
  osType?: Image['osType'];
  platform?: string;
  bootMode?: ImageBootMode;
  licenseType?: ImageLicenseType;
  features?: ImageFeatures;
  diskDeviceMappings: ImportDiskMapping[];
  roleName?: string;
  tags: Tag[];
  dryRun?: boolean;
}

/** The role ECS assumes to read the object when `RoleName` is absent (the official page's). */
export const DEFAULT_IMPORT_ROLE = 'AliyunECSImageImportDefaultRole';

/**
 * ImportImage: the image exists at once in status `Creating` (its name taken, under the image
 * registry's rules) with an `ImportImage` task that fetches the system disk's object through
 * the account's OSS grants (`RoleName`) and imports it (`import-image-task.ts`); the task makes
 * the image Available, or removes it and ends Failed with the failure's code. Data disks
 * (N ≥ 2) are accepted and not imported (a Kiln image is one root file system): the task's
 * result says so. `DryRun` checks the request and answers `DryRunOperation`.
 */
export async function importImage(app: App, scope: Scope, req: ImportImageRequest, clientToken?: string): Promise<{ imageId: string; taskId: string }> {
  const system = req.diskDeviceMappings[0];
  if (!system?.ossBucket) throw missingParameter('DiskDeviceMapping.1.OSSBucket');
  if (!system.ossObject) throw missingParameter('DiskDeviceMapping.1.OSSObject');
  if (req.osType === 'windows') throw new KilnError('InvalidImage.OsTypeUnsupported', 'ImportImage: OSType=windows; Kiln imports Linux images only.');
  checkImageName(req.imageName, 'ImageName');
  checkDescription(req.description);
  validateTags(req.tags);
  if (req.dryRun) {
    if (req.imageName !== undefined && (await app.store.images.nameTaken(scope, req.imageName))) {
      throw new KilnError('InvalidImageName.Duplicated', `The image name ${req.imageName} is already in use in the target region ${scope.regionId}. Please try a different one (ImageName).`);
    }
    throw new KilnError('DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  }
  const registry = imageRegistryOf(app);
  const answer = await idempotent(app.store, { accountId: scope.accountId, action: 'ImportImage' }, clientToken, { scope, req }, async (tx) => {
    const image = creatingImage(scope, registry.newImageId(), req);
    await registry.reserveImport(tx, image);
    const request: ImportTaskRequest = {
      imageId: image.imageId, bucket: system.ossBucket!, object: system.ossObject!, roleName: req.roleName ?? DEFAULT_IMPORT_ROLE,
      dataDisks: req.diskDeviceMappings.length - 1, ...(system.format ? { format: system.format } : {}),
    };
    const task = await createTask(tx, { ...scope, action: 'ImportImage', resourceId: image.imageId, request: { ...request } });
    return { imageId: image.imageId, taskId: task.taskId };
  });
  taskQueued(app);
  return answer;
}

/** The image as ImportImage describes it, before it has content. */
function creatingImage(scope: Scope, imageId: string, req: ImportImageRequest): Image {
  const { manifestDigest: _none, ...image } = newAccountImage({
    imageId, ...scope, imageName: req.imageName ?? `import_${imageId}`, size: 0, creationTime: ecsTime(), tags: req.tags, manifestDigest: '',
    ...(req.description !== undefined ? { description: req.description } : {}),
  });
  return {
    ...image, status: 'Creating',
    ...(req.architecture ? { architecture: req.architecture } : {}),
    ...(req.platform ? { platform: req.platform } : {}),
    ...(req.bootMode ? { bootMode: req.bootMode } : {}),
    ...(req.licenseType ? { licenseType: req.licenseType } : {}),
    ...(req.features && Object.keys(req.features).length > 0 ? { features: req.features } : {}),
  };
}
