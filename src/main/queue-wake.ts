import type { App } from '../app/app.js';
import type { KilnConfig } from '../config/config.js';
import type { QueueSignal } from '../domain/queue-signal.js';
import { openQueueSignal } from '../store/pg-queue-signal.js';

interface Pokeable {
  poke(): void;
}

/**
 * On PostgreSQL, wakes this process's idle workers when any process or host on the database
 * queues a job (LISTEN); resolves nothing to close on SQLite, where only this host's processes
 * queue jobs and tell each other over IPC.
 */
export function wakeWorkersOnQueueSignal(config: Pick<KilnConfig, 'databaseUrl'>, running: { workers: Pokeable[]; taskWorkers: Pokeable[] }): QueueSignal | undefined {
  if (running.workers.length === 0 && running.taskWorkers.length === 0) return undefined;
  return openQueueSignal({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    onQueued: (job) => {
      for (const w of job === 'execution' ? running.workers : running.taskWorkers) w.poke();
    },
  });
}

/**
 * On PostgreSQL, announces every execution and task queued through `app` (NOTIFY) to the
 * workers of other processes and hosts; a no-op on SQLite. `close` stops announcing.
 */
export function announceQueuedJobs(app: App): { close(): Promise<void> } {
  const signal = openQueueSignal({ ...(app.config.databaseUrl ? { databaseUrl: app.config.databaseUrl } : {}) });
  if (!signal) return { close: async () => {} };
  const execution = () => signal.announce('execution');
  const task = () => signal.announce('task');
  app.executionQueued.add(execution);
  app.taskQueued.add(task);
  return {
    async close() {
      app.executionQueued.delete(execution);
      app.taskQueued.delete(task);
      await signal.close();
    },
  };
}
