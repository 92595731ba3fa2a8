import type { BuildArtifact } from './build-artifact.js';
import type { ErrorCode } from './errors.js';
import type { Execution, ExecutionStatus } from './execution.js';
import type { ImagePipeline } from './pipeline.js';
import type { Repositories } from './ports.js';

/** How a build ended: a terminal status with its message, and on failure a code and details. */
export interface BuildOutcome {
  status: Extract<ExecutionStatus, 'SUCCESS' | 'PARTITION_SUCCESS' | 'FAILED' | 'TEST_FAILED' | 'CANCELLED'>;
  message: string;
  /** A registered code (docs/errors.md lists the execution error codes). */
  errorCode?: ErrorCode;
  errorInfo?: string;
  imageId?: string;
}

/**
 * A build that made something to record (its image, the image's copies and shares): the worker
 * runs `write` in the store transaction that writes the terminal status, after checking there
 * that it still holds the execution's lease. So an image exists exactly when its execution ends
 * saying so: a lost lease, a crash or a refusal leaves neither the image nor the status.
 */
export interface RecordedOutcome {
  record: {
    /**
     * Writes, through `tx` only, what the outcome stands for, and returns the outcome to write.
     * It may run more than once (a transaction retried after a serialization failure), so it has
     * no effect outside `tx`.
     */
    write(tx: Repositories): Promise<BuildOutcome>;
    /**
     * The outcome to write instead when `write` threw `err` (nothing it wrote is kept): a refusal
     * such as a taken image name or an exceeded quota; undefined when `err` is not a refusal (the
     * worker then ends the execution as an internal error).
     */
    refused(err: unknown): BuildOutcome | undefined;
  };
}

/** What a build hands back: an outcome, or one to record together with the build's image. */
export type BuildResult = BuildOutcome | RecordedOutcome;

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
 * The port between workers and the build (the app's `BuildExecution`). `run` must clean up every
 * resource it made (instances, mounts, cgroups, namespaces) before it resolves, whatever the
 * outcome, unless the template keeps a failed instance on purpose (`DeleteInstanceOnFailure=false`).
 */
export interface Builder {
  run(ctx: BuildContext): Promise<BuildResult>;
  /** Removes whatever a lost worker left of an execution's build (after its lease expired). */
  cleanupLeftovers(executionId: string): Promise<string[]>;
}

/**
 * The port between the app and the build engine: `run` builds the template on this machine,
 * announcing the engine's stages (PREPARING, REPAIRING, BUILDING, TESTING) through `ctx`, and
 * returns what it made as data (see `BuildArtifact`); it registers nothing and decides no
 * status. Its cleanup duty is the `Builder`'s.
 */
export interface BuildRunner {
  run(ctx: BuildContext): Promise<BuildArtifact>;
  /** Removes whatever a lost worker left of an execution's build (after its lease expired). */
  cleanupLeftovers(executionId: string): Promise<string[]>;
}
