import { constants as osConstants } from 'node:os';

/** The kernel's error numbers the engine tells apart (from Node's table, not retyped). */
export const ERRNO = {
  ENOENT: osConstants.errno.ENOENT,
  EBUSY: osConstants.errno.EBUSY,
  ENOTDIR: osConstants.errno.ENOTDIR,
  EINVAL: osConstants.errno.EINVAL,
} as const;

/**
 * A failed call of the system-call helper. `code` is the name of the kernel's error (`ENOENT`,
 * as the helper reports it) and `errno` its number; both are empty (`''`, 0) when the failure
 * was not a system call's (a refused request, the helper not running). `errno` is also 0 for a
 * name Node does not know.
 */
export class SysCallError extends Error {
  readonly errno: number;

  constructor(
    readonly call: string,
    readonly code: string,
    message: string,
  ) {
    super(`${call}: ${message}`);
    this.name = 'SysCallError';
    this.errno = code === '' ? 0 : ((osConstants.errno as Record<string, number>)[code] ?? 0);
  }
}
