import type { ExpressionBuilder, Kysely, Selectable, Updateable } from 'kysely';
import type { Scope } from '../../domain/ports.js';
import { isTerminalTask, type ClaimedTask, type Task, type TaskAction, type TaskRepository, type TaskStatus } from '../../domain/task.js';
import { ecsTime } from '../../domain/time.js';
import { StoreConflictError } from '../errors.js';
import { readTaskSpec, taskSpec } from '../records/task-record.js';
import type { DB, TasksTable } from '../schema.js';
import type { RepoContext } from './context.js';
import { translating } from './translate.js';

type Row = Selectable<TasksTable>;

/** Rows whose lease is free or expired at `now` (with `active = 1`: claimable). */
function claimable(now: number) {
  return (eb: ExpressionBuilder<DB, 'tasks'>) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]);
}

/**
 * `created_at` orders claims and lists; within this process two tasks never share a value (a
 * later task gets a later number even within one millisecond), so both orders are stable.
 */
let lastCreatedAt = 0;
function nextCreatedAt(): number {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
  return lastCreatedAt;
}

function fromRow(row: Row): Task {
  const spec = readTaskSpec(row.spec, row.id);
  const t: Task = {
    taskId: row.id,
    accountId: row.account_id,
    regionId: row.region_id,
    action: row.action as TaskAction,
    status: row.status as TaskStatus,
    progress: Number(row.progress),
    supportCancel: Number(row.support_cancel) === 1,
    cancelRequested: Number(row.cancel_requested) === 1,
    creationTime: row.creation_time,
    request: spec.request,
    successCount: Number(row.success_count),
    failedCount: Number(row.failed_count),
  };
  // The optional fields, set only when present (an entity has no key for an absent one).
  if (row.progress_note !== null) t.progressNote = row.progress_note;
  if (row.finished_time !== null) t.finishedTime = row.finished_time;
  if (row.resource_id !== null) t.resourceId = row.resource_id;
  if (spec.result !== undefined) t.result = spec.result;
  if (row.error_code !== null) t.errorCode = row.error_code;
  if (row.error_message !== null) t.errorMessage = row.error_message;
  return t;
}

