import { KilnError } from '../domain/errors.js';
import { checkImageName, imageNotFound } from '../domain/image-rules.js';
import { checkDescription } from '../domain/names.js';
import type { Scope } from '../domain/ports.js';
import { validateTags, type Tag } from '../domain/tag.js';
import { isKnownRegion, type App } from './app.js';
import { idempotent } from './idempotency.js';
import { imageRegistryOf } from './image-registry.js';
import { recordFinishedTask } from './tasks.js';

export interface CopyRequest {
  imageId: string;
  /** Absent: the source's region. */
  destinationRegionId?: string;
  /** Absent: the source's name. */
  name?: string;
  description?: string;
  tags: Tag[];
}

/**
 * CopyImage: a new image owned by the caller in the destination region with the same content
 * (the same manifest, no blob is copied). The caller's own images can go to any region; an
 * image shared with the caller only within its region; system images are not custom images.
 *
 * As on ECS: its CopyImage reference (help.aliyun.com/document_detail/25538, api.aliyun.com
 * Ecs 2014-05-26 CopyImage) allows copying an image shared with you within its region only,
 * and "Use shared images" has sharees copy one to own it; the copy is the caller's and stays
 * when the owner unshares or deletes the source. (Pages before 2021 said one's own images only.)
 * The copy's layers count against the caller's image quota (`QuotaExceed.ImageStorage`); the
 * name and quota rules are the image registry's, as for every image registered. The copy is
 * also a `CopyImage` task of the request's region, recorded Finished in the same transaction.
 */
export async function copyImage(app: App, scope: Scope, req: CopyRequest, clientToken?: string): Promise<{ imageId: string }> {
  const destination = req.destinationRegionId ?? scope.regionId;
  if (!isKnownRegion(app, destination)) {
    throw new KilnError('DestinationRegion.NotFound', `The destination region not found: "${destination}" is not one of this Kiln's regions.`);
  }
  checkImageName(req.name);
  checkDescription(req.description, 'InvalidDescription.Malformed', 'DestinationDescription');
  validateTags(req.tags);

  return idempotent(app.store, { accountId: scope.accountId, action: 'CopyImage' }, clientToken, { scope, req }, async (tx) => {
    const source = await tx.images.getVisible(scope, req.imageId);
    if (!source) throw imageNotFound(req.imageId);
    if (source.imageOwnerAlias === 'others' && destination !== scope.regionId) {
      throw new KilnError('OperationDenied.SameRegionOnly', 'The image shared from others can not be copied to another region directly: copy it within its region first, then copy your copy.');
    }
    if (source.status !== 'Available') {
      throw new KilnError('IncorrectImageStatus', `The image not available: ${source.imageId} is ${source.status}.`);
    }
    const copy = await imageRegistryOf(app).registerCopy(tx, source, {
      accountId: scope.accountId,
      regionId: destination,
      imageName: req.name ?? source.imageName,
      ...(req.description !== undefined ? { description: req.description } : {}),
      tags: req.tags,
    });
    // Its task, Finished with the copy (no bytes move in Kiln): DescribeTasks TaskAction=CopyImage lists it.
    await recordFinishedTask(tx, { accountId: scope.accountId, regionId: scope.regionId, action: 'CopyImage', resourceId: copy.imageId, request: { sourceImageId: source.imageId, destinationRegionId: destination } },
      { ImageId: copy.imageId, SourceImageId: source.imageId, DestinationRegionId: destination });
    return { imageId: copy.imageId };
  });
}
