import type { Kysely, Updateable } from 'kysely';
import { isTerminal, type Execution, type ExecutionStatus } from '../../domain/execution.js';
import type { ClaimedExecution, ClaimPolicy, ExecutionFilter, ExecutionPatch, ExecutionRepository, Scope } from '../../domain/ports.js';
import type { Tag } from '../../domain/tag.js';
import { ecsTime } from '../../domain/time.js';
import { StoreConflictError } from '../errors.js';
import type { DB, ExecutionsTable } from '../schema.js';
import type { RepoContext } from './context.js';
import { keysetPage, toPage } from './paging.js';
import { claimable, claimIn } from './execution-claim.js';
import { executionQueueStats } from './execution-queue-stats.js';
import { allocate, readCount, release } from './scope-counters.js';
import { translating } from './translate.js';

const KIND = 'imagepipelineexecution';
const COLUMNS = [
  'id', 'account_id', 'region_id', 'seq', 'pipeline_id', 'status', 'message', 'error_code', 'error_info', 'image_id',
  'resource_group_id', 'creation_time', 'modified_time',
] as const;
type Row = Pick<ExecutionsTable, (typeof COLUMNS)[number]>;

function fromRow(row: Row, tags: Tag[]): Execution {
  const e: Execution = {
    id: row.id,
    pipelineId: row.pipeline_id,
    accountId: row.account_id,
    regionId: row.region_id,
    status: row.status as ExecutionStatus,
    message: row.message,
    resourceGroupId: row.resource_group_id,
    tags,
    creationTime: row.creation_time,
    modifiedTime: row.modified_time,
  };
  if (row.error_code !== null) e.errorCode = row.error_code;
  if (row.error_info !== null) e.errorInfo = row.error_info;
  if (row.image_id !== null) e.imageId = row.image_id;
  return e;
}

async function loadTags(db: Kysely<DB>, ids: readonly string[]): Promise<Map<string, Tag[]>> {
  const byId = new Map<string, Tag[]>();
  if (ids.length === 0) return byId;
  const rows = await db.selectFrom('execution_tags').select(['execution_id', 'tag_key', 'tag_value'])
    .where('execution_id', 'in', ids).orderBy('execution_id').orderBy('position').execute();
  for (const r of rows) {
    const list = byId.get(r.execution_id) ?? [];
    list.push({ key: r.tag_key, value: r.tag_value });
    byId.set(r.execution_id, list);
  }
  return byId;
}

