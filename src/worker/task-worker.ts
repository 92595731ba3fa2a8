import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { fault, isKilnError } from '../domain/errors.js';
import type { Store } from '../domain/ports.js';
import { NO_TELEMETRY, type Telemetry } from '../domain/telemetry.js';
import type { ClaimedTask, TaskAbandonedSteps, TaskEnd, TaskHandlers } from '../domain/task.js';
import { ClaimLoop } from './claim-loop.js';

export interface TaskWorkerOptions {
  store: Store;
  /** The handler of each action (`main/task-handlers.ts`). */
  handlers: TaskHandlers;
  /**
   * The step of each action that runs in the transaction ending one of its tasks `Failed` or
   * `Deleted` (`main/task-handlers.ts`): a lost worker's task, a cancel, a failure.
   */
  abandoned?: TaskAbandonedSteps;
  /** How long a claim lasts without renewal; a killed worker's task is taken back (and failed) after it. */
  leaseMs?: number;
  /** How often an idle worker looks for tasks. */
  pollMs?: number;
  id?: string;
  /** Failures (an error's line); `fields` name the task (`taskId`). */
  log?: (msg: string, err?: unknown, fields?: Record<string, unknown>) => void;
  /** Lease events are counted here (`/metrics`). */
  telemetry?: Telemetry;
}

export const DEFAULT_TASK_LEASE_MS = 30_000;

/** Why a handler's signal was aborted. */
type StopReason = 'cancelled' | 'lease-lost' | 'worker-stopping';

/**
 * A task worker: claims tasks (the rows are the jobs), runs the handler of the task's action
 * with an abort signal and a progress callback, renews the lease while it runs, and ends the
 * task: `Finished` with the handler's result, `Failed` with the code of the `KilnError` it threw
 * (`InternalError` for anything else), or `Deleted` (how ECS shows a cancelled task) when it
 * threw after CancelTask aborted its signal.
 *
 * A task claimed with `attempt > 1` was running on a worker that was lost (killed, or cut off
 * longer than its lease): it ends `Failed` with `TaskWorkerLost` (`Deleted` if a cancel was
 * pending), never staying `Processing`. A task that ends `Failed` or `Deleted` ends in one
 * transaction with its action's abandoned step (`TaskAbandonedStep`), handler run or not. A
 * worker that loses its lease or stops aborts its handler and writes nothing more (every write
 * is lease-checked); the next claim ends the task.
 */
export class TaskWorker {
  readonly id: string;
  private readonly leaseMs: number;
  private readonly loop: ClaimLoop<ClaimedTask>;
  private readonly running = new Set<AbortController>();

  constructor(private readonly o: TaskWorkerOptions) {
    this.id = o.id ?? `${hostname()}-${process.pid}-task-${randomBytes(3).toString('hex')}`;
    this.leaseMs = o.leaseMs ?? DEFAULT_TASK_LEASE_MS;
    this.loop = new ClaimLoop({
      claim: () => this.o.store.tasks.claim(this.id, this.leaseMs),
      run: (claimed) => this.execute(claimed).catch((err) => this.o.log?.(`task ${claimed.task.taskId} failed in the worker`, err, { taskId: claimed.task.taskId })),
      pollMs: o.pollMs ?? 500,
      ...(o.log ? { log: o.log } : {}),
      what: 'task',
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Asks an idle worker to look for tasks now (right after a task was created in this process). */
  poke(): void {
    this.loop.poke();
  }

  /** Stops claiming; a running handler is aborted and its task left to the next claim (which fails it as lost). */
  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    for (const c of this.running) c.abort('worker-stopping' satisfies StopReason);
    await stopped;
  }

  private async execute({ task, attempt }: ClaimedTask): Promise<void> {
    const { store } = this.o;
    const telemetry = this.o.telemetry ?? NO_TELEMETRY;
    telemetry.lease('task', 'claimed');
    const abandoned = this.o.abandoned?.[task.action];
    // A task that does not finish ends together with its action's abandoned step, in one transaction.
    const end = (e: TaskEnd) => e.status === 'Finished' || !abandoned
      ? store.tasks.finish(task.taskId, this.id, e)
      : store.transaction(async (tx) => {
        const ended = await tx.tasks.finish(task.taskId, this.id, e);
        if (ended) await abandoned(tx, task);
        return ended;
      });
    if (attempt > 1) {
      await end(task.cancelRequested ? { status: 'Deleted' } : failedWith(fault('TaskWorkerLost', { action: task.action, leaseMs: this.leaseMs })));
      return;
    }
    if (task.cancelRequested) {
      await end({ status: 'Deleted' });
      return;
    }
    const handler = this.o.handlers[task.action];
    if (!handler) {
      this.o.log?.(`no handler for ${task.action} tasks in this process`, undefined, { taskId: task.taskId });
      await end(failedWith(fault('InternalError')));
      return;
    }

    const abort = new AbortController();
    const stop = (reason: StopReason) => {
      if (!abort.signal.aborted) abort.abort(reason);
    };
    this.running.add(abort);
    // The renewal is also how a cancel reaches the handler: at least every second.
    const renewal = setInterval(() => {
      void store.tasks.renew(task.taskId, this.id, this.leaseMs).then((state) => {
        telemetry.lease('task', state === undefined ? 'lost' : 'renewed');
        if (state === undefined) stop('lease-lost');
        else if (state.cancelRequested) stop('cancelled');
      }, (err) => this.o.log?.('task lease renewal failed', err, { taskId: task.taskId }));
    }, Math.max(50, Math.min(1000, Math.floor(this.leaseMs / 3))));

    let last: { percent: number; note: string | undefined } = { percent: task.progress, note: task.progressNote };
    let outcome: TaskEnd;
    let threw = false;
    try {
      const { result } = await handler({
        task,
        signal: abort.signal,
        progress: async (percent, note) => {
          // A report that changes nothing shown (same whole percent, same note) costs no write.
          const shown = { percent: Math.round(percent), note: note ?? last.note };
          if (shown.percent === last.percent && shown.note === last.note) return;
          last = shown;
          if (!(await store.tasks.progress(task.taskId, this.id, percent, note))) stop('lease-lost');
        },
      });
      outcome = result === undefined ? { status: 'Finished' } : { status: 'Finished', result };
    } catch (err) {
      threw = true;
      if (abort.signal.reason === 'cancelled') outcome = { status: 'Deleted' };
      else if (isKilnError(err)) outcome = failedWith(err);
      else {
        if (!abort.signal.aborted) this.o.log?.(`the ${task.action} handler of task ${task.taskId} threw`, err, { taskId: task.taskId });
        outcome = failedWith(fault('InternalError'));
      }
    } finally {
      clearInterval(renewal);
      this.running.delete(abort);
    }
    // A handler stopped by a lost lease or a stopping worker did not fail: the next claim ends
    // its task as lost. One that finished all the same is recorded (if the lease still holds).
    const reason = abort.signal.reason as StopReason | undefined;
    if (threw && (reason === 'lease-lost' || reason === 'worker-stopping')) return;
    await end(outcome);
  }
}

function failedWith(err: { code: string; message: string }): TaskEnd {
  return { status: 'Failed', errorCode: err.code, errorMessage: err.message };
}
