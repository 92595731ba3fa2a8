import type { ImageComponent } from '../../domain/component.js';
import type { ComponentFilter, ComponentRepository, Scope } from '../../domain/ports.js';
import { StoreConflictError, StoreError } from '../errors.js';
import { componentFromSpec, componentToRow } from '../records/component-record.js';
import { readRecords } from '../records/read-records.js';
import type { RepoContext } from './context.js';
import { keysetPage, toPage } from './paging.js';
import { allocate, readCount, release } from './scope-counters.js';
import { deleteTags, idsCarrying, insertTags, tagsColumn, tagsFromColumn } from './tag-sql.js';
import { translating } from './translate.js';

const TYPE = 'imagecomponent';

export interface VersionPattern {
  major?: number;
  minor?: number;
  patch?: number;
}

const PART = /^(\d{1,10}|\*)$/;
const MAX_PART = 2 ** 31 - 1; // the integer columns are 32-bit on PostgreSQL

/**
 * Parses `x.y.z` (non-negative integers, compared as numbers: `01.0.0` is `1.0.0`) or a
 * pattern with exactly one `*` part; absent parts of the result match anything.
 * `undefined` when the text is neither.
 */
export function parseVersionPattern(text: string): VersionPattern | undefined {
  const parts = text.split('.');
  if (parts.length !== 3 || !parts.every((p) => PART.test(p))) return undefined;
  if (parts.filter((p) => p === '*').length > 1) return undefined;
  if (parts.some((p) => p !== '*' && Number(p) > MAX_PART)) return undefined;
  const [major, minor, patch] = parts.map((p) => (p === '*' ? undefined : Number(p)));
  const out: VersionPattern = {};
  if (major !== undefined) out.major = major;
  if (minor !== undefined) out.minor = minor;
  if (patch !== undefined) out.patch = patch;
  return out;
}

/** A selected row: the component's record (`records/component-record.ts`) and its tags (`tagsColumn`). */
interface SelectedRow { spec: string; tags: unknown }

export function componentRepository(ctx: RepoContext): ComponentRepository {
  function scoped(scope: Scope) {
    return ctx.db
      .selectFrom('components')
      .where('account_id', '=', scope.accountId)
      .where('region_id', '=', scope.regionId);
  }

  /** Selected with the component's record (not the columns copied from it): its tags, in the same statement. */
  const tagsOfRow = () => tagsColumn(ctx.dialect, TYPE, 'components.id');
  const read = (r: SelectedRow, id?: string): ImageComponent => componentFromSpec(r.spec, tagsFromColumn(r.tags), id);
  const readAll = (rows: SelectedRow[]): Promise<ImageComponent[]> => readRecords(ctx.db, 'components', rows, (r) => read(r));

  return {
    async insert(c) {
      const v = parseVersionPattern(c.componentVersion);
      if (!v || v.major === undefined || v.minor === undefined || v.patch === undefined) {
        throw new StoreError('Store.InvalidValue', `Component version "${c.componentVersion}" is not <major>.<minor>.<patch>.`);
      }
      const scope = { accountId: c.accountId, regionId: c.regionId };
      await ctx.atomic(async (db) => {
        const seq = await allocate(db, TYPE, scope, 1);
        await translating(
          db.insertInto('components').values({ ...componentToRow(c), seq, major: v.major!, minor: v.minor!, patch: v.patch! }).execute(),
          {
            unique: (cause) => new StoreConflictError('ImageComponent',
              `Image component ${c.id} or version ${c.componentVersion} of "${c.name}" already exists.`, { cause }),
          },
        );
        await insertTags(db, scope, TYPE, c.id, c.tags);
      });
    },

    async get(scope, id) {
      const row = await scoped(scope).select(['spec', tagsOfRow()]).where('id', '=', id).executeTakeFirst();
      return row && read(row, id);
    },

    async delete(scope, id) {
      return ctx.atomic(async (db) => {
        const found = await db.selectFrom('components').select('id')
          .where('id', '=', id).where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
          .executeTakeFirst();
        if (!found) return false;
        await deleteTags(db, scope, TYPE, id);
        await db.deleteFrom('components').where('id', '=', id).execute();
        await release(db, TYPE, scope, 1);
        return true;
      });
    },

    async count(scope) {
      return readCount(ctx.db, TYPE, scope);
    },

    async list(filter: ComponentFilter, page) {
      let q = scoped(filter);
      if (filter.ids && filter.ids.length > 0) q = q.where('id', 'in', filter.ids);
      if (filter.name !== undefined) q = q.where('name', '=', filter.name);
      if (filter.componentType !== undefined) q = q.where('component_type', '=', filter.componentType);
      if (filter.systemType !== undefined) q = q.where('system_type', '=', filter.systemType);
      if (filter.resourceGroupId !== undefined) q = q.where('resource_group_id', '=', filter.resourceGroupId);
      if (filter.componentVersion !== undefined) {
        const v = parseVersionPattern(filter.componentVersion);
        if (!v) return { items: [], totalCount: 0 };
        if (v.major !== undefined) q = q.where('major', '=', v.major);
        if (v.minor !== undefined) q = q.where('minor', '=', v.minor);
        if (v.patch !== undefined) q = q.where('patch', '=', v.patch);
      }
      const tagFilters = filter.tags ?? [];
      for (const tag of tagFilters) q = q.where('id', 'in', idsCarrying(ctx.db, filter, TYPE, tag));
      const unfiltered = !filter.ids?.length && filter.name === undefined && filter.componentType === undefined
        && filter.systemType === undefined && filter.resourceGroupId === undefined && filter.componentVersion === undefined
        && tagFilters.length === 0;
      const r = await keysetPage<SelectedRow & { seq: number }>(q, page, ['seq', 'spec', tagsOfRow()],
        unfiltered ? () => readCount(ctx.db, TYPE, filter) : undefined);
      return toPage(await readAll(r.rows), r);
    },

    async versionsOf(scope, name) {
      const rows = await scoped(scope).select(['spec', tagsOfRow()]).where('name', '=', name)
        .orderBy('major').orderBy('minor').orderBy('patch').execute();
      return readAll(rows);
    },
  };
}
