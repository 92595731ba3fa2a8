import { storageQuotasOf } from '../config/storage-quotas.js';
import type { BuiltLayer, ImportedBase, RegisterImportedBase } from '../domain/build-artifact.js';
import { KilnError, isKilnError } from '../domain/errors.js';
import { isStoreError } from '../domain/errors/store-error.js';
import { newImageId as randomImageId } from '../domain/ids.js';
import { copyOf } from '../domain/image-rules.js';
import { newAccountImage, type Image } from '../domain/image.js';
import type { Repositories, Scope, Store } from '../domain/ports.js';
import { imageStorageExceeded, registerImage, type LayerRef, type StorageQuotasOf } from '../domain/storage-quota.js';
import type { Tag } from '../domain/tag.js';
import { ecsTime } from '../domain/time.js';
import type { App } from './app.js';

/*
 * The image registry: the one place an account image is registered (its row inserted), whether
 * built, imported, copied or distributed. Every registration follows the same rules: the name is
 * free among the owner's images in the region (`imageNameTaken`), the owner's image quota holds
 * (`registerImage`), and the image with its layer records is written in one transaction.
 */

/**
 * `InvalidImageName.Duplicated`: `name` is in use among the owner's images in `regionId`;
 * `parameter` names the request parameter that carried it, when one did.
 */
export function imageNameTaken(name: string, regionId: string, parameter?: string): KilnError {
  const hint = parameter ? ` Please try a different one (${parameter}).` : '';
  return new KilnError('InvalidImageName.Duplicated', `The image name ${name} is already in use in the target region ${regionId}.${hint}`);
}

/** Throws `imageNameTaken` when the scope's account owns an image called `name` in the scope's region. */
export async function requireNameFree(repos: Repositories, scope: Scope, name: string, parameter?: string): Promise<void> {
  if (await repos.images.nameTaken(scope, name)) throw imageNameTaken(name, scope.regionId, parameter);
}

/** What an imported image is called and holds (a `kiln images import` archive, or a retained OSS import). */
export interface ImportedImage {
  scope: Scope;
  imageName: string;
  imageFamily?: string;
  description: string;
  tags: Tag[];
  manifestDigest: string;
  layers: readonly LayerRef[];
  /** For the quota's message: what made the image (`importing root.tar.gz`). */
  what: string;
  /** The request parameter that named the image, for the name rule's message. */
  nameParameter?: string;
}

/** An OSS import's system disk size: its layers' bytes in GiB, at least 20 (an ECS system disk's least). */
export function importedDiskGiB(layers: readonly LayerRef[]): number {
  return Math.max(20, Math.ceil(layers.reduce((n, l) => n + l.size, 0) / 2 ** 30));
}

export interface ImageRegistryDeps {
  store: Store;
  /** Each account's storage quotas; the image quota bounds what it may register. */
  quotas: StorageQuotasOf;
  newImageId?: () => string;
}

export class ImageRegistry {
  readonly newImageId: () => string;

  constructor(private readonly d: ImageRegistryDeps) {
    this.newImageId = d.newImageId ?? randomImageId;
  }

  /**
   * Registers a new image through `tx`: refuses a taken name, records its layers (when given:
   * a new manifest) and inserts it under its owner's image quota (`QuotaExceed.ImageStorage`;
   * the throw rolls the transaction back, so nothing is written). `what` names it in the
   * quota's message. A name taken by a concurrent registration is refused the same way.
   */
  async register(tx: Repositories, image: Image, layers: readonly LayerRef[] | undefined, what: string, nameParameter?: string): Promise<void> {
    const scope = { accountId: image.accountId, regionId: image.regionId };
    await requireNameFree(tx, scope, image.imageName, nameParameter);
    try {
      await registerImage(tx, image, layers, this.d.quotas(image.accountId).imageBytes, what);
    } catch (err) {
      if (isStoreError(err, 'Store.Conflict')) throw imageNameTaken(image.imageName, image.regionId, nameParameter);
      throw err;
    }
  }

  /** Registers an imported image in a transaction of its own; returns it. */
  async registerImported(req: ImportedImage): Promise<Image> {
    const image = importedImage(req, this.newImageId());
    await this.d.store.transaction((tx) => this.register(tx, image, req.layers, req.what, req.nameParameter));
    return image;
  }

