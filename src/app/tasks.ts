import { newTaskId } from '../domain/ids.js';
import type { Repositories } from '../domain/ports.js';
import type { NewTask, Task, TaskJson } from '../domain/task.js';
import { ecsTime } from '../domain/time.js';
import type { App } from './app.js';

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
