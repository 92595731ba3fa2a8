import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Builder, BuildOutcome, BuildResult, RecordedOutcome } from '../domain/builder.js';
import { canMove, type ExecutionStatus } from '../domain/execution.js';
import type { HostDisk } from '../domain/host-disk.js';
import type { ClaimedExecution, ClaimPolicy, ExecutionPatch, Scope, Store } from '../domain/ports.js';
import { NO_TELEMETRY, type Telemetry } from '../domain/telemetry.js';
import { ClaimLoop } from './claim-loop.js';
import { LogBuffer } from './log-buffer.js';
import { buildTimedOut, cancelledBeforeStart, insufficientHostDisk, internalError, stoppedByCancel, templateDeleted, workerLost } from '../domain/execution-messages/index.js';

export interface WorkerOptions {
  store: Store;
  builder: Builder;
  /** How long a claim lasts without renewal; a killed worker's build is taken back after it. */
  leaseMs?: number;
  /** How often an idle worker looks for work. */
  pollMs?: number;
  id?: string;
  /** Failures (an error's line); `fields` name the execution (`executionId`). */
  log?: (msg: string, err?: unknown, fields?: Record<string, unknown>) => void;
  /** What a build did (claimed, ended with its status), with `executionId` among the fields. */
  info?: (msg: string, fields: Record<string, unknown>) => void;
  /** Lease events and terminal statuses are counted here (`/metrics`). */
  telemetry?: Telemetry;
  /** Bytes of output stored per execution (`KILN_LOG_MAX_BYTES`, see `LogCap`; 0 or absent: no cap). */
  logMaxBytes?: number;
  /** Builds of one account running at once, over every worker on the database (0 or absent: no limit). */
  maxRunningPerAccount?: number;
  /**
   * A build running longer than this (from its claim; the time it waited in the queue does
   * not count) is stopped and ends FAILED with `BuildTimeout` (0 or absent: no limit).
   */
  buildTimeoutMs?: number;
  /** Host disk admission (absent: SystemDiskSize is granted whatever the host has free). */
  hostDisk?: HostDisk;
  /** Claims a build waiting for host disk may be passed over before it holds its room (`admitOnHostDisk`; 0 or absent: never). */
  hostDiskHoldAfter?: number;
}

export const DEFAULT_LEASE_MS = 30_000;

