import type { Kysely } from 'kysely';
import type { Scope, TaggableType } from '../../domain/ports.js';
import type { Tag } from '../../domain/tag.js';
import type { DB } from '../schema.js';

/**
 * Ids of the resources of `type` in `scope` carrying `tag` (any value when `tag.value` is
 * empty), as a subquery for `id in (…)`. Served by the tags_by_key_value index.
 */
export function idsCarrying(db: Kysely<DB>, scope: Scope, type: TaggableType, tag: Tag) {
  let q = db
    .selectFrom('tags')
    .select('tags.resource_id')
    .where('tags.account_id', '=', scope.accountId)
    .where('tags.region_id', '=', scope.regionId)
    .where('tags.resource_type', '=', type)
    .where('tags.tag_key', '=', tag.key);
  if (tag.value !== '') q = q.where('tags.tag_value', '=', tag.value);
  return q;
}

/**
 * Adds or overwrites tags on one resource (whose existence in `scope` the caller has checked).
 * An overwritten key keeps its place (its seq); a key given twice keeps the last value.
 */
export async function upsertTags(db: Kysely<DB>, scope: Scope, type: TaggableType, resourceId: string, tags: readonly Tag[]): Promise<void> {
  if (tags.length === 0) return;
  const byKey = new Map<string, string>();
  for (const t of tags) byKey.set(t.key, t.value);
  await db
    .insertInto('tags')
    .values([...byKey].map(([key, value]) => ({
      resource_type: type,
      resource_id: resourceId,
      account_id: scope.accountId,
      region_id: scope.regionId,
      tag_key: key,
      tag_value: value,
    })))
    .onConflict((oc) => oc.columns(['resource_type', 'resource_id', 'tag_key']).doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })))
    .execute();
}

/** Ids per `in (…)` list: well below SQLite's bound-parameter limit. */
const CHUNK = 500;

/** The tags of each resource, in seq order; every id is present in the map. */
export async function loadTags(db: Kysely<DB>, type: TaggableType, resourceIds: readonly string[]): Promise<Map<string, Tag[]>> {
  const out = new Map<string, Tag[]>(resourceIds.map((id) => [id, []]));
  const unique = [...out.keys()];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await db
      .selectFrom('tags')
      .select(['resource_id', 'tag_key', 'tag_value'])
      .where('resource_type', '=', type)
      .where('resource_id', 'in', unique.slice(i, i + CHUNK))
      .orderBy('seq')
      .execute();
    for (const r of rows) out.get(r.resource_id)?.push({ key: r.tag_key, value: r.tag_value });
  }
  return out;
}

export async function deleteAllTags(db: Kysely<DB>, type: TaggableType, resourceId: string): Promise<void> {
  await db.deleteFrom('tags').where('resource_type', '=', type).where('resource_id', '=', resourceId).execute();
}
