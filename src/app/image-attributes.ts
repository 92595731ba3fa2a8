import { isStoreError } from '../domain/errors/store-error.js';
import { attributePatch, checkAttributeChange, type ImageAttributeChange } from '../domain/image-attributes.js';
import type { Image } from '../domain/image.js';
import { imageNotFound } from '../domain/image-rules.js';
import type { Scope } from '../domain/ports.js';
import type { App } from './app.js';
import { imageNameTaken, requireNameFree } from './image-registry.js';
import { requireOwnedImage } from './images.js';

/**
 * ModifyImageAttribute: changes attributes of one of the caller's images (name, description,
 * family, status, boot mode, license type, features) in one transaction. Only the owner:
 * system images and images shared with the caller are `InvalidImageId.NotFound`, as the page
 * says ("does not exist in this account"). A new name must be free among the owner's images in
 * the region (`InvalidImageName.Duplicated`, a concurrent rename included). Returns the image
 * as it is now.
 */
export async function modifyImageAttribute(app: App, scope: Scope, imageId: string, change: ImageAttributeChange): Promise<Image> {
  checkAttributeChange(change);
  try {
    return await app.store.transaction(async (tx) => {
      const image = await requireOwnedImage(tx, scope, imageId);
      const shared = change.status === 'Deprecated' && (await tx.images.shares(scope, imageId)).length > 0;
      const patch = attributePatch(image, change, shared);
      if (patch.imageName !== undefined && patch.imageName !== image.imageName) await requireNameFree(tx, scope, patch.imageName, 'ImageName');
      const updated = await tx.images.update(scope, imageId, patch);
      if (!updated) throw imageNotFound(imageId);
      return updated;
    });
  } catch (err) {
    if (isStoreError(err, 'Store.Conflict') && change.imageName !== undefined) throw imageNameTaken(change.imageName, scope.regionId, 'ImageName');
    throw err;
  }
}