const NOT_CANCELLING: readonly ExecutionStatus[] = ['PREPARING', 'REPAIRING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'RELEASING'];

/** Thrown into a build when its stage can no longer advance because a cancel was requested. */
export class BuildStopped extends Error {
  constructor() {
    super('the execution is being cancelled');
  }
}

/**
 * A build worker: claims queued executions (the rows are the jobs), renews the lease while
 * the build runs, passes cancel requests to the build, and writes the terminal status.
 *
 * A claim with `attempt > 1` means the previous holder was lost (killed, or cut off longer
 * than its lease): its leftovers are removed and the execution ends `FAILED` with
 * `ErrorCode=WorkerLost`, or `CANCELLED` if a cancel was pending.
 *
 * Claims follow the fair queue (`domain/fair-queue.ts`) within the per-account limit and the
 * host disk; a build whose disk the host could never hold ends `FAILED` with
 * `InsufficientHostDisk`, and one running past the whole-build limit ends `FAILED` with
 * `BuildTimeout`, its instance released as on a cancel.
 */
export class Worker {
  readonly id: string;
  private readonly leaseMs: number;
  private readonly loop: ClaimLoop<ClaimedExecution>;
  private readonly running = new Set<AbortController>();
  private readonly telemetry: Telemetry;

  constructor(private readonly o: WorkerOptions) {
    this.id = o.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.telemetry = o.telemetry ?? NO_TELEMETRY;
    this.loop = new ClaimLoop({
      claim: () => this.claim(),
      run: (claimed) => this.execute(claimed).catch((err) => this.o.log?.(`execution ${claimed.execution.id} failed in the worker`, err, { executionId: claimed.execution.id })),
      pollMs: o.pollMs ?? 500,
      ...(o.log ? { log: o.log } : {}),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Asks an idle worker to look for work now (e.g. right after a Start call in this process). */
  poke(): void {
    this.loop.poke();
  }

  /** Stops claiming; a running build is aborted as lost (another worker takes it over after the lease). */
  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    for (const c of this.running) c.abort('worker-stopping');
    await stopped;
  }

  private async claim(): Promise<ClaimedExecution | undefined> {
    const policy: ClaimPolicy = { maxRunningPerAccount: this.o.maxRunningPerAccount ?? 0 };
    const disk = this.o.hostDisk;
    if (disk) policy.disk = { pool: disk.pool, holdAfter: this.o.hostDiskHoldAfter ?? 0, ...(await disk.room(await this.o.store.executions.runningOn(disk.pool))) };
    return this.o.store.executions.claim(this.id, this.leaseMs, policy);
  }

  private async execute({ execution, attempt, exceedsHostDisk }: ClaimedExecution): Promise<void> {
    const { store } = this.o;
    const telemetry = this.telemetry;
    const executionId = execution.id;
    telemetry.lease('execution', 'claimed');
    this.o.info?.('execution claimed', { executionId, workerId: this.id, attempt, status: execution.status });
    const scope: Scope = { accountId: execution.accountId, regionId: execution.regionId };
    const logs = new LogBuffer(store.executionLogs, execution.id, { maxBytes: this.o.logMaxBytes ?? 0, onError: (err) => this.o.log?.('log write failed', err, { executionId }) });
    const abort = new AbortController();
    this.running.add(abort);
    let status: ExecutionStatus = execution.status;

    // The renewal is also how a cancel request reaches the build: at least every second, so a
    // cancel takes effect in about a second whatever the lease (30 s by default).
    const renewal = setInterval(() => {
      void store.executions.renew(execution.id, this.id, this.leaseMs).then((current) => {
        telemetry.lease('execution', current === undefined ? 'lost' : 'renewed');
        if (current === undefined) abort.abort('lease-lost');
        else if (current === 'CANCELLING') abort.abort('cancelled');
      }, (err) => this.o.log?.('lease renewal failed', err, { executionId }));
    }, Math.max(50, Math.min(1000, Math.floor(this.leaseMs / 3))));

    // The whole-build limit stops the build the way a cancel does (the engine releases the
    // instance); the outcome is then rewritten as FAILED with BuildTimeout below.
    const limitMs = this.o.buildTimeoutMs ?? 0;
    const deadline = limitMs > 0 && attempt === 1 ? setTimeout(() => abort.abort('build-timeout'), limitMs) : undefined;

    const ended = (written: ExecutionStatus | undefined): void => {
      if (written === undefined) return;
      telemetry.executionFinished(written);
      this.o.info?.('execution ended', { executionId, workerId: this.id, status: written });
    };
    const finish = async (result: BuildResult): Promise<void> => {
      await logs.close();
      if (abort.signal.reason === 'lease-lost' || abort.signal.reason === 'worker-stopping') return; // not ours to end
      if ('record' in result) {
        ended(await this.endRecorded(scope, execution.id, result.record));
        return;
      }
      const outcome = result;
      const patch = patchOf(outcome);
      if (outcome.errorCode === 'BuildTimeout') {
        // A cancel requested after the limit struck is honoured: CANCELLING only ends as CANCELLED.
        if (await store.executions.update(scope, execution.id, patch, NOT_CANCELLING)) return ended(outcome.status);
        if (await store.executions.update(scope, execution.id, patchOf(stoppedByCancel))) ended(stoppedByCancel.status);
        return;
      }
      // A cancel that arrived at the very end still ends as CANCELLED only if the build honoured it.
      if (await store.executions.update(scope, execution.id, patch)) ended(outcome.status);
    };

    try {
      if (attempt > 1) {
        const removed = await this.o.builder.cleanupLeftovers(execution.id);
        logs.write('system', `A worker running this build was lost during ${execution.status}; released: ${removed.length ? removed.join(', ') : 'nothing left behind'}.\n`);
        await finish(execution.status === 'CANCELLING' ? stoppedByCancel : workerLost(execution.status, this.leaseMs));
        return;
      }
      if (execution.status === 'CANCELLING') {
        await finish(cancelledBeforeStart);
        return;
      }
      if (exceedsHostDisk) {
        const { logLine, outcome } = insufficientHostDisk(exceedsHostDisk);
        logs.write('system', logLine);
        await finish(outcome);
        return;
      }
      const pipeline = await store.pipelines.get(scope, execution.pipelineId);
      if (!pipeline) {
        await finish(templateDeleted(execution.pipelineId));
        return;
      }
      const outcome = await this.o.builder.run({
        execution,
        pipeline,
        signal: abort.signal,
        log: (stream, text) => logs.write(stream, text),
        stage: async (next, message) => {
          if (next === status) {
            // The first stage (PREPARING) is already the queued status: its line still goes to the log.
            if (await store.executions.update(scope, execution.id, { message }, [status])) logs.write('system', `[${next}] ${message}\n`);
            return;
          }
          if (!canMove(status, next)) throw new Error(`the build moved from ${status} to ${next}`);
          // Only from the current stage: a concurrent cancel (CANCELLING) is never overwritten.
          if (!(await store.executions.update(scope, execution.id, { status: next, message }, [status]))) {
            abort.abort('cancelled');
            throw new BuildStopped();
          }
          status = next;
          logs.write('system', `[${next}] ${message}\n`);
        },
        progress: async (message, imageId) => {
          await store.executions.update(scope, execution.id, { message, ...(imageId ? { imageId } : {}) }, [status]);
        },
      });
      await finish(abort.signal.reason === 'build-timeout' && 'status' in outcome && outcome.status === 'CANCELLED' ? buildTimedOut(status, limitMs) : outcome);
    } catch (err) {
      if (err instanceof BuildStopped) {
        await finish(stoppedByCancel);
        return;
      }
      this.o.log?.(`build of ${execution.id} threw`, err, { executionId });
      await finish(internalError);
    } finally {
      clearInterval(renewal);
      clearTimeout(deadline);
      this.running.delete(abort);
      if (abort.signal.reason !== 'lease-lost') await store.executions.release(execution.id, this.id).catch(() => {});
    }
  }

  /**
   * Ends an execution whose build made something to record: in one transaction, checks that this
   * worker still holds the lease (when it does not, the worker that took the execution over ends
   * it, and nothing is written), runs the build's writes and writes the terminal status. A refusal
   * of those writes (a name taken meanwhile, the image quota) rolls them back and is written instead.
   */
  private async endRecorded(scope: Scope, id: string, record: RecordedOutcome['record']): Promise<ExecutionStatus | undefined> {
    const { store } = this.o;
    try {
      return await store.transaction(async (tx) => {
        if ((await tx.executions.renew(id, this.id, this.leaseMs)) === undefined) return undefined;
        const outcome = await record.write(tx);
        return (await tx.executions.update(scope, id, patchOf(outcome))) ? outcome.status : undefined;
      });
    } catch (err) {
      const refused = record.refused(err);
      if (!refused) throw err;
      return (await store.executions.update(scope, id, patchOf(refused))) ? refused.status : undefined;
    }
  }
}

/** The execution fields a terminal outcome sets. */
function patchOf(outcome: BuildOutcome): ExecutionPatch {
  return { status: outcome.status, message: outcome.message, ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}),
    ...(outcome.errorInfo ? { errorInfo: outcome.errorInfo } : {}), ...(outcome.imageId ? { imageId: outcome.imageId } : {}) };
}
