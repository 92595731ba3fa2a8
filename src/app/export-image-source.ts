import { KilnError } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { imageNotFound } from '../domain/image-rules.js';
import type { Repositories, Scope } from '../domain/ports.js';
import type { App } from './app.js';

/** An image whose content Kiln holds. */
export type ExportableImage = Image & { manifestDigest: string };

/**
 * The image an export reads, as the caller may export it: one of the caller's own images, or
 * (`allowShared`: `kiln images export`) one shared with it; ExportImage exports owners' images
 * only. Unknown images are `InvalidImageId.NotFound`; system images and aliases of them (made by
 * Kiln from its bases, not custom images) and, for owners only, shared images are
 * `ImageNotSupported`; an image that is not Available or Deprecated is `IncorrectImageStatus`.
 */
export async function exportableImage(app: App, repos: Repositories, scope: Scope, imageId: string, allowShared: boolean): Promise<ExportableImage> {
  const image = await app.imagesIn(repos).find(scope, imageId);
  if (!image) throw imageNotFound(imageId);
  if (image.imageOwnerAlias === 'system' || image.aliasOf !== undefined) {
    throw new KilnError('ImageNotSupported', `The specified image is not supported for export: ${imageId} is a system image of Kiln, not a custom image.`);
  }
  if (image.imageOwnerAlias === 'others' && !allowShared) {
    throw new KilnError('ImageNotSupported', `The specified image is not supported for export: ${imageId} is shared with you; only its owner exports it (copy it with CopyImage to export your copy).`);
  }
  if (image.status !== 'Available' && image.status !== 'Deprecated') {
    throw new KilnError('IncorrectImageStatus', `The specified Image is not available: ${imageId} is ${image.status}.`);
  }
  if (!image.manifestDigest) throw new KilnError('ImageNotSupported', `The specified image is not supported for export: ${imageId} has no content in Kiln.`);
  return image as ExportableImage;
}
