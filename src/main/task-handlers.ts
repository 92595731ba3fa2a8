import type { App } from '../app/app.js';
import { TASK_ABANDONED_STEPS, type TaskAbandonedSteps, type TaskHandlers } from '../app/task-handler.js';
import type { BuildEngine } from '../engine/engine.js';
import { exportImageTask } from '../app/export-image-task.js';
import { imageExporterOf } from './image-exporter.js';
import { importImageHandler } from '../app/import-image-task.js';
import { imageImporterOf } from './image-importer.js';

/** What the task handlers of this process are made from (add what a handler needs). */
export interface TaskHandlerDeps {
  app: App;
  /** This machine's build engine (blobs, layers) that `startWorkers` made. */
  engine: BuildEngine;
  log: (msg: string, err?: unknown) => void;
  /** The account that keeps every OSS bucket unless the grant table names it (see `createBuildEngine`). */
  defaultAccountId?: string;
}

/**
 * The handler of each task action (see the contract in `app/task-handler.ts`), one line each.
 * A task whose action has no handler here ends Failed when a worker claims it.
 */
export function taskHandlers(deps: TaskHandlerDeps): TaskHandlers {
  return {
    ExportImage: exportImageTask(imageExporterOf(deps.app, deps.defaultAccountId)),
    ImportImage: importImageHandler(deps.app, imageImporterOf(deps.app, deps.defaultAccountId)),
  };
}

/** The abandoned step of each action, which the task workers run with a task that ends Failed or Deleted (see `TaskAbandonedStep`). */
export function taskAbandonedSteps(): TaskAbandonedSteps {
  return TASK_ABANDONED_STEPS;
}
