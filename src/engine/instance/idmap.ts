import { lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MOUNT_ATTR, sysHelper } from '../system/sys-helper.js';
import type { IdRange } from './id-slots.js';

export interface IdmapOptions {
  /**
   * `toHost` (files stored with container ids 0…n show as the instance's host ids): the view
   * a container gets of trees written with real ids (layers, /tmp). `toContainer` (the inverse:
   * stored host ids show as container ids): how the engine reads what a container wrote.
   */
  direction: 'toHost' | 'toContainer';
  readOnly?: boolean;
  /** Default true: nothing on these mounts is a device or setuid for whoever uses them. */
  nosuid?: boolean;
  nodev?: boolean;
  noexec?: boolean;
}

/**
 * Attaches idmapped clones of `mounts[i].source` at `mounts[i].target` (see
 * `SysHelper.idmapMounts`), all through one fresh user namespace with the instance's id map.
 */
export async function idmapMounts(range: IdRange, mounts: { source: string; target: string }[], o: IdmapOptions): Promise<void> {
  if (mounts.length === 0) return;
  const helper = sysHelper();
  if (!helper) throw new Error('idmapped mounts need the system-call helper (perl) on x86_64 or arm64');
  const map = o.direction === 'toHost' ? `0 ${range.hostId} ${range.size}\n` : `${range.hostId} 0 ${range.size}\n`;
  const attrs =
    (o.readOnly ? MOUNT_ATTR.RDONLY : 0) |
    (o.nosuid !== false ? MOUNT_ATTR.NOSUID : 0) |
    (o.nodev !== false ? MOUNT_ATTR.NODEV : 0) |
    (o.noexec ? MOUNT_ATTR.NOEXEC : 0);
  await helper.idmapMounts(map, attrs, mounts);
}

/**
 * Shifts the owners of `path` and everything under it (symlinks themselves, not followed) from
 * container ids to the instance's host ids, for the few trees the engine writes for an instance
 * and the container uses as they are (its init layer, the /etc files). Ids past the range stay.
 */
export async function shiftOwnership(path: string, range: IdRange): Promise<void> {
  const st = await lstat(path);
  const shift = (id: number) => (id < range.size ? range.hostId + id : id);
  await lchown(path, shift(st.uid), shift(st.gid));
  if (st.isDirectory()) for (const name of await readdir(path)) await shiftOwnership(join(path, name), range);
}
