import { fault, invalidParameter } from '../domain/errors.js';
import { newTaskId } from '../domain/ids.js';
import type { Repositories, Scope } from '../domain/ports.js';
import { TASK_ACTIONS, type NewTask, type Task, type TaskAction, type TaskFilter, type TaskJson, type TaskPage, type TaskStatus } from '../domain/task.js';
import { ecsTime } from '../domain/time.js';
import type { App } from './app.js';
import { TASK_ABANDONED_STEPS } from './task-handler.js';

/**
 * Creating ECS tasks. An operation whose work runs later (ExportImage, ImportImage) records a
 * `Waiting` task with `createTask` in the same transaction as the rest of its writes (so a
 * refused request leaves no task), then calls `taskQueued(app)` once that transaction has
 * committed, so that a task worker of this process claims it at once. A task worker claims it,
 * runs the handler of its action (`task-handler.ts`) and ends it.
 */

function taskOf(t: NewTask, now: string): Task {
  const task: Task = {
    taskId: newTaskId(),
    accountId: t.accountId,
    regionId: t.regionId,
    action: t.action,
    status: 'Waiting',
    progress: 0,
    supportCancel: t.supportCancel ?? true,
    cancelRequested: false,
    creationTime: now,
    request: t.request ?? {},
    successCount: 0,
    failedCount: 0,
  };
  if (t.resourceId !== undefined) task.resourceId = t.resourceId;
  return task;
}

/** A `Waiting` task, inserted in the caller's transaction `tx`; the caller calls `taskQueued` after the commit. */
export async function createTask(tx: Repositories, t: NewTask): Promise<Task> {
  const task = taskOf(t, ecsTime());
  await tx.tasks.insert(task);
  return task;
}

/**
 * A task whose work is already done, inserted `Finished` (100%, one success) in the caller's
 * transaction: CopyImage copies within the transaction that records its task (no bytes move in
 * Kiln), so its task is listed by DescribeTasks but never queued. Not cancellable.
 */
export async function recordFinishedTask(tx: Repositories, t: Omit<NewTask, 'supportCancel'>, result?: TaskJson): Promise<Task> {
  const now = ecsTime();
  const task: Task = { ...taskOf({ ...t, supportCancel: false }, now), status: 'Finished', progress: 100, finishedTime: now, successCount: 1 };
  if (result !== undefined) task.result = result;
  await tx.tasks.insert(task);
  return task;
}

/** Wakes the task workers of this process (after a task's transaction committed); workers elsewhere find it by polling. */
export function taskQueued(app: App): void {
  for (const notify of app.taskQueued) notify();
}

// ---- DescribeTasks, DescribeTaskAttribute, CancelTask ----

/** The most TaskIds (comma-separated) and ResourceIds.N one DescribeTasks takes (documented: 100). */
export const MAX_TASK_IDS = 100;

/** The statuses DescribeTasks filters on; the documented rule: any other value does not take effect. */
const FILTERABLE: readonly TaskStatus[] = ['Finished', 'Processing', 'Failed'];

export interface TaskQuery {
  taskAction?: string;
  taskIds?: string;
  taskStatus?: string;
  startTime?: string;
  endTime?: string;
  resourceIds: string[];
  pageNumber: number;
  pageSize: number;
}

/** A UTC time as DescribeTasks takes it (`yyyy-MM-ddTHH:mm:ssZ`, or without seconds), as epoch ms. */
function utcTime(name: string, value: string): number {
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(value) || Number.isNaN(at)) {
    throw invalidParameter(name, 'a UTC time written yyyy-MM-ddTHH:mm:ssZ is expected.');
  }
  return at;
}

/** DescribeTasks: the scope's tasks, newest first, by action, ids, status, resources and creation time. */
export async function describeTasks(app: App, scope: Scope, q: TaskQuery): Promise<TaskPage> {
  const taskIds = q.taskIds?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  if (taskIds.length > MAX_TASK_IDS) throw invalidParameter('TaskIds', `at most ${MAX_TASK_IDS} task ids are accepted, ${taskIds.length} were given.`);
  if (q.resourceIds.length > MAX_TASK_IDS) throw invalidParameter('ResourceIds', `at most ${MAX_TASK_IDS} resource ids are accepted.`);
  const filter: TaskFilter = { ...scope };
  if (q.taskAction !== undefined && q.taskAction !== '') {
    // A documented action Kiln has no task of (RedeployInstance, ModifyDiskSpec, …) selects nothing.
    if (!(TASK_ACTIONS as readonly string[]).includes(q.taskAction)) return { items: [], totalCount: 0 };
    filter.action = q.taskAction as TaskAction;
  }
  if (taskIds.length > 0) filter.taskIds = taskIds;
  if (q.taskStatus !== undefined && (FILTERABLE as readonly string[]).includes(q.taskStatus)) filter.statuses = [q.taskStatus as TaskStatus];
  if (q.resourceIds.length > 0) filter.resourceIds = q.resourceIds;
  if (q.startTime) filter.createdFrom = utcTime('StartTime', q.startTime);
  if (q.endTime) filter.createdTo = utcTime('EndTime', q.endTime);
  return app.store.tasks.list(filter, { pageNumber: q.pageNumber, pageSize: q.pageSize });
}

/** DescribeTaskAttribute: one task of the scope, or `InvalidTaskId.NotFound` (another account's task too). */
export async function describeTask(app: App, scope: Scope, taskId: string): Promise<Task> {
  const task = await app.store.tasks.get(scope, taskId);
  if (!task) throw fault('InvalidTaskId.NotFound', { taskId });
  return task;
}

/**
 * CancelTask: a Waiting task ends at once (`Deleted`); a Processing one is marked and its
 * worker aborts the handler within about a second, after which it ends `Deleted` (or Finished or
 * Failed, if the handler ended first); a Waiting task's abandoned step (ImportImage: its Creating
 * image) runs in the cancel's transaction. Refused for a task that cannot be cancelled (CopyImage)
 * or that has ended.
 */
export async function cancelTask(app: App, scope: Scope, taskId: string): Promise<void> {
  // A Waiting task ends here, not in a worker: its abandoned step runs in the same transaction.
  const outcome = await app.store.transaction(async (tx) => {
    const result = await tx.tasks.requestCancel(scope, taskId);
    const task = result === 'cancelled' ? await tx.tasks.get(scope, taskId) : undefined;
    const abandoned = task && TASK_ABANDONED_STEPS[task.action];
    if (task && abandoned) await abandoned(tx, task);
    return result;
  });
  if (outcome === 'cancelled' || outcome === 'requested') return;
  if (outcome === 'not-found') throw fault('InvalidTaskId.NotFound', { taskId });
  const task = await describeTask(app, scope, taskId);
  if (outcome === 'not-supported') throw fault('InvalidTaskId.TaskActionNotSupport', { taskId, action: task.action });
  throw fault('InvalidTaskId.IncorrectTaskStatus', { taskId, status: task.status });
}
