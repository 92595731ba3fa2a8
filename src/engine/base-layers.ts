import type { BlobStore } from '../blobs/blob-store.js';
import type { Image } from '../domain/image.js';
import { ensureBusyboxBase, type BaseLayer } from './base-images/busybox.js';
import { DEBIAN_CONFIG, ensureDebianMinbase } from './base-images/debian.js';
import { ensureDebianVm } from './base-images/debian-vm.js';
import { StepCancelled, StepFailure } from './build/step-failure.js';
import { initialConfig, type ImageConfigState } from './image-config.js';
import { readImage } from './image/oci-image.js';
import { LAYER_MEDIA_TYPE, type LayerBlob } from './layers/capture-layer.js';
import { InvalidLayerError, LayerTooLargeError, UnsafeLayerPathError } from './layers/layer-errors.js';
import type { LayerDir, LayerStore } from './layers/layer-store.js';
import { topmostOnce } from './layers/topmost-once.js';

export { topmostOnce };

/** What names an image's root filesystem: its manifest, or the system image it is (the id, or the id it is an alias of). */
export type ImageRef = Pick<Image, 'imageId' | 'manifestDigest' | 'aliasOf'>;

/** An image ready to start instances from: its layers (blobs and extracted dirs) and its configuration. */
export interface RunnableImage {
  /** Every layer of the manifest, bottom first (what a new image on top of this one lists). */
  layers: LayerBlob[];
  /** The overlay lower dirs, bottom first: each extracted layer once (see `topmostOnce`). */
  dirs: string[];
  config: ImageConfigState;
}

/**
 * The layers and configuration of a base image. System images are made on this machine the
 * first time they are used (busybox from the static busybox binary, Debian minbase and the
 * Debian 12 VM base with mmdebstrap from the configured mirror); built and imported images
 * come from their OCI manifest in the blob store. A system image that cannot be made fails the step
 * (`InvalidImage.NotReady`) with the reason. `signal` (the build's cancel or timeout) stops a
 * layer extraction under way (`StepCancelled`).
 */
export async function runnableImage(image: ImageRef, layers: LayerStore, blobs: BlobStore, signal?: AbortSignal): Promise<RunnableImage> {
  if (image.manifestDigest) {
    const { layers: blobsOf, config } = await readImage(blobs, image.manifestDigest);
    const dirs: string[] = [];
    for (const l of blobsOf) dirs.push((await storedLayer(image, layers, l.digest, signal)).dir);
    return { layers: blobsOf, dirs: topmostOnce(dirs), config };
  }
  // An alias (see AccountImageCatalog.find) carries the id the user wrote; its root filesystem is the target's.
  const systemId = image.aliasOf ?? image.imageId;
  if (systemId.startsWith('busybox_')) {
    return singleLayer(await systemBase(image, () => ensureBusyboxBase(layers)), initialConfig());
  }
  if (systemId.startsWith('debian_minbase_')) {
    return singleLayer(await systemBase(image, () => ensureDebianMinbase(layers)), initialConfig(DEBIAN_CONFIG));
  }
  if (systemId.startsWith('debian_12_x64_') && systemId.endsWith('_kiln_vm.vhd')) {
    return singleLayer(await systemBase(image, () => ensureDebianVm(layers)), initialConfig(DEBIAN_CONFIG));
  }
  throw new StepFailure('InvalidImage.NotReady', `The base image ${image.imageId} cannot be built from on this Kiln yet: only the system images (busybox, Debian minbase, the Debian 12 VM base) and images built or imported here have a root filesystem.`);
}

/**
 * A layer of a stored image, extracted on first use. Images imported before extraction refused
 * unsafe members may still hold one: the step fails (`InvalidImage.UnsafeLayer`,
 * `InvalidImage.LayerTooLarge` past the extractor's limits, or `InvalidImage.LayerUnreadable`
 * for a layer that is not a tar or holds what Linux refuses) and no layer directory is kept.
 */
async function storedLayer(image: ImageRef, layers: LayerStore, digest: string, signal: AbortSignal | undefined): Promise<LayerDir> {
  try {
    return await layers.ensure(digest, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw new StepCancelled();
    if (!(err instanceof InvalidLayerError)) throw err;
    const [code, what] = err instanceof UnsafeLayerPathError ? ['InvalidImage.UnsafeLayer', 'has a member Kiln will not write'] as const
      : err instanceof LayerTooLargeError ? ['InvalidImage.LayerTooLarge', 'is larger than Kiln unpacks'] as const
      : ['InvalidImage.LayerUnreadable', 'cannot be read'] as const;
    throw new StepFailure(code, `The image ${image.imageId} cannot be used: its layer ${digest} ${what} (${err.message}).`);
  }
}

async function systemBase(image: ImageRef, make: () => Promise<BaseLayer>): Promise<BaseLayer> {
  try {
    return await make();
  } catch (err) {
    if (err instanceof StepFailure) throw err;
    throw new StepFailure('InvalidImage.NotReady', `The base image ${image.imageId} could not be made on this machine: ${(err as Error).message}`);
  }
}

function singleLayer(base: BaseLayer, config: ImageConfigState): RunnableImage {
  return {
    layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: base.digest, diffId: base.diffId, size: base.size }],
    dirs: [base.dir],
    config,
  };
}
