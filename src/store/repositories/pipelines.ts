import type { ImagePipeline } from '../../domain/pipeline.js';
import type { PipelineFilter, PipelineRepository, Scope } from '../../domain/ports.js';
import { StoreConflictError } from '../errors.js';
import { pipelineFromSpec, pipelineToRow } from '../records/pipeline-record.js';
import { readRecords } from '../records/read-records.js';
import type { RepoContext } from './context.js';
import { keysetPage, toPage } from './paging.js';
import { allocate, readCount, release } from './scope-counters.js';
import { deleteTags, idsCarrying, insertTags, tagsColumn, tagsFromColumn } from './tag-sql.js';
import { translating } from './translate.js';

const TYPE = 'imagepipeline';

/** A selected row: the template's record (`records/pipeline-record.ts`) and its tags (`tagsColumn`). */
interface SelectedRow { spec: string; tags: unknown }
const fromSelected = (row: SelectedRow, id?: string): ImagePipeline => pipelineFromSpec(row.spec, tagsFromColumn(row.tags), id);

export function pipelineRepository(ctx: RepoContext): PipelineRepository {
  function scoped(scope: Scope) {
    return ctx.db
      .selectFrom('pipelines')
      .where('account_id', '=', scope.accountId)
      .where('region_id', '=', scope.regionId);
  }

  return {
    async insert(p, componentIds) {
      const scope = { accountId: p.accountId, regionId: p.regionId };
      await ctx.atomic(async (db) => {
        const seq = await allocate(db, TYPE, scope, 1);
        await translating(
          db.insertInto('pipelines').values({ ...pipelineToRow(p), seq }).execute(),
          { unique: (cause) => new StoreConflictError('ImagePipeline', `Image template ${p.id} already exists.`, { cause }) },
        );
        await insertTags(db, scope, TYPE, p.id, p.tags);
        const refs = [...new Set(componentIds)];
        if (refs.length > 0) {
          await db.insertInto('pipeline_component_refs')
            .values(refs.map((componentId) => ({ pipeline_id: p.id, component_id: componentId })))
            .execute();
        }
      });
    },

    async get(scope, id) {
      const row = await scoped(scope).select(['spec', tagsColumn(ctx.dialect, TYPE, 'pipelines.id')]).where('id', '=', id).executeTakeFirst();
      return row && fromSelected(row, id);
    },

    async delete(scope, id) {
      return ctx.atomic(async (db) => {
        const found = await db.selectFrom('pipelines').select('id')
          .where('id', '=', id).where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
          .executeTakeFirst();
        if (!found) return false;
        await db.deleteFrom('pipeline_component_refs').where('pipeline_id', '=', id).execute();
        await deleteTags(db, scope, TYPE, id);
        await db.deleteFrom('pipelines').where('id', '=', id).execute();
        await release(db, TYPE, scope, 1);
        return true;
      });
    },

    async count(scope) {
      return readCount(ctx.db, TYPE, scope);
    },

    async list(filter: PipelineFilter, page) {
      let q = scoped(filter);
      if (filter.ids && filter.ids.length > 0) q = q.where('id', 'in', filter.ids);
      if (filter.name !== undefined) q = q.where('name', '=', filter.name);
      if (filter.resourceGroupId !== undefined) q = q.where('resource_group_id', '=', filter.resourceGroupId);
      const tagFilters = filter.tags ?? [];
      for (const tag of tagFilters) q = q.where('id', 'in', idsCarrying(ctx.db, filter, TYPE, tag));
      const unfiltered = !filter.ids?.length && filter.name === undefined && filter.resourceGroupId === undefined && tagFilters.length === 0;
      // The page and its tags in one statement; the records alone, not the columns copied from them.
      const r = await keysetPage<SelectedRow & { seq: number }>(q, page, ['seq', 'spec', tagsColumn(ctx.dialect, TYPE, 'pipelines.id')],
        unfiltered ? () => readCount(ctx.db, TYPE, filter) : undefined);
      return toPage(await readRecords(ctx.db, 'pipelines', r.rows, (row) => fromSelected(row)), r);
    },

    async referencesComponent(componentId) {
      const row = await ctx.db.selectFrom('pipeline_component_refs').select('pipeline_id')
        .where('component_id', '=', componentId).limit(1).executeTakeFirst();
      return row !== undefined;
    },
  };
}
