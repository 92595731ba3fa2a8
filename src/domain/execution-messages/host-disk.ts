import type { BuildOutcome } from '../builder.js';
import type { ClaimedExecution } from '../ports.js';

/**
 * How a build whose SystemDiskSize the host could never hold ends (see `hostDiskFit`): the
 * line its log gets, and its outcome, `FAILED` with `InsufficientHostDisk`, naming the most the
 * host can give one build (its data dir's filesystem minus `KILN_HOST_DISK_RESERVE_BYTES`, in
 * GiB with one decimal; 0 when the reserve is more than the filesystem) and what to do about it.
 * The build never started: there is nothing to release.
 */
export function insufficientHostDisk({ diskGiB, ceilingBytes }: NonNullable<ClaimedExecution['exceedsHostDisk']>): { logLine: string; outcome: BuildOutcome } {
  const gib = (Math.max(0, ceilingBytes) / 1024 ** 3).toFixed(1);
  return {
    logLine: `SystemDiskSize ${diskGiB} GiB is more than this host can give one build (${gib} GiB); the build did not start.\n`,
    outcome: {
      status: 'FAILED',
      message: `Failed: SystemDiskSize ${diskGiB} GiB is more than the build host can hold.`,
      errorCode: 'InsufficientHostDisk',
      errorInfo: `The template asks for a ${diskGiB} GiB system disk; the build host can promise at most ${gib} GiB to one build (the size of its data dir's filesystem, minus the reserve KILN_HOST_DISK_RESERVE_BYTES), even with nothing else on it. Use a smaller SystemDiskSize, or a host with a larger disk.`,
    },
  };
}
