import { lstat, readFile, readlink } from 'node:fs/promises';
import { posix, join } from 'node:path';

/**
 * Reads a file of a container's root filesystem from the host, resolving symlinks as the
 * container would (absolute targets and `..` stay inside `rootfs`), so an image cannot make the
 * host read its own files (e.g. `/etc/passwd -> /etc/shadow`). Resolves `undefined` when the
 * file does not exist.
 */
export async function readRootfsFile(rootfs: string, path: string, visited?: Set<string>): Promise<Buffer | undefined> {
  const resolved = await resolveInRootfs(rootfs, path, visited);
  if (resolved === undefined) return undefined;
  try {
    return await readFile(join(rootfs, resolved));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

/**
 * The symlink-free path (relative to `rootfs`, no leading `/`) that `path` names inside it.
 * `visited` collects the top-level names the answer depends on (every first component looked
 * at), so a caller can tell whether a layer added later could change it.
 */
export async function resolveInRootfs(rootfs: string, path: string, visited?: Set<string>): Promise<string | undefined> {
  let pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, part].join('/');
    visited?.add(done[0] ?? part);
    let st;
    try {
      st = await lstat(join(rootfs, candidate));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return undefined; // ELOOP
      const target = await readlink(join(rootfs, candidate));
      const parts = target.split('/').filter((p) => p !== '' && p !== '.');
      if (posix.isAbsolute(target)) done.length = 0;
      pending = [...parts, ...pending];
    } else {
      done.push(part);
    }
  }
  return done.join('/');
}
