import { KilnError, invalidParameter } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import { imageNotFound } from '../domain/image-rules.js';
import type { ImageFilter, Repositories, Scope } from '../domain/ports.js';
import type { App } from './app.js';

/*
 * Account images as the API sees them: DescribeImages, DescribeImageFromFamily, DeleteImage.
 * Sharing is in images-share.ts, copying in images-copy.ts.
 */

/** An image with what its owner sees of its sharing (`IsSelfShared`, owned images only). */
export interface ImageView {
  image: Image;
  selfShared: boolean;
  /** A `Creating` image's progress (0–100): its ImportImage task's `TaskProcess`. */
  progress?: number;
}

/** `ImageOwnerAlias` values of DescribeImages. */
export const OWNER_ALIASES = ['system', 'self', 'others', 'marketplace'] as const;
/** `Usage` values of DescribeImages. */
export const USAGES = ['instance', 'none'] as const;

/** DescribeImages' filters and page, each already checked on its own by the wire spec. */
export interface ImageQuery extends ImageFilter {
  /** `true` asks for community images, which Kiln does not have. */
  isPublic?: boolean;
  /** `instance`: images in use by instances (Kiln runs none outside builds); `none`: idle images. */
  usage?: string;
  /** Every Kiln image supports I/O optimized instances. */
  isSupportIoOptimized?: boolean;
  /** Images made from a snapshot; Kiln's images are not. */
  snapshotId?: string;
  pageNumber: number;
  pageSize: number;
}

/** Owned images among `images` that are shared with someone. */
async function viewsOf(repos: Repositories, scope: Scope, images: Image[]): Promise<ImageView[]> {
  const owned = images.filter((i) => i.imageOwnerAlias === 'self').map((i) => i.imageId);
  const shared = await repos.images.sharedAmong(scope, owned);
  const progress = await importProgress(repos, scope, images);
  return images.map((image) => {
    const percent = progress.get(image.imageId);
    return { image, selfShared: shared.has(image.imageId), ...(percent !== undefined ? { progress: percent } : {}) };
  });
}

/** The progress of the caller's `Creating` images among `images` (a page): their ImportImage tasks', read at once. */
async function importProgress(repos: Repositories, scope: Scope, images: Image[]): Promise<Map<string, number>> {
  const ids = images.filter((i) => i.status === 'Creating' && i.accountId === scope.accountId).map((i) => i.imageId);
  if (ids.length === 0) return new Map();
  const { items } = await repos.tasks.list({ ...scope, action: 'ImportImage', resourceIds: ids }, { pageNumber: 1, pageSize: ids.length });
  return new Map(items.flatMap((t) => (t.resourceId ? [[t.resourceId, t.progress] as const] : [])));
}

/** DescribeImages: system, own and shared-with-me images of the region, filtered and paged. */
export async function describeImages(app: App, scope: Scope, q: ImageQuery): Promise<{ totalCount: number; images: ImageView[] }> {
  const none = q.isPublic === true || q.usage === 'instance' || q.isSupportIoOptimized === false || q.snapshotId !== undefined;
  if (none) return { totalCount: 0, images: [] };
  const all = await app.imagesIn(app.store).list(scope, q);
  const page = all.slice((q.pageNumber - 1) * q.pageSize, q.pageNumber * q.pageSize);
  return { totalCount: all.length, images: await viewsOf(app.store, scope, page) };
}

/** `Filter.N` of DescribeImages: CreationStartTime / CreationEndTime (`yyyy-MM-ddTHH:mmZ`); other keys select nothing Kiln tracks. */
export function creationWindow(filters: ReadonlyArray<{ key?: string; value?: string }>): Pick<ImageFilter, 'createdFrom' | 'createdTo'> {
  const out: Pick<ImageFilter, 'createdFrom' | 'createdTo'> = {};
  filters.forEach((f, i) => {
    if (f.key !== 'CreationStartTime' && f.key !== 'CreationEndTime') return;
    const at = Date.parse(f.value ?? '');
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(f.value ?? '') || Number.isNaN(at)) {
      throw invalidParameter(`Filter.${i + 1}.Value`, `a UTC time written yyyy-MM-ddTHH:mmZ is expected for ${f.key}.`);
    }
    if (f.key === 'CreationStartTime') out.createdFrom = at;
    else out.createdTo = at;
  });
  return out;
}

/** DescribeImageFromFamily: the newest available image of the family the caller can use, if any. */
export async function imageFromFamily(app: App, scope: Scope, family: string): Promise<ImageView | undefined> {
  const image = await app.imagesIn(app.store).latestInFamily(scope, family);
  return image ? (await viewsOf(app.store, scope, [image]))[0] : undefined;
}

/** The caller's own image in the region, or `InvalidImageId.NotFound` (system and shared-with-me images included). */
export async function requireOwnedImage(repos: Repositories, scope: Scope, imageId: string): Promise<Image> {
  const image = await repos.images.getOwned(scope, imageId);
  if (!image) throw imageNotFound(imageId);
  return image;
}

/**
 * DeleteImage: removes one of the caller's images. A shared image is kept (`ImageUseShared`)
 * unless `force`, which also removes its shares. An image being imported is refused
 * (`ImageIsImporting`, as ECS does: CancelTask ends the import and removes it). Blobs stay until garbage collection.
 */
export async function deleteImage(app: App, scope: Scope, imageId: string, force: boolean): Promise<void> {
  await app.store.transaction(async (tx) => {
    const image = await requireOwnedImage(tx, scope, imageId);
    if (image.status === 'Creating' || image.status === 'Waiting') {
      throw new KilnError('ImageIsImporting', `The specified image ${imageId} is being imported. Cancel its ImportImage task with CancelTask instead (DescribeTasks with ResourceIds.1=${imageId} finds it).`);
    }
    const shares = await tx.images.shares(scope, imageId);
    if (shares.length > 0 && !force) {
      throw new KilnError('ImageUseShared', `The specified image has been shared to others (${shares.length} account(s)). You can use the DescribeImageSharePermission API to query the users who have been shared, unshare it, or delete it with Force=true.`);
    }
    await tx.images.delete(scope, imageId);
  });
}
