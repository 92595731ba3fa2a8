import type { Kysely } from 'kysely';
import type { Scope, TaggableType, TagRepository, TagRow } from '../../domain/ports.js';
import { StoreNotFoundError } from '../errors.js';
import type { DB } from '../schema.js';
import type { RepoContext } from './context.js';
import { keysetPage, toPage } from './paging.js';
import { readCount } from './scope-counters.js';
import { deleteTags, idsCarrying, upsertTags } from './tag-sql.js';

const TABLE = { imagepipeline: 'pipelines', imagecomponent: 'components' } as const;
const ENTITY = { imagepipeline: 'ImagePipeline', imagecomponent: 'ImageComponent' } as const;

async function existsInScope(db: Kysely<DB>, scope: Scope, type: TaggableType, id: string): Promise<boolean> {
  const row = await db.selectFrom(TABLE[type]).select('id')
    .where('id', '=', id).where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
    .executeTakeFirst();
  return row !== undefined;
}

export function tagRepository(ctx: RepoContext): TagRepository {
  return {
    /** Throws `StoreNotFoundError` when the resource is not in the scope (nothing is written). */
    async put(scope, type, resourceId, tags) {
      await ctx.atomic(async (db) => {
        if (!(await existsInScope(db, scope, type, resourceId))) throw new StoreNotFoundError(ENTITY[type], resourceId);
        await upsertTags(db, scope, type, resourceId, tags);
      });
    },

    async remove(scope, type, resourceId, keys) {
      if (keys && keys.length === 0) return;
      await ctx.atomic((db) => deleteTags(db, scope, type, resourceId, keys));
    },

    async list(scope, type, filter, page) {
      let q = ctx.db.selectFrom('tags')
        .where('account_id', '=', scope.accountId)
        .where('region_id', '=', scope.regionId)
        .where('resource_type', '=', type);
      if (filter.resourceIds && filter.resourceIds.length > 0) q = q.where('resource_id', 'in', filter.resourceIds);
      const tagFilters = filter.tags ?? [];
      for (const tag of tagFilters) q = q.where('resource_id', 'in', idsCarrying(ctx.db, scope, type, tag));
      const unfiltered = !filter.resourceIds?.length && tagFilters.length === 0;
      const r = await keysetPage<{ seq: number; resource_id: string; tag_key: string; tag_value: string }>(
        q, page, ['seq', 'resource_id', 'tag_key', 'tag_value'], unfiltered ? () => readCount(ctx.db, `${type}.tag`, scope) : undefined);
      const items: TagRow[] = r.rows.map((row) => ({ resourceType: type, resourceId: row.resource_id, key: row.tag_key, value: row.tag_value }));
      return toPage(items, r);
    },
  };
}
