import type { ExecutionStatus } from './execution.js';

/** One RPC request as the API answered it (one call per request, whatever its outcome). */
export interface FinishedRequest {
  /** The ECS `RequestId` the response carries. */
  requestId: string;
  /** The API action the request named; undefined when it named none or one the API does not have (bounded: a metric label). */
  action: string | undefined;
  /** The authenticated account, when the request got that far. */
  accountId: string | undefined;
  /** `Success`, or the error `Code` of the response body. */
  code: string;
  /** The HTTP status. */
  status: number;
  /** From the handler's start to the encoded response. */
  seconds: number;
}

/** How a build step went through the step cache. */
export type StepCacheOutcome = 'hit' | 'miss' | 'uncached';

/** The kinds of leased jobs workers claim. */
export type LeasedJob = 'execution' | 'task';

/**
 * Where API, workers, engine and GC report what they did, for `/metrics` (see
 * `observability/metrics.ts`, which implements it with prom-client). Every method is called on a
 * hot path or a build's path: implementations only count (no I/O, no await, no throw), and
 * labels they derive stay bounded (an action not in the API's list is `unknown`; no account or
 * resource id is ever a label). `NO_TELEMETRY` is the default wherever none is wired.
 */
export interface Telemetry {
  requestFinished(request: FinishedRequest): void;
  /** An execution reached a terminal status (written by a worker). */
  executionFinished(status: ExecutionStatus): void;
  /** A build step ended (reused from the step cache, run, or run outside the cache). */
  stepFinished(cache: StepCacheOutcome, seconds: number): void;
  /** Bytes written to (`in`) or read from (`out`) the blob store. */
  blobBytes(direction: 'in' | 'out', bytes: number): void;
  /** One garbage collection ran (`failed`: it threw); what it deleted. */
  gcRan(report: { failed: boolean; deletedBlobs: number; freedBytes: number }): void;
  /** A worker claimed a job, renewed its lease, or lost it (another worker may take the job over). */
  lease(job: LeasedJob, event: 'claimed' | 'renewed' | 'lost'): void;
}

/** Telemetry that records nothing. */
export const NO_TELEMETRY: Telemetry = {
  requestFinished() {},
  executionFinished() {},
  stepFinished() {},
  blobBytes() {},
  gcRan() {},
  lease() {},
};

/** The queue as read on a scrape (see `ExecutionRepository.queueStats`). */
export interface ExecutionQueueStats {
  /** Executions not in a terminal status, by status. */
  active: Partial<Record<ExecutionStatus, number>>;
  /** Executions waiting for their first claim. */
  queued: number;
  /** Epoch ms when the oldest of them was queued (undefined when none waits). */
  oldestQueuedAt: number | undefined;
}
