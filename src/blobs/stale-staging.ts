import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes the entries of a staging folder (unfinished blob writes, layers being built) that a
 * dead process left. Entries are named `[prefix]<pid>-<hex>` by their writer: one whose process
 * no longer runs is removed whatever its age, and a live process's work in progress is never
 * touched, however long it takes. Entries without a pid in their name are removed when older
 * than `beforeMs`, if given. Returns how many were removed.
 */
export async function removeStaleStaging(dir: string, beforeMs?: number): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = /(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    const stale = pid !== undefined
      ? Number(pid) !== process.pid && !isProcessRunning(Number(pid))
      : beforeMs !== undefined && ((await stat(join(dir, name)).catch(() => undefined))?.mtimeMs ?? Infinity) < beforeMs;
    if (stale) {
      await rm(join(dir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** Whether a process with this pid runs (one of another user counts); never true for pid 0 or less, which kill(2) reads as a group. */
export function isProcessRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
