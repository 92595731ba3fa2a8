import type { App } from '../app/app.js';
import type { Telemetry } from '../domain/telemetry.js';
import { DataDirDisk } from '../engine/instance/data-dir-disk.js';
import { TaskWorker } from '../worker/task-worker.js';
import { Worker } from '../worker/worker.js';
import { createBuildEngine } from './build-engine.js';
import { taskAbandonedSteps, taskHandlers } from './task-handlers.js';

/** Where the workers' events go besides their failures: counts (`/metrics`) and info lines. */
export interface WorkerObservers {
  telemetry?: Telemetry;
  info?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * Starts `count` build workers and `count` task workers (ExportImage, ImportImage) on this
 * machine's engine; resolves a stopper. `defaultAccountId`: see `createBuildEngine`. `log` is
 * told of failures, with `fields` naming the execution or task.
 */
export function startWorkers(app: App, count: number, log: (msg: string, err?: unknown, fields?: Record<string, unknown>) => void, defaultAccountId?: string, observers: WorkerObservers = {}): { workers: Worker[]; taskWorkers: TaskWorker[]; stop(): Promise<void> } {
  const { builder, engine } = createBuildEngine(app, log, defaultAccountId, observers.telemetry);
  // One host disk for the workers of this process (and any other process on this data dir).
  const limits = {
    maxRunningPerAccount: app.config.accountMaxRunning,
    buildTimeoutMs: app.config.buildTimeoutMs,
    ...(app.config.hostDiskAdmission ? { hostDisk: new DataDirDisk(app.config.dataDir, app.config.hostDiskReserveBytes), hostDiskHoldAfter: app.config.hostDiskHoldAfter } : {}),
  };
  const workers = Array.from({ length: count }, () => new Worker({ store: app.store, builder, leaseMs: app.config.leaseMs, pollMs: 250, ...limits, logMaxBytes: app.config.logMaxBytes, log, ...observers }));
  for (const w of workers) w.start();
  // A Start in this process wakes the idle workers at once (one of them claims the execution).
  const poke = () => {
    for (const w of workers) w.poke();
  };
  app.executionQueued.add(poke);
  const handlers = taskHandlers({ app, engine, log, ...(defaultAccountId ? { defaultAccountId } : {}) });
  const taskWorkers = Array.from({ length: count }, () => new TaskWorker({ store: app.store, handlers, abandoned: taskAbandonedSteps(), leaseMs: app.config.leaseMs, pollMs: 250, log, ...(observers.telemetry ? { telemetry: observers.telemetry } : {}) }));
  for (const w of taskWorkers) w.start();
  const pokeTasks = () => {
    for (const w of taskWorkers) w.poke();
  };
  app.taskQueued.add(pokeTasks);
  return {
    workers,
    taskWorkers,
    async stop() {
      app.executionQueued.delete(poke);
      app.taskQueued.delete(pokeTasks);
      await Promise.all([...workers.map((w) => w.stop()), ...taskWorkers.map((w) => w.stop())]);
      await engine.idle();
    },
  };
}
