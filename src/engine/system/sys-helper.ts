import { SysHelper, type SysHelperOptions } from './sys-helper-client.js';

/**
 * The engine's one system-call helper (see `SysHelper`, and its program `sys-helper.pl`):
 * started on first use, restarted if it died. Where it cannot run (no perl, or an architecture
 * it has no system call numbers for) callers use their fallbacks: the `mount`, `umount` and
 * `getfattr` commands, a process of Node's own; idmapped mounts have none and fail.
 */

export { SysCallError, ERRNO } from './sys-helper-error.js';
export { MNT_DETACH, MOUNT_ATTR } from './sys-helper-flags.js';
export { HelperProcess } from './sys-helper-process.js';
export { SysHelper, type SysHelperOptions } from './sys-helper-client.js';

let helper: SysHelper | undefined;
let unavailable = false;
let options: SysHelperOptions = {};

/** The shared helper (started on first use, restarted if it died); undefined where it cannot run. */
export function sysHelper(): SysHelper | undefined {
  if (unavailable) return undefined;
  if (helper?.alive) return helper;
  helper = SysHelper.start(options);
  if (!helper) unavailable = true;
  return helper;
}

/**
 * Runs `call` with the shared helper; returns undefined where the helper cannot run, so the
 * caller uses its fallback.
 */
export async function withSysHelper<T>(call: (h: SysHelper) => Promise<T>): Promise<{ value: T } | undefined> {
  const h = sysHelper();
  if (!h) return undefined;
  return { value: await call(h) };
}

/**
 * How the shared helper is started from now on (the running one is stopped): tests make it
 * unavailable this way (`{ perl: '/nonexistent' }`) to run the callers' fallbacks.
 */
export function configureSysHelper(o: SysHelperOptions): void {
  helper?.stop();
  helper = undefined;
  unavailable = false;
  options = o;
}
