import { createTask, taskQueued } from '../../../src/app/tasks.js';
import type { NewTask, Task, TaskHandler, TaskRun } from '../../../src/domain/task.js';
import { TaskWorker } from '../../../src/worker/task-worker.js';
import { $Ecs } from '../../support/ecs-requests.js';
import { REGION, type EcsClient, type TestKiln } from '../../support/kiln.js';
import type { Tenant } from './images.js';

/*
 * The task conformance suites: tasks created as an operation creates them (createTask in a
 * store transaction, then taskQueued), a task worker in the test process on the Kiln's own store
 * with handlers written by the test, and the three task requests through the official SDK.
 */

/** The data fields of an SDK model (no methods). */
type Fields<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]?: T[K] };

export function describeTasks(client: EcsClient, fields: Fields<$Ecs.DescribeTasksRequest> = {}) {
  return client.describeTasks(new $Ecs.DescribeTasksRequest({ regionId: REGION, ...fields }));
}

export function describeTask(client: EcsClient, taskId: string, regionId = REGION) {
  return client.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId, taskId }));
}

export function cancelTask(client: EcsClient, taskId: string) {
  return client.cancelTask(new $Ecs.CancelTaskRequest({ regionId: REGION, taskId }));
}

/** A Waiting ExportImage task of `owner` (or of `over`'s action and resource), created as an operation does. */
export async function queueTask(kiln: TestKiln, owner: Tenant, over: Partial<NewTask> = {}): Promise<Task> {
  const task = await kiln.app.store.transaction((tx) => createTask(tx, { accountId: owner.accountId, regionId: REGION, action: 'ExportImage', resourceId: 'm-tasktest', request: { format: 'qcow2' }, ...over }));
  taskQueued(kiln.app);
  return task;
}

/**
 * A task worker on the Kiln's store whose ExportImage handler is the test's script for each task
 * (by id), woken by the Kiln's `taskQueued`; `stop` stops it.
 */
export function testWorker(kiln: TestKiln, scripts: ReadonlyMap<string, TaskHandler>): { stop(): Promise<void> } {
  const worker = new TaskWorker({
    store: kiln.app.store,
    handlers: { ExportImage: (run: TaskRun) => scripts.get(run.task.taskId)!(run) },
    leaseMs: 3_000,
    pollMs: 50,
  });
  const poke = () => worker.poke();
  kiln.app.taskQueued.add(poke);
  worker.start();
  return {
    async stop() {
      kiln.app.taskQueued.delete(poke);
      await worker.stop();
    },
  };
}

/** Reads until `ok` holds (a condition, not a fixed sleep); fails after about 15 s. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
