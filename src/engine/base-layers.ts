import type { BlobStore } from '../blobs/blob-store.js';
import type { Image } from '../domain/image.js';
import { ensureBusyboxBase } from './base-images/busybox.js';
import { StepFailure } from './build/step-failure.js';
import { initialConfig, type ImageConfigState } from './image-config.js';
import { readImage } from './image/oci-image.js';
import { LAYER_MEDIA_TYPE, type LayerBlob } from './layers/capture-layer.js';
import type { LayerStore } from './layers/layer-store.js';

/** An image ready to start instances from: its layers (blobs and extracted dirs) and its configuration. */
export interface RunnableImage {
  layers: LayerBlob[];
  dirs: string[];
  config: ImageConfigState;
}

/**
 * The layers and configuration of a base image. System images are made on this machine the
 * first time they are used (busybox from the static busybox binary); built and imported
 * images come from their OCI manifest in the blob store.
 */
export async function runnableImage(image: Image, layers: LayerStore, blobs: BlobStore): Promise<RunnableImage> {
  if (image.manifestDigest) {
    const { layers: blobsOf, config } = await readImage(blobs, image.manifestDigest);
    const dirs: string[] = [];
    for (const l of blobsOf) dirs.push((await layers.ensure(l.digest)).dir);
    return { layers: blobsOf, dirs, config };
  }
  if (image.imageId.startsWith('busybox_')) {
    const base = await ensureBusyboxBase(layers);
    return {
      layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: base.digest, diffId: base.diffId, size: base.size }],
      dirs: [base.dir],
      config: initialConfig(),
    };
  }
  throw new StepFailure('InvalidImage.NotReady', `The base image ${image.imageId} cannot be built from on this Kiln yet: only the busybox base and images built or imported here have a root filesystem.`);
}
