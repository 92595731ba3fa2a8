import type { Repositories, Scope } from './ports.js';

/**
 * ECS tasks: the asynchronous work of ImportImage, ExportImage and CopyImage, as
 * DescribeTasks, DescribeTaskAttribute and CancelTask show it. The task row is also the job
 * a task worker claims (a lease, as executions have; see `TaskRepository`).
 */

/** The operations whose work is a task (DescribeTasks' `TaskAction`). */
export const TASK_ACTIONS = ['ImportImage', 'ExportImage', 'CopyImage'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

/**
 * A task's status as ECS documents it (DescribeTasks): `Waiting` (queued), `Processing`,
 * `Finished`, `Failed`, and `Deleted`, which is how the service shows a cancelled task
 * (its documented meaning: 已取消, cancelled). ECS also documents `Paused`; nothing in Kiln
 * pauses a task.
 */
export const TASK_STATUSES = ['Waiting', 'Processing', 'Finished', 'Failed', 'Deleted'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The statuses a task ends in; it never leaves them. */
export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['Finished', 'Failed', 'Deleted']);

export function isTerminalTask(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.has(status);
}

/** JSON an operation hands to its task's handler, or a handler's result (kept as given). */
export type TaskJson = Record<string, unknown>;

export interface Task {
  /** `t-` and 20 base-36 characters (`newTaskId`). */
  taskId: string;
  accountId: string;
  regionId: string;
  action: TaskAction;
  status: TaskStatus;
  /** 0–100 (DescribeTaskAttribute's `TaskProcess`, as `N%`). */
  progress: number;
  /** The last line the handler gave with its progress, if any. */
  progressNote?: string;
  /**
   * Whether its kind of task can be cancelled (DescribeTasks' `SupportCancel`; the documented
   * examples show `true` on finished tasks too): CancelTask still refuses a task that ended.
   */
  supportCancel: boolean;
  /** True once CancelTask asked a running task to stop (the worker aborts the handler's signal). */
  cancelRequested: boolean;
  /** ECS time strings (`2020-11-24T06:00:00Z`); `finishedTime` once terminal. */
  creationTime: string;
  finishedTime?: string;
  /** What the task is about: an ImageId (DescribeTasks' `ResourceId`). */
  resourceId?: string;
  /** What the handler needs, as the operation recorded it. */
  request: TaskJson;
  /** What the handler returned (e.g. the exported object's name and notes). */
  result?: TaskJson;
  /** Why it failed (a registered code and its message). */
  errorCode?: string;
  errorMessage?: string;
  /** DescribeTaskAttribute's counts: 1 success for a Finished task, 1 failure for a Failed one. */
  successCount: number;
  failedCount: number;
}

/** What an operation gives to create a task (see `app/tasks.ts`). */
export interface NewTask {
  accountId: string;
  regionId: string;
  action: TaskAction;
  resourceId?: string;
  request?: TaskJson;
  /** Default true. */
  supportCancel?: boolean;
}

export interface TaskFilter extends Scope {
  action?: TaskAction;
  taskIds?: string[];
  statuses?: TaskStatus[];
  resourceIds?: string[];
  /** Created at or after / at or before, epoch milliseconds. */
  createdFrom?: number;
  createdTo?: number;
}

/** DescribeTasks' pages: `pageNumber` from 1, newest task first. */
export interface TaskPageRequest {
  pageNumber: number;
  pageSize: number;
}

export interface TaskPage {
  items: Task[];
  totalCount: number;
}

export interface ClaimedTask {
  task: Task;
  /** Claims of this task so far, this one included (above 1: the previous worker was lost). */
  attempt: number;
}

/** How a task ends (see `TaskRepository.finish`). */
export type TaskEnd =
  | { status: 'Finished'; result?: TaskJson }
  | { status: 'Failed'; errorCode: string; errorMessage: string; result?: TaskJson }
  | { status: 'Deleted'; errorCode?: string; errorMessage?: string };

/** What CancelTask found (see `TaskRepository.requestCancel`). */
export type CancelOutcome =
  /** Not found in the scope. */
  | 'not-found'
  /** It was Waiting: it is now `Deleted`, no worker will run it. */
  | 'cancelled'
  /** It is Processing: its worker is told (at its next renewal) and aborts the handler. */
  | 'requested'
  /** Its `supportCancel` is false (whatever its status). */
  | 'not-supported'
  /** It has ended already (and could be cancelled while it ran). */
  | 'ended';

/**
 * Tasks, which are also the task queue: the row is the job. A worker claims a row with a lease
 * (worker id + expiry) and renews it while the handler runs; a lease that expires (a killed or
 * cut-off worker) makes the row claimable again, and the claim's `attempt` tells the next
 * worker that the previous one was lost. Every write a worker makes checks that it still holds
 * the lease: a worker that lost it writes nothing.
 */
export interface TaskRepository {
  insert(task: Task): Promise<void>;
  /** A task of the scope (another account's or region's task is not found). */
  get(scope: Scope, taskId: string): Promise<Task | undefined>;
  list(filter: TaskFilter, page: TaskPageRequest): Promise<TaskPage>;
  /**
   * Takes the oldest claimable task: Waiting, or Processing with an expired lease (a lost
   * worker's, taken first). The task becomes Processing under this worker's lease and its
   * `attempt` grows. One statement guards it: concurrent claims (other processes too) never
   * take the same task. Undefined when none may be claimed now.
   */
  claim(workerId: string, leaseMs: number): Promise<ClaimedTask | undefined>;
  /**
   * Extends the lease; `cancelRequested` says whether CancelTask asked the task to stop.
   * Undefined when the worker no longer holds the lease.
   */
  renew(taskId: string, workerId: string, leaseMs: number): Promise<{ cancelRequested: boolean } | undefined>;
  /** Records progress (0–100, clamped) and its note, if the worker holds the lease; false otherwise. */
  progress(taskId: string, workerId: string, percent: number, note?: string): Promise<boolean>;
  /**
   * Ends a Processing task the worker holds the lease of (and gives the lease up): sets the
   * status, finished time, counts, progress (100 when Finished) and what `end` carries. False
   * (and nothing written) when the worker no longer holds the lease.
   */
  finish(taskId: string, workerId: string, end: TaskEnd): Promise<boolean>;
  /** CancelTask's change, atomically (see `CancelOutcome`). */
  requestCancel(scope: Scope, taskId: string): Promise<CancelOutcome>;
}

/** What a task's handler gets (see `TaskHandler`). */
export interface TaskRun {
  /** The task as claimed (Processing), with the request its operation recorded. */
  task: Task;
  /** Aborted when CancelTask asks the task to stop, when the worker loses its lease or stops. */
  signal: AbortSignal;
  /** Records progress (0–100) and a short note, shown by DescribeTaskAttribute (`TaskProcess`). */
  progress(percent: number, note?: string): Promise<void>;
}

/**
 * The work of one task action. Resolving ends the task Finished with `result`; throwing a
 * `KilnError` ends it Failed with that code and message (any other error: Failed with
 * `InternalError`, the details in the server log); throwing after `signal` aborted for a cancel
 * ends it `Deleted` (cancelled). A handler must leave nothing half-written when it throws.
 */
export type TaskHandler = (run: TaskRun) => Promise<{ result?: TaskJson }>;

/** The handlers by action (`main/task-handlers.ts`); a task without one ends Failed. */
export type TaskHandlers = Readonly<Partial<Record<TaskAction, TaskHandler>>>;

/**
 * What a task's resource needs once the task ends without success (`Failed` or `Deleted`),
 * whether or not its handler ran: CancelTask of a `Waiting` task, a task whose worker was lost
 * (`TaskWorkerLost`), a handler that failed. It runs in the transaction that ends the task (the
 * worker's, or CancelTask's), so that nothing the task was making outlives it (ImportImage: its
 * `Creating` image). It must be idempotent and touch only what is still unfinished.
 */
export type TaskAbandonedStep = (tx: Repositories, task: Task) => Promise<void>;

/** The abandoned steps by action (`app/task-handler.ts`); an action without one needs none. */
export type TaskAbandonedSteps = Readonly<Partial<Record<TaskAction, TaskAbandonedStep>>>;
