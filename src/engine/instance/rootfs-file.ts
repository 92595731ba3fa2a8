import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';

/** What the engine reads of an image's file at most (an /etc/passwd of 4 MiB has ~50,000 users). */
export const ROOTFS_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** Symlinks followed at most while resolving one path (the kernel's limit). */
const MAX_SYMLINKS = 40;

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW, O_DIRECTORY } = constants;

/**
 * A file of an image that the engine will not read: not a regular file (a FIFO whose open
 * would block the reading thread forever, a device, a directory, a socket) or too large.
 */
export class RootfsFileError extends Error {
  constructor(
    /** The path inside the image, as asked for (e.g. `/etc/passwd`). */
    readonly path: string,
    /** Why, completing "<path> …" (e.g. `is not a regular file`). */
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
    this.name = 'RootfsFileError';
  }
}

/**
 * Reads a regular file of a container's root filesystem from the host, resolving the path as
 * the container would (absolute symlink targets and `..` stay inside `rootfs`), so an image
 * cannot make the host read its own files (e.g. `/etc/passwd -> /etc/shadow`). Every component
 * is opened relative to the directory before it, never following a symlink, so a process
 * swapping directories for symlinks meanwhile cannot lead the host out of `rootfs` either.
 *
 * Resolves `undefined` when the file does not exist. Throws `RootfsFileError` when it is not a
 * regular file (nothing else is opened for reading: a FIFO would hang the thread that opens
 * it) or is larger than `maxBytes`. `visited` collects the top-level names the answer depends
 * on (every first component looked at), so a caller can tell whether a layer added later could
 * change it.
 */
export async function readRootfsFile(rootfs: string, path: string, visited?: Set<string>, maxBytes = ROOTFS_FILE_MAX_BYTES): Promise<Buffer | undefined> {
  const handle = await openInRootfs(rootfs, path, visited);
  if (handle === undefined) return undefined;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new RootfsFileError(path, 'is not a regular file');
    if (st.size > maxBytes) throw new RootfsFileError(path, `is larger than ${maxBytes} bytes`);
    // read to the end, which may have moved since the stat, but never past the cap
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new RootfsFileError(path, `is larger than ${maxBytes} bytes`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/**
 * Opens what `path` names inside `rootfs` (read-only, non-blocking, without following a
 * symlink from the host), or resolves undefined when it does not exist. Only regular files and
 * directories are opened: anything else throws `RootfsFileError` before it is opened.
 */
async function openInRootfs(rootfs: string, path: string, visited?: Set<string>): Promise<FileHandle | undefined> {
  // dirs[0] is the root; dirs[i] the directory names[i-1] (the stack `..` pops)
  const dirs: FileHandle[] = [await open(rootfs, O_RDONLY | O_DIRECTORY)];
  const names: string[] = [];
  let pending = components(path);
  let symlinks = 0;
  try {
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        if (dirs.length > 1) {
          await dirs.pop()!.close();
          names.pop();
        }
        continue;
      }
      visited?.add(names[0] ?? part);
      // the directory's descriptor as a path prefix: the kernel resolves `part` in that very
      // directory, whatever its path has become meanwhile
      const at = `/proc/self/fd/${dirs[dirs.length - 1]!.fd}/${part}`;
      let st: Stats;
      try {
        st = await lstat(at);
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      if (st.isSymbolicLink()) {
        if (++symlinks > MAX_SYMLINKS) return undefined; // ELOOP
        let target: string;
        try {
          target = await readlink(at);
        } catch (err) {
          if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EINVAL') {
            pending.unshift(part); // replaced meanwhile: look again
            continue;
          }
          throw err;
        }
        if (target.startsWith('/')) {
          while (dirs.length > 1) await dirs.pop()!.close();
          names.length = 0;
        }
        pending = [...components(target), ...pending];
        continue;
      }
      const last = pending.length === 0;
      if (!st.isDirectory() && !(last && st.isFile())) {
        if (!last) return undefined; // ENOTDIR
        throw new RootfsFileError(path, 'is not a regular file');
      }
      let handle: FileHandle;
      try {
        handle = await open(at, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | (last ? 0 : O_DIRECTORY));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (isMissing(err) || code === 'ELOOP' || code === 'ENXIO') {
          // replaced meanwhile (by a symlink, a FIFO, nothing): look again, a bounded number of times
          if (++symlinks > MAX_SYMLINKS) return undefined;
          pending.unshift(part);
          continue;
        }
        throw err;
      }
      if (last) return handle;
      dirs.push(handle);
      names.push(part);
    }
    // the path names a directory (`/`, `/etc/..`): the caller's stat refuses it
    return dirs.pop();
  } finally {
    await Promise.all(dirs.map((d) => d.close()));
  }
}

function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
