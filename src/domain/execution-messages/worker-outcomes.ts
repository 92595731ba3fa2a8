import type { BuildOutcome } from '../builder.js';
import type { ExecutionStatus } from '../execution.js';

/*
 * How the worker itself ends an execution, when the build does not (the build's own outcomes are
 * in `build-outcomes.ts`; the whole-build limit and the host disk have theirs in
 * `build-timeout.ts` and `host-disk.ts`).
 */

/** A build stopped by a cancel (or whose stage could not advance because one was requested). */
export const stoppedByCancel: BuildOutcome = { status: 'CANCELLED', message: 'Cancelled: the build was stopped and its resources released.' };

/** A cancel requested before a worker started the build. */
export const cancelledBeforeStart: BuildOutcome = { status: 'CANCELLED', message: 'Cancelled before the build started.' };

/** The worker that ran the build stopped renewing its lease (`leaseMs`) during `during`; its leftovers were released. */
export function workerLost(during: ExecutionStatus, leaseMs: number): BuildOutcome {
  return {
    status: 'FAILED', message: `Failed: the worker running this build stopped during ${during}.`, errorCode: 'WorkerLost',
    errorInfo: `The worker holding this execution stopped renewing its lease (${leaseMs} ms) during ${during}; its intermediate instance and mounts were released.`,
  };
}

/** The execution's template was deleted before the build started. */
export function templateDeleted(pipelineId: string): BuildOutcome {
  return { status: 'FAILED', message: 'Failed: the image template no longer exists.', errorCode: 'InvalidImagePipeline.NotFound', errorInfo: `Template ${pipelineId} was deleted.` };
}

/** The build threw something that is not an outcome (logged in full on the server). */
export const internalError: BuildOutcome = { status: 'FAILED', message: 'Failed: an internal error stopped the build.', errorCode: 'InternalError', errorInfo: 'Kiln hit an unexpected error; see the server log.' };
