import { KilnError, missingParameter } from '../domain/errors.js';
import type { Repositories, Scope, TaggableType, TagRow } from '../domain/ports.js';
import { MAX_TAGS, validateTags, type Tag } from '../domain/tag.js';
import type { App } from './app.js';
import { imageTagRows, tagImages, untagImages } from './image-tags.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';

/*
 * The generic ECS tag operations, for the two Image Builder resource types the Terraform
 * provider tags (`imagepipeline`, `imagecomponent`), kept in the tags table, and for images
 * (`image`), kept in each image's record (image-tags.ts).
 */

/** A `ResourceType` the tag operations accept. */
export type TagResourceType = TaggableType | 'image';

/** The resource types the tag operations accept (`ResourceType`, any case). */
export const TAGGABLE: readonly TagResourceType[] = ['imagepipeline', 'imagecomponent', 'image'];

/** One row of ListTagResources. */
export interface TagResourceRow extends Omit<TagRow, 'resourceType'> {
  resourceType: TagResourceType;
}
export const MAX_RESOURCE_IDS = 50;
const LIST_PAGE_SIZE = 50;

/*
 * The wire spec has checked each parameter on its own (ResourceType, ResourceId.N count,
 * Tag.N and TagKey.N counts); these are the rules that need two of them or a lookup.
 */

async function requireResource(tx: Repositories, scope: Scope, type: TaggableType, id: string): Promise<void> {
  const found = type === 'imagepipeline' ? await tx.pipelines.get(scope, id) : await tx.components.get(scope, id);
  if (!found) throw new KilnError('InvalidResourceId.NotFound', `The specified resource "${id}" of type ${type} does not exist.`);
}

export async function tagResources(app: App, scope: Scope, resourceType: TagResourceType, resourceIds: string[], tags: Tag[]): Promise<void> {
  validateTags(tags);
  await app.store.transaction(async (tx) => {
    if (resourceType === 'image') return tagImages(tx, scope, resourceIds, tags);
    for (const id of resourceIds) {
      await requireResource(tx, scope, resourceType, id);
      await tx.tags.put(scope, resourceType, id, tags);
      const keys = new Set((await tx.tags.list(scope, resourceType, { resourceIds: [id] }, { limit: MAX_TAGS + 1 })).items.map((r) => r.key));
      if (keys.size > MAX_TAGS) {
        throw new KilnError('QuotaExceed.TagNum', `A resource can carry at most ${MAX_TAGS} tags; ${id} would have ${keys.size}.`);
      }
    }
  });
}

export async function untagResources(app: App, scope: Scope, resourceType: TagResourceType, resourceIds: string[], tagKeys: string[], all: boolean): Promise<void> {
  if (tagKeys.length === 0 && !all) throw missingParameter('TagKey');
  await app.store.transaction(async (tx) => {
    if (resourceType === 'image') return untagImages(tx, scope, resourceIds, tagKeys.length ? tagKeys : undefined);
    for (const id of resourceIds) {
      await requireResource(tx, scope, resourceType, id);
      await tx.tags.remove(scope, resourceType, id, tagKeys.length ? tagKeys : undefined);
    }
  });
}

export async function listTagResources(app: App, scope: Scope, resourceType: TagResourceType, resourceIds: string[], tags: Tag[], nextToken?: string): Promise<{ items: TagResourceRow[]; nextToken: string }> {
  if (resourceIds.length === 0 && tags.length === 0) throw missingParameter('ResourceId');
  const afterSeq = decodeNextToken(nextToken);
  if (resourceType === 'image') {
    // Image tags live in the images' records: the token is the position of the next row.
    const rows = await imageTagRows(app.store, scope, resourceIds, tags);
    const from = afterSeq ?? 0;
    const next = from + LIST_PAGE_SIZE < rows.length ? from + LIST_PAGE_SIZE : undefined;
    return { items: rows.slice(from, from + LIST_PAGE_SIZE).map((r) => ({ resourceType, ...r })), nextToken: encodeNextToken(next) };
  }
  const filter = { ...(resourceIds.length ? { resourceIds } : {}), ...(tags.length ? { tags } : {}) };
  const page = await app.store.tags.list(scope, resourceType, filter, { limit: LIST_PAGE_SIZE, ...(afterSeq !== undefined ? { afterSeq } : {}) });
  return { ...page, nextToken: encodeNextToken(page.nextAfterSeq) };
}