/** Tasks and the task queue on SQL (see the port's contract in domain/task.ts). */
export function taskRepository(ctx: RepoContext): TaskRepository {
  const scoped = (db: Kysely<DB>, scope: Scope) => db.selectFrom('tasks')
    .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId);
  /** A write by the worker holding the task's lease, on a task still running. */
  const leased = (taskId: string, workerId: string, set: Updateable<TasksTable>) => ctx.db.updateTable('tasks').set(set)
    .where('id', '=', taskId).where('lease_owner', '=', workerId).where('active', '=', 1);

  return {
    async insert(t) {
      const terminal = isTerminalTask(t.status);
      await translating(ctx.db.insertInto('tasks').values({
        id: t.taskId,
        account_id: t.accountId,
        region_id: t.regionId,
        action: t.action,
        status: t.status,
        active: terminal ? 0 : 1,
        resource_id: t.resourceId ?? null,
        created_at: nextCreatedAt(),
        creation_time: t.creationTime,
        finished_time: t.finishedTime ?? null,
        progress: t.progress,
        progress_note: t.progressNote ?? null,
        support_cancel: t.supportCancel ? 1 : 0,
        cancel_requested: t.cancelRequested ? 1 : 0,
        error_code: t.errorCode ?? null,
        error_message: t.errorMessage ?? null,
        success_count: t.successCount,
        failed_count: t.failedCount,
        lease_owner: null,
        lease_expires_at: null,
        attempt: 0,
        spec: taskSpec(t.taskId, t.request, t.result),
      }).execute(), { unique: (cause) => new StoreConflictError('Task', `Task ${t.taskId} already exists.`, { cause }) });
    },

    async get(scope, taskId) {
      const row = await scoped(ctx.db, scope).selectAll().where('id', '=', taskId).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async list(filter, page) {
      let q = scoped(ctx.db, filter);
      if (filter.action !== undefined) q = q.where('action', '=', filter.action);
      if (filter.taskIds?.length) q = q.where('id', 'in', filter.taskIds);
      if (filter.statuses?.length) q = q.where('status', 'in', filter.statuses);
      if (filter.resourceIds?.length) q = q.where('resource_id', 'in', filter.resourceIds);
      // ECS times have one format, so they compare as text.
      if (filter.createdFrom !== undefined) q = q.where('creation_time', '>=', ecsTime(new Date(filter.createdFrom)));
      if (filter.createdTo !== undefined) q = q.where('creation_time', '<=', ecsTime(new Date(filter.createdTo)));
      const [count, rows] = await Promise.all([
        q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc')
          .limit(page.pageSize).offset((page.pageNumber - 1) * page.pageSize).execute(),
      ]);
      return { items: rows.map(fromRow), totalCount: Number(count.n) };
    },

    async claim(workerId, leaseMs) {
      const now = Date.now();
      // An idle queue costs one indexed read, not a write transaction.
      const any = await ctx.db.selectFrom('tasks').select('id').where('active', '=', 1).where(claimable(now)).limit(1).executeTakeFirst();
      if (!any) return undefined;
      return ctx.atomic(async (db): Promise<ClaimedTask | undefined> => {
        // A lost worker's task first (claiming it only ends it), then the oldest waiting one.
        const pick = await db.selectFrom('tasks').select('id')
          .where('active', '=', 1).where(claimable(now))
          .orderBy((eb) => eb.case().when('attempt', '>', 0).then(0).else(1).end())
          .orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
        if (!pick) return undefined;
        const taken = await db.updateTable('tasks')
          .set((eb) => ({ status: 'Processing', lease_owner: workerId, lease_expires_at: now + leaseMs, attempt: eb('attempt', '+', 1) }))
          .where('id', '=', pick.id).where('active', '=', 1).where(claimable(now)).executeTakeFirst();
        if (Number(taken.numUpdatedRows) === 0) return undefined;
        const row = await db.selectFrom('tasks').selectAll().where('id', '=', pick.id).executeTakeFirstOrThrow();
        return { task: fromRow(row), attempt: Number(row.attempt) };
      });
    },

    async renew(taskId, workerId, leaseMs) {
      const result = await leased(taskId, workerId, { lease_expires_at: Date.now() + leaseMs }).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
      const row = await ctx.db.selectFrom('tasks').select('cancel_requested').where('id', '=', taskId).executeTakeFirst();
      return row ? { cancelRequested: Number(row.cancel_requested) === 1 } : undefined;
    },

    async progress(taskId, workerId, percent, note) {
      const clamped = Math.max(0, Math.min(100, Math.round(Number.isFinite(percent) ? percent : 0)));
      const set: Updateable<TasksTable> = { progress: clamped };
      if (note !== undefined) set.progress_note = note;
      const result = await leased(taskId, workerId, set).where('status', '=', 'Processing').executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async finish(taskId, workerId, end) {
      return ctx.atomic(async (db) => {
        const row = await db.selectFrom('tasks').select(['spec', 'progress']).where('id', '=', taskId)
          .where('lease_owner', '=', workerId).where('active', '=', 1).executeTakeFirst();
        if (!row) return false;
        const set: Updateable<TasksTable> = {
          status: end.status, active: 0, finished_time: ecsTime(),
          success_count: end.status === 'Finished' ? 1 : 0, failed_count: end.status === 'Failed' ? 1 : 0,
          lease_owner: null, lease_expires_at: null,
        };
        if (end.status === 'Finished') set.progress = 100;
        if ('errorCode' in end && end.errorCode !== undefined) set.error_code = end.errorCode;
        if ('errorMessage' in end && end.errorMessage !== undefined) set.error_message = end.errorMessage;
        if ('result' in end && end.result !== undefined) set.spec = taskSpec(taskId, readTaskSpec(row.spec, taskId).request, end.result);
        const result = await db.updateTable('tasks').set(set)
          .where('id', '=', taskId).where('lease_owner', '=', workerId).where('active', '=', 1).executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      });
    },

    async requestCancel(scope, taskId) {
      return ctx.atomic(async (db) => {
        const row = await scoped(db, scope).select(['status', 'support_cancel']).where('id', '=', taskId).executeTakeFirst();
        if (!row) return 'not-found';
        if (Number(row.support_cancel) !== 1) return 'not-supported';
        if (isTerminalTask(row.status as TaskStatus)) return 'ended';
        // Not claimed yet: it ends here, no worker will run it.
        const dropped = await db.updateTable('tasks')
          .set({ status: 'Deleted', active: 0, finished_time: ecsTime(), cancel_requested: 1 })
          .where('id', '=', taskId).where('status', '=', 'Waiting').where('active', '=', 1).executeTakeFirst();
        if (Number(dropped.numUpdatedRows) > 0) return 'cancelled';
        await db.updateTable('tasks').set({ cancel_requested: 1 }).where('id', '=', taskId).where('active', '=', 1).execute();
        return 'requested';
      });
    },
  };
}
