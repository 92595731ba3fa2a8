import type { BlobStore } from '../blobs/blob-store.js';
import type { ImageLayerReader } from '../domain/image-layers.js';
import { readImageLayers } from '../engine/image/oci-image.js';

/** The app's `ImageLayerReader`: images' manifests and configs read from the blob store by the engine. */
export function imageLayerReader(blobs: BlobStore): ImageLayerReader {
  return { layers: (manifestDigest) => readImageLayers(blobs, manifestDigest) };
}
