import type { BuildOutcome } from '../builder.js';
import type { ExecutionStatus } from '../execution.js';

/**
 * The whole-build limit (`KILN_BUILD_TIMEOUT_MS`) as people read it: whole hours in hours,
 * whole minutes in minutes, anything else in seconds (`6 h`, `90 min`, `4 s`, `1.5 s`).
 */
export function formatBuildLimit(limitMs: number): string {
  if (limitMs % 3_600_000 === 0) return `${limitMs / 3_600_000} h`;
  if (limitMs % 60_000 === 0) return `${limitMs / 60_000} min`;
  return `${limitMs / 1000} s`;
}

/**
 * How a build stopped by the whole-build limit ends: `FAILED` with `BuildTimeout`, saying in
 * which stage (`during`) it was stopped, that its intermediate instance was released, and
 * that the limit counts from the claim (time in the queue does not count).
 */
export function buildTimedOut(during: ExecutionStatus, limitMs: number): BuildOutcome {
  return {
    status: 'FAILED',
    message: `Failed during ${during}: the build ran longer than the whole-build limit (${formatBuildLimit(limitMs)}) and was stopped; its intermediate instance was released.`,
    errorCode: 'BuildTimeout',
    errorInfo: `The build ran longer than ${limitMs} ms (KILN_BUILD_TIMEOUT_MS), counted from when a worker took it (time in the queue does not count); it was stopped during ${during}.`,
  };
}
