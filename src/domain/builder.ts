import type { Execution, ExecutionStatus } from './execution.js';
import type { ImagePipeline } from './pipeline.js';

/** How a build ended: a terminal status with its message, and on failure a code and details. */
export interface BuildOutcome {
  status: Extract<ExecutionStatus, 'SUCCESS' | 'PARTITION_SUCCESS' | 'FAILED' | 'TEST_FAILED' | 'CANCELLED'>;
  message: string;
  errorCode?: string;
  errorInfo?: string;
  imageId?: string;
}

/** What a build may do while it runs: say where it is, write output, and notice it must stop. */
export interface BuildContext {
  execution: Execution;
  pipeline: ImagePipeline;
  /** Moves to a non-terminal stage (`BUILDING`, …) with a human message. */
  stage(status: Extract<ExecutionStatus, 'PREPARING' | 'REPAIRING' | 'BUILDING' | 'TESTING' | 'DISTRIBUTING' | 'RELEASING'>, message: string): Promise<void>;
  /** Updates the message (and the image id once known) without changing the stage. */
  progress(message: string, imageId?: string): Promise<void>;
  /** Appends build output; kept in full and streamed live. */
  log(stream: 'stdout' | 'stderr' | 'system', text: string): void;
  /**
   * Aborted when the execution is cancelled (`reason` 'cancelled'), the worker lost its lease
   * ('lease-lost') or stops ('worker-stopping'), or the build ran past the whole-build limit
   * ('build-timeout'). The build stops as on a cancel (a `CANCELLED` outcome; the worker reports a
   * timeout as `FAILED`/`BuildTimeout`).
   */
  signal: AbortSignal;
}

/**
 * The port between workers and the build engine. `run` must clean up every resource it made
 * (instances, mounts, cgroups, namespaces) before it resolves, whatever the outcome, unless
 * the template keeps a failed instance on purpose (`DeleteInstanceOnFailure=false`).
 */
export interface Builder {
  run(ctx: BuildContext): Promise<BuildOutcome>;
  /** Removes whatever a lost worker left of an execution's build (after its lease expired). */
  cleanupLeftovers(executionId: string): Promise<string[]>;
}
