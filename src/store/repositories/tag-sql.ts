import { sql, type AliasedRawBuilder, type Kysely } from 'kysely';
import type { Scope, TaggableType } from '../../domain/ports.js';
import type { Tag } from '../../domain/tag.js';
import type { DB } from '../schema.js';
import { allocate, release } from './scope-counters.js';

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

/** The tags as key → value in the order given; a key given twice keeps the last value in its first place. */
function byKey(tags: readonly Tag[]): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const t of tags) wanted.set(t.key, t.value);
  return wanted;
}

/** Inserts new tag rows, numbered in the given order, in one statement. */
async function insertRows(db: Kysely<DB>, scope: Scope, type: TaggableType, resourceId: string, rows: readonly [string, string][]): Promise<void> {
  if (rows.length === 0) return;
  const first = await allocate(db, `${type}.tag`, scope, rows.length);
  await db.insertInto('tags')
    .values(rows.map(([key, value], i) => ({
      resource_type: type,
      resource_id: resourceId,
      tag_key: key,
      tag_value: value,
      account_id: scope.accountId,
      region_id: scope.regionId,
      seq: first + i,
    })))
    .execute();
}

/**
 * The tags of a resource inserted in the same transaction (so it has none yet): written
 * without reading first. A key given twice keeps the last value.
 */
export async function insertTags(db: Kysely<DB>, scope: Scope, type: TaggableType, resourceId: string, tags: readonly Tag[]): Promise<void> {
  if (tags.length === 0) return;
  await insertRows(db, scope, type, resourceId, [...byKey(tags)]);
}

/**
 * Adds or overwrites tags on one resource (whose existence in `scope` the caller has checked).
 * New keys get new sequence numbers in the given order; an overwritten key keeps its place.
 * A key given twice keeps the last value.
 */
export async function upsertTags(db: Kysely<DB>, scope: Scope, type: TaggableType, resourceId: string, tags: readonly Tag[]): Promise<void> {
  if (tags.length === 0) return;
  const wanted = byKey(tags);
  const existing = new Map(
    (await db.selectFrom('tags').select(['tag_key', 'tag_value'])
      .where('resource_type', '=', type).where('resource_id', '=', resourceId)
      .execute()).map((r) => [r.tag_key, r.tag_value]),
  );
  const added: [string, string][] = [];
  for (const [key, value] of wanted) {
    const old = existing.get(key);
    if (old === undefined) {
      added.push([key, value]);
    } else if (old !== value) {
      await db.updateTable('tags').set({ tag_value: value })
        .where('resource_type', '=', type).where('resource_id', '=', resourceId).where('tag_key', '=', key)
        .execute();
    }
  }
  await insertRows(db, scope, type, resourceId, added);
}

/** Removes the given keys (every key when `keys` is undefined) of one resource in the scope. */
export async function deleteTags(db: Kysely<DB>, scope: Scope, type: TaggableType, resourceId: string, keys?: readonly string[]): Promise<void> {
  if (keys && keys.length === 0) return;
  let q = db.deleteFrom('tags')
    .where('resource_type', '=', type)
    .where('resource_id', '=', resourceId)
    .where('account_id', '=', scope.accountId)
    .where('region_id', '=', scope.regionId);
  if (keys) q = q.where('tag_key', 'in', [...keys]);
  const result = await q.executeTakeFirst();
  await release(db, `${type}.tag`, scope, Number(result.numDeletedRows));
}

/**
 * A select expression for a query on a taggable table: the tags of each row's resource
 * (`idColumn`, e.g. `pipelines.id`) as a JSON array of `[key, value]` pairs in seq order, so
 * that a page and its tags come from one statement. Read it with `tagsFromColumn`.
 */
export function tagsColumn(dialect: 'sqlite' | 'postgres', type: TaggableType, idColumn: string): AliasedRawBuilder<unknown, 'tags'> {
  const id = sql.ref(idColumn);
  const pairs = dialect === 'postgres'
    ? sql`(select coalesce(json_agg(json_build_array(t.tag_key, t.tag_value) order by t.seq), '[]') from tags t where t.resource_type = ${type} and t.resource_id = ${id})`
    : sql`(select json_group_array(json_array(t.tag_key, t.tag_value) order by t.seq) from tags t where t.resource_type = ${type} and t.resource_id = ${id})`;
  return pairs.as('tags');
}

/** The tags of a `tagsColumn` value (JSON text on SQLite, already parsed on PostgreSQL). */
export function tagsFromColumn(value: unknown): Tag[] {
  const pairs = (typeof value === 'string' ? JSON.parse(value) : value) as [string, string][];
  return pairs.map(([key, value]) => ({ key, value }));
}
