import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../system/run-command.js';
import { ERRNO, MNT_DETACH, SysCallError, withSysHelper, type SysHelper } from '../system/sys-helper.js';

/** A mount point as the kernel lists it (octal escapes decoded). */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** The mounts of this process's mount namespace. */
export async function listMounts(): Promise<MountEntry[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({ mountPoint: unescapeOctal(left[4] ?? ''), fsType: right[0] ?? '', source: unescapeOctal(right[1] ?? '') });
  }
  return out;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Whether something is mounted exactly at `path`. */
export async function isMounted(path: string): Promise<boolean> {
  return (await listMounts()).some((m) => m.mountPoint === path);
}

/**
 * Unmounts `path` (a no-op when nothing is mounted there). Retries briefly on EBUSY (processes
 * of a just-killed container may still be exiting), then detaches lazily so it never lingers.
 */
export async function unmount(path: string): Promise<void> {
  if (await withSysHelper((h) => unmountWith(h, path))) return;
  for (let attempt = 0; attempt < 20; attempt++) {
    if (!(await isMounted(path))) return;
    const r = await runCommand('umount', [path], { allowFailure: true });
    if (r.code === 0) continue; // stacked mounts: loop until none is left
    if (!/busy/i.test(r.stderr)) {
      if (!(await isMounted(path))) return;
      throw new Error(`umount ${path}: ${r.stderr.trim()}`);
    }
    await sleep(50);
  }
  if (await isMounted(path)) await runCommand('umount', ['-l', path]);
}

/**
 * `unmount` by umount2(2) through the system-call helper: no `umount` process, and no reading
 * of /proc/self/mountinfo (EINVAL, "not a mount point", is the end of the loop).
 */
async function unmountWith(h: SysHelper, path: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await h.umount(path);
      continue; // stacked mounts: loop until none is left
    } catch (err) {
      if (!(err instanceof SysCallError) || err.errno === 0) throw err;
      if (err.errno === ERRNO.EINVAL || err.errno === ERRNO.ENOENT || err.errno === ERRNO.ENOTDIR) return;
      if (err.errno !== ERRNO.EBUSY) throw new Error(`umount ${path}: ${err.message}`);
    }
    await sleep(50);
  }
  try {
    await h.umount(path, MNT_DETACH);
  } catch (err) {
    if (!(err instanceof SysCallError) || err.errno !== ERRNO.EINVAL) throw err;
  }
}

/** Mounts a tmpfs of at most `sizeBytes` at `path`, mode 1777 (a /tmp). */
export async function mountTmpfs(path: string, sizeBytes: number): Promise<void> {
  await runCommand('mount', ['-t', 'tmpfs', '-o', `mode=1777,nosuid,nodev,size=${Math.max(1, Math.floor(sizeBytes / 1024))}k`, 'kiln-tmp', path]);
}

/**
 * `rm -rf dir`, but only once nothing is mounted at or under it: what is (an instance's disk,
 * its views of shared layers) is unmounted first, deepest first, and when something stays
 * mounted the folder is left and an error says what. A recursive removal through a mount would
 * delete what the mount shows (the layer store, through a layer view).
 */
export async function removeUnmounted(dir: string): Promise<void> {
  const under = async () => (await listMounts()).map((m) => m.mountPoint).filter((p) => p === dir || p.startsWith(`${dir}/`));
  for (const m of (await under()).sort((a, b) => b.length - a.length)) await unmount(m).catch(() => undefined);
  const left = await under();
  if (left.length > 0) throw new Error(`not removing ${dir}: still mounted at ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}
