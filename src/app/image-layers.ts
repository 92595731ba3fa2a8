import type { ImageLayer } from '../domain/image-layers.js';
import { imageNotFound } from '../domain/image-rules.js';
import type { Scope } from '../domain/ports.js';
import type { App } from './app.js';

/**
 * The layers of image `imageId` as the caller in `scope` sees it (its own, shared with it, or a
 * system image; anything else is `InvalidImageId.NotFound`), bottom first, each with what made
 * it (the config's history). An image with no content in Kiln (a system image, whose root is
 * made on first use; an import not finished) has none.
 */
export async function imageLayers(app: App, scope: Scope, imageId: string): Promise<{ imageId: string; layers: ImageLayer[] }> {
  const image = await app.imagesIn(app.store).find(scope, imageId);
  if (!image) throw imageNotFound(imageId);
  if (!image.manifestDigest) return { imageId, layers: [] };
  if (!app.imageLayers) throw new Error('this process reads no image content (App.imageLayers is not wired)');
  return { imageId, layers: await app.imageLayers.layers(image.manifestDigest) };
}