  /**
   * BaseImageType=OSS (the engine's `RegisterImportedBase`): the build's base image. With
   * `RetainImportedImage` it is registered as an account image (ImageName or `import_<execution>`,
   * the import's Description and tags); otherwise it stays the build's own, never registered,
   * its id the object's `oss://` name. A refusal names the option that asked for it.
   */
  readonly registerImportedBase: RegisterImportedBase = async (imported: ImportedBase) => {
    const { pipeline } = imported;
    const options = pipeline.importImageOptions;
    const req: ImportedImage = {
      scope: { accountId: pipeline.accountId, regionId: pipeline.regionId },
      imageName: options?.imageName ?? `import_${imported.executionId}`,
      description: options?.description ?? `Imported from ${imported.source} by ${imported.executionId}`,
      tags: options?.importImageTags ?? [],
      manifestDigest: imported.manifestDigest,
      layers: imported.layers,
      what: `BaseImageType=OSS: RetainImportedImage of ${imported.source}`,
    };
    if (!options?.retainImportedImage) return importedImage(req, imported.source);
    try {
      return await this.registerImported(req);
    } catch (err) {
      if (isKilnError(err)) throw new KilnError(err.code, `BaseImageType=OSS: RetainImportedImage: ${err.message}`, err.fault);
      throw err;
    }
  };

  /**
   * ImportImage's image, registered through `tx` (the operation's transaction) in status
   * `Creating`, with no content yet (so no bytes against the quota): its name is taken at once
   * under the name rule (`ImageName`). `completeImport` makes it Available, `abandonImport`
   * (through the transaction that ends its task) removes it.
   */
  async reserveImport(tx: Repositories, image: Image): Promise<void> {
    await this.register(tx, image, undefined, `importing ${image.imageName}`, 'ImageName');
  }

  /**
   * An import's content is stored: records its layers and makes the image Available with its
   * manifest, in one transaction, under the owner's image quota (`QuotaExceed.ImageStorage`:
   * nothing changes, the image stays Creating for the caller to abandon). Undefined when the
   * image is gone (deleted meanwhile).
   */
  async completeImport(scope: Scope, imageId: string, content: { manifestDigest: string; layers: readonly LayerRef[] }): Promise<Image | undefined> {
    const quota = this.d.quotas(scope.accountId).imageBytes;
    return this.d.store.transaction(async (tx) => {
      const before = quota > 0 ? await tx.images.storageBytes(scope.accountId) : 0;
      await tx.images.recordLayers(content.manifestDigest, content.layers);
      const image = await tx.images.update(scope, imageId, { status: 'Available', manifestDigest: content.manifestDigest, size: importedDiskGiB(content.layers) });
      if (!image || quota <= 0) return image;
      const after = await tx.images.storageBytes(scope.accountId);
      if (after > quota && after > before) throw imageStorageExceeded(scope.accountId, quota, after, `importing ${imageId}`);
      return image;
    });
  }

  /**
   * CopyImage's copy, registered through `tx` (the caller's transaction): `copyOf(source,
   * target)` under the name rule (`DestinationImageName`) and the new owner's image quota.
   */
  async registerCopy(tx: Repositories, source: Image, target: Omit<Parameters<typeof copyOf>[1], 'imageId' | 'creationTime'>): Promise<Image> {
    const copy = copyOf(source, { ...target, imageId: this.newImageId(), creationTime: ecsTime() });
    await this.register(tx, copy, undefined, `copying ${source.imageId}`, 'DestinationImageName');
    return copy;
  }
}

/**
 * Removes, through `tx`, an import's image that will not become Available (its task ended Failed
 * or Deleted); an image that is no longer `Creating` (made Available meanwhile) is kept.
 */
export async function abandonImport(tx: Repositories, scope: Scope, imageId: string): Promise<void> {
  const image = await tx.images.getOwned(scope, imageId);
  if (image?.status === 'Creating') await tx.images.delete(scope, imageId);
}

/** The registry of an app: its store, and the configured image quotas. */
export function imageRegistryOf(app: Pick<App, 'store' | 'config'>, newImageId?: () => string): ImageRegistry {
  return new ImageRegistry({ store: app.store, quotas: storageQuotasOf(app.config), ...(newImageId ? { newImageId } : {}) });
}

/** A built image's layers as the registry records them. */
export function layerRefs(layers: readonly BuiltLayer[]): LayerRef[] {
  return layers.map((l) => ({ digest: l.digest, size: l.size }));
}

function importedImage(req: ImportedImage, imageId: string): Image {
  return newAccountImage({
    imageId, ...req.scope, imageName: req.imageName,
    ...(req.imageFamily ? { imageFamily: req.imageFamily } : {}),
    description: req.description,
    size: importedDiskGiB(req.layers),
    creationTime: ecsTime(),
    tags: req.tags,
    manifestDigest: req.manifestDigest,
  });
}
