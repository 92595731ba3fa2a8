import { lstatSync, type Stats } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { UnsafeLayerPathError } from './layer-errors.js';

/** Linux's limits: one name component (NAME_MAX), a whole path with its NUL (PATH_MAX). */
const NAME_MAX = 255;
const PATH_MAX = 4096;

/**
 * The directory a layer is extracted into, and the one way to turn a member's name into a path
 * to write: `beneath(rel)` checks with lstat, at the moment it is called, that every component
 * above `rel` is a real directory of the layer (never a symlink, never something else), so the
 * write that follows lands inside the layer root. The last component is the caller's: it must be
 * written without following it (O_CREAT|O_EXCL|O_NOFOLLOW, mkdir, symlink, link, mknod, lchown,
 * lutimes, `setfattr -h`; chmod and the like only on what was just made or lstat'ed there).
 *
 * Why lstat checks rather than openat2(RESOLVE_BENEATH) or a chroot: Node's fs has no *at()
 * calls, so kernel-side resolution would need a native addon or a helper process per write
 * (the mknod batch, setfattr) running in a mount namespace chrooted to the layer — far more
 * machinery on the hot path of every base image. The lstat walk is exact here because the
 * target directory is private to the extractor while it runs: a fresh staging dir of the layer
 * store, or an instance's /tmp between steps, when no process of the instance is left (see
 * RuncInstance). Nothing but the extractor changes the tree, the extractor runs one member at
 * a time, and its writes touch only the member's own path and below — so what a walk checked
 * still holds when the write it precedes is made. Deferred writes (device nodes, hardlinks,
 * xattrs, directory times) walk again right before they are made.
 */
export class LayerRoot {
  constructor(readonly dir: string) {}

  /**
   * Refuses a member name that could not be written beneath the root: empty, `..` anywhere, a
   * NUL byte, a component over 255 bytes or a path over 4095 bytes once under the root.
   */
  checkName(rel: string): void {
    if (rel === '') throw new UnsafeLayerPathError(rel, 'an empty name');
    if (rel.includes('\0')) throw new UnsafeLayerPathError(rel, 'a NUL byte in the name');
    const parts = rel.split('/');
    if (parts.some((p) => p === '..')) throw new UnsafeLayerPathError(rel, 'escapes the layer');
    if (parts.some((p) => p === '' || p === '.')) throw new UnsafeLayerPathError(rel, 'not a normalized name');
    if (parts.some((p) => Buffer.byteLength(p) > NAME_MAX)) throw new UnsafeLayerPathError(rel, `a name component longer than ${NAME_MAX} bytes`);
    if (Buffer.byteLength(this.dir) + 1 + Buffer.byteLength(rel) >= PATH_MAX) throw new UnsafeLayerPathError(rel, `longer than the ${PATH_MAX - 1} bytes a path may have under the layer root`);
  }

  /**
   * The absolute path of `rel` (a checked name) after verifying, now, that each directory above
   * it is a real directory. A missing one is made (0755) when `make` is given — `make(dir)` is
   * told first and may throw to refuse — or else the answer is `undefined` (`rel` cannot exist).
   * A symlink or non-directory above `rel` is an `UnsafeLayerPathError`.
   */
  async beneath(rel: string, make?: (dir: string) => void): Promise<string | undefined> {
    const parts = rel.split('/');
    let abs = this.dir;
    let dir = '';
    for (let i = 0; i < parts.length - 1; i++) {
      dir = dir === '' ? parts[i]! : `${dir}/${parts[i]}`;
      abs = `${abs}/${parts[i]}`;
      const st = lstatOrNull(abs);
      if (st?.isDirectory()) continue;
      if (st) throw new UnsafeLayerPathError(rel, st.isSymbolicLink() ? `${dir} is a symlink, used as a directory` : `${dir} is not a directory`);
      if (!make) return undefined;
      make(dir);
      await mkdir(abs, { mode: 0o755 });
    }
    return `${abs}/${parts[parts.length - 1]}`;
  }

  /** `beneath` for a path that must exist up to its parent (deferred writes): a missing directory is refused too. */
  async existingParents(rel: string, what: string): Promise<string> {
    const abs = await this.beneath(rel);
    if (abs === undefined) throw new UnsafeLayerPathError(rel, `${what}: a directory above it is gone`);
    return abs;
  }
}

/** lstat, or null when nothing is there. Synchronous: a walk is a few microsecond calls per member. */
export function lstatOrNull(abs: string): Stats | null {
  try {
    return lstatSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
