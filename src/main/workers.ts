import type { App } from '../app/app.js';
import { DataDirDisk } from '../engine/instance/data-dir-disk.js';
import { Worker } from '../worker/worker.js';
import { createBuildEngine } from './build-engine.js';

/** Starts `count` build workers on this machine's engine; resolves a stopper. `defaultAccountId`: see `createBuildEngine`. */
export function startWorkers(app: App, count: number, log: (msg: string, err?: unknown) => void, defaultAccountId?: string): { workers: Worker[]; stop(): Promise<void> } {
  const { builder, engine } = createBuildEngine(app, log, defaultAccountId);
  // One host disk for the workers of this process (and any other process on this data dir).
  const limits = {
    maxRunningPerAccount: app.config.accountMaxRunning,
    buildTimeoutMs: app.config.buildTimeoutMs,
    ...(app.config.hostDiskAdmission ? { hostDisk: new DataDirDisk(app.config.dataDir, app.config.hostDiskReserveBytes), hostDiskHoldAfter: app.config.hostDiskHoldAfter } : {}),
  };
  const workers = Array.from({ length: count }, () => new Worker({ store: app.store, builder, leaseMs: app.config.leaseMs, pollMs: 250, ...limits, logMaxBytes: app.config.logMaxBytes, log }));
  for (const w of workers) w.start();
  // A Start in this process wakes the idle workers at once (one of them claims the execution).
  const poke = () => {
    for (const w of workers) w.poke();
  };
  app.executionQueued.add(poke);
  return {
    workers,
    async stop() {
      app.executionQueued.delete(poke);
      await Promise.all(workers.map((w) => w.stop()));
      await engine.idle();
    },
  };
}