/** Executions and the build queue on SQL (see the port's contract in domain/ports.ts). */
export function executionRepository(ctx: RepoContext): ExecutionRepository {
  const scoped = (scope: Scope) => ctx.db.selectFrom('executions')
    .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId);

  async function one(scope: Scope, id: string): Promise<Execution | undefined> {
    const row = await scoped(scope).select([...COLUMNS]).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return fromRow(row, (await loadTags(ctx.db, [id])).get(id) ?? []);
  }

  return {
    async insert(e) {
      const scope = { accountId: e.accountId, regionId: e.regionId };
      await ctx.atomic(async (db) => {
        const seq = await allocate(db, KIND, scope, 1);
        await translating(db.insertInto('executions').values({
          id: e.id,
          account_id: e.accountId,
          region_id: e.regionId,
          seq,
          pipeline_id: e.pipelineId,
          status: e.status,
          active: isTerminal(e.status) ? 0 : 1,
          message: e.message,
          error_code: e.errorCode ?? null,
          error_info: e.errorInfo ?? null,
          image_id: e.imageId ?? null,
          resource_group_id: e.resourceGroupId,
          creation_time: e.creationTime,
          modified_time: e.modifiedTime,
          queued_at: Date.now(),
          lease_owner: null,
          lease_expires_at: null,
          attempt: 0,
        }).execute(), { unique: (cause) => new StoreConflictError('ImagePipelineExecution', `Execution ${e.id} already exists.`, { cause }) });
        if (e.tags.length > 0) {
          await db.insertInto('execution_tags')
            .values(e.tags.map((t, position) => ({ execution_id: e.id, position, tag_key: t.key, tag_value: t.value })))
            .execute();
        }
      });
    },

    get: one,

    async locate(accountId, id) {
      const row = await ctx.db.selectFrom('executions').select('region_id').where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
      return row ? one({ accountId, regionId: row.region_id }, id) : undefined;
    },

    async list(filter: ExecutionFilter, page) {
      let q = scoped(filter);
      if (filter.pipelineId !== undefined) q = q.where('pipeline_id', '=', filter.pipelineId);
      if (filter.executionIds?.length) q = q.where('id', 'in', filter.executionIds);
      if (filter.statuses?.length) q = q.where('status', 'in', filter.statuses);
      for (const tag of filter.tags ?? []) {
        let sub = ctx.db.selectFrom('execution_tags').select('execution_id').where('tag_key', '=', tag.key);
        if (tag.value !== '') sub = sub.where('tag_value', '=', tag.value);
        q = q.where('id', 'in', sub);
      }
      const unfiltered = filter.pipelineId === undefined && !filter.executionIds?.length && !filter.statuses?.length && !filter.tags?.length;
      const r = await keysetPage<Row>(q, page, COLUMNS, unfiltered ? () => readCount(ctx.db, KIND, filter) : undefined);
      const tags = await loadTags(ctx.db, r.rows.map((row) => row.id));
      return toPage(r.rows.map((row) => fromRow(row, tags.get(row.id) ?? [])), r);
    },

    async activeFor(scope, pipelineId) {
      const row = await scoped(scope).select([...COLUMNS])
        .where('pipeline_id', '=', pipelineId).where('active', '=', 1).orderBy('seq').limit(1).executeTakeFirst();
      return row ? fromRow(row, (await loadTags(ctx.db, [row.id])).get(row.id) ?? []) : undefined;
    },

    async update(scope, id, patch: ExecutionPatch, onlyFrom) {
      const set: Updateable<ExecutionsTable> = { modified_time: ecsTime() };
      if (patch.status !== undefined) {
        set.status = patch.status;
        set.active = isTerminal(patch.status) ? 0 : 1;
      }
      if (patch.message !== undefined) set.message = patch.message;
      if (patch.errorCode !== undefined) set.error_code = patch.errorCode;
      if (patch.errorInfo !== undefined) set.error_info = patch.errorInfo;
      if (patch.imageId !== undefined) set.image_id = patch.imageId;
      let q = ctx.db.updateTable('executions').set(set)
        .where('id', '=', id).where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId);
      if (onlyFrom) q = q.where('status', 'in', [...onlyFrom]);
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async deleteForPipeline(scope, pipelineId) {
      await ctx.atomic(async (db) => {
        const ids = (await db.selectFrom('executions').select('id')
          .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId).where('pipeline_id', '=', pipelineId)
          .execute()).map((r) => r.id);
        if (ids.length === 0) return;
        await db.deleteFrom('execution_tags').where('execution_id', 'in', ids).execute();
        await db.deleteFrom('execution_logs').where('execution_id', 'in', ids).execute();
        await db.deleteFrom('executions').where('id', 'in', ids).execute();
        await release(db, KIND, scope, ids.length);
      });
    },

    /*
     * A claim is one write transaction (serialized with every other claim: BEGIN IMMEDIATE on
     * SQLite, the writers' table lock on PostgreSQL, across processes), so the per-account
     * limit and the host disk are checked against every claim made before it: two workers
     * never take one execution nor pass a limit together. The guarded UPDATE stays as a second
     * line of defence. Lease times come from the workers' clocks.
     */
    async claim(workerId, leaseMs, policy: ClaimPolicy = {}) {
      // An idle queue costs one indexed read, not a write transaction.
      const any = await ctx.db.selectFrom('executions').select('id').where('active', '=', 1).where(claimable(Date.now())).limit(1).executeTakeFirst();
      if (!any) return undefined;
      const taken = await ctx.atomic((db) => claimIn(db, workerId, leaseMs, policy));
      if (!taken) return undefined;
      const row = await ctx.db.selectFrom('executions').select([...COLUMNS, 'attempt']).where('id', '=', taken.id).executeTakeFirstOrThrow();
      const tags = (await loadTags(ctx.db, [taken.id])).get(taken.id) ?? [];
      const claimed: ClaimedExecution = { execution: fromRow(row, tags), attempt: Number(row.attempt) };
      if (taken.exceedsHostDisk) claimed.exceedsHostDisk = taken.exceedsHostDisk;
      return claimed;
    },

    queueStats: () => executionQueueStats(ctx.db),

    async runningOn(pool) {
      const rows = await ctx.db.selectFrom('executions').select('id')
        .where('active', '=', 1).where('lease_expires_at', '>=', Date.now()).where('disk_pool', '=', pool).execute();
      return rows.map((r) => r.id);
    },

    async renew(id, workerId, leaseMs) {
      const result = await ctx.db.updateTable('executions').set({ lease_expires_at: Date.now() + leaseMs })
        .where('id', '=', id).where('lease_owner', '=', workerId).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
      const row = await ctx.db.selectFrom('executions').select('status').where('id', '=', id).executeTakeFirst();
      return row?.status as ExecutionStatus | undefined;
    },

    async release(id, workerId) {
      await ctx.db.updateTable('executions').set({ lease_owner: null, lease_expires_at: null })
        .where('id', '=', id).where('lease_owner', '=', workerId).execute();
    },
  };
}
