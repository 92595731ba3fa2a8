import { KilnError } from '../domain/errors.js';
import type { Image } from '../domain/image.js';
import type { Repositories, Scope } from '../domain/ports.js';
import { MAX_TAGS, type Tag } from '../domain/tag.js';

/*
 * Tags of images (`ResourceType=image`). An image keeps its tags in its own record (the record
 * holds the whole image): DescribeImages shows them and filters on them with no second read,
 * and tagging is one `images.update` of the image in the caller's transaction (the record and
 * its columns together). Templates and components keep theirs in the tags table (tags.ts).
 */

/** One tag of one image, as ListTagResources lists it. */
export interface ImageTagRow {
  resourceId: string;
  key: string;
  value: string;
}

function notFound(id: string): KilnError {
  return new KilnError('InvalidResourceId.NotFound', `The specified resource "${id}" of type image does not exist.`);
}

async function ownedImage(tx: Repositories, scope: Scope, id: string): Promise<Image> {
  const image = await tx.images.getOwned(scope, id);
  if (!image) throw notFound(id);
  return image;
}

/** `current` with `tags` added: a key already there takes the new value in its place, new keys go last. */
export function withTags(current: readonly Tag[], tags: readonly Tag[]): Tag[] {
  const next = current.map((t) => ({ ...t }));
  for (const t of tags) {
    const found = next.find((n) => n.key === t.key);
    if (found) found.value = t.value;
    else next.push({ key: t.key, value: t.value });
  }
  return next;
}

/** TagResources on images (in the caller's transaction): each one the caller owns, at most 20 tags each (`QuotaExceed.TagNum`). */
export async function tagImages(tx: Repositories, scope: Scope, ids: readonly string[], tags: readonly Tag[]): Promise<void> {
  for (const id of ids) {
    const next = withTags((await ownedImage(tx, scope, id)).tags, tags);
    if (next.length > MAX_TAGS) {
      throw new KilnError('QuotaExceed.TagNum', `A resource can carry at most ${MAX_TAGS} tags; ${id} would have ${next.length}.`);
    }
    await tx.images.update(scope, id, { tags: next });
  }
}

/** UntagResources on images: removes `keys` (every tag when undefined) from each image the caller owns. */
export async function untagImages(tx: Repositories, scope: Scope, ids: readonly string[], keys: readonly string[] | undefined): Promise<void> {
  for (const id of ids) {
    const image = await ownedImage(tx, scope, id);
    await tx.images.update(scope, id, { tags: keys ? image.tags.filter((t) => !keys.includes(t.key)) : [] });
  }
}

/**
 * ListTagResources on images: the tags of the caller's images in the region (oldest image
 * first, each image's tags in their order), limited to `ids` when given and to images carrying
 * every filter tag (an empty filter value: any value of the key).
 */
export async function imageTagRows(repos: Repositories, scope: Scope, ids: readonly string[], filter: readonly Tag[]): Promise<ImageTagRow[]> {
  const owned = (await repos.images.listVisible(scope)).filter((i) => i.imageOwnerAlias === 'self');
  return owned
    .filter((i) => ids.length === 0 || ids.includes(i.imageId))
    .filter((i) => filter.every((f) => i.tags.some((t) => t.key === f.key && (f.value === '' || t.value === f.value))))
    .flatMap((i) => i.tags.map((t) => ({ resourceId: i.imageId, key: t.key, value: t.value })));
}
