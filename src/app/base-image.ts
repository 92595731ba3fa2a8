import { KilnError } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import type { Repositories, Scope } from '../domain/ports.js';
import type { BaseImageType } from '../domain/pipeline.js';
import type { App } from './app.js';

/**
 * Checks that a template's base image can be built from: an image id visible to the caller,
 * or an image family with an available image. OSS imports are checked when they are fetched.
 */
export async function resolveBaseImage(app: App, repos: Repositories, scope: Scope, type: BaseImageType, baseImage: string | undefined): Promise<Image | undefined> {
  if (type === 'OSS' || baseImage === undefined) return undefined;
  const images = app.imagesIn(repos);
  const image = type === 'IMAGE'
    ? await images.find(scope, baseImage)
    : await images.latestInFamily(scope, baseImage);
  if (!image) {
    const what = type === 'IMAGE' ? `image "${baseImage}"` : `image family "${baseImage}" (or it has no available image)`;
    throw new KilnError('InvalidImage.NotFound', `The specified ${what} does not exist in region ${scope.regionId}.`);
  }
  if (image.osType !== 'linux') {
    throw new KilnError('InvalidImage.OsTypeUnsupported', 'The specified base image does not support image building.');
  }
  return image;
}
