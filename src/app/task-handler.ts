/**
 * The contract between a task's operation (ExportImage, ImportImage) and the task worker: an
 * operation records its task with `createTask` (`app/tasks.ts`) in its transaction; a handler,
 * registered by action in `main/task-handlers.ts`, does the work when a worker claims it.
 *
 * `TaskHandler = (run: { task; signal; progress(percent, note?) }) => Promise<{ result? }>`:
 * - resolving ends the task `Finished` with `result` (shown by Kiln, e.g. the object's name);
 * - throwing a `KilnError` ends it `Failed` with that code and message; any other error ends it
 *   `Failed` with `InternalError` (the details go to the server log);
 * - CancelTask aborts `signal`; a handler that then throws ends the task `Deleted` (how ECS
 *   shows a cancelled task). The signal also aborts when the worker stops or loses its lease:
 *   nothing the handler does after that is recorded, and the task ends `Failed` with
 *   `TaskWorkerLost` when another worker takes it over;
 * - `progress(percent, note?)` shows in DescribeTaskAttribute's `TaskProcess` (`"50%"`).
 *
 * The types live in the domain (`domain/task.ts`) so that the worker, which sees only the
 * domain, runs handlers without knowing the app.
 */
export type { TaskAbandonedStep, TaskAbandonedSteps, TaskHandler, TaskHandlers, TaskRun } from '../domain/task.js';
import type { TaskAbandonedSteps } from '../domain/task.js';
import { importImageAbandoned } from './import-image-task.js';

/**
 * The abandoned step of each action (see `TaskAbandonedStep`): what goes with a task that ends
 * Failed or Deleted. CancelTask runs it for a Waiting task it ends; `main/task-handlers.ts`
 * gives it to the task workers. One line each.
 */
export const TASK_ABANDONED_STEPS: TaskAbandonedSteps = {
  ImportImage: importImageAbandoned,
};
