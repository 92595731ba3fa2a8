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
  const walk = new RootfsWalk(await open(rootfs, O_RDONLY | O_DIRECTORY), components(path));
  try {
    while (walk.pending.length > 0) {
      const part = walk.pending.shift()!;
      if (part === '..') {
        await walk.up();
        continue;
      }
      visited?.add(walk.names[0] ?? part);
      const end = await walk.take(path, part);
      if (end) return end.handle;
    }
    // the path names a directory (`/`, `/etc/..`): the caller's stat refuses it
    return walk.dirs.pop();
  } finally {
    await Promise.all(walk.dirs.map((d) => d.close()));
  }
}

/** The walk ends: at the file (its handle), or where the path does not resolve (undefined). */
type WalkEnd = { handle: FileHandle | undefined };
const NOT_FOUND: WalkEnd = { handle: undefined };

/** Where `openInRootfs` is: the directories opened so far and the components still to take. */
class RootfsWalk {
  /** dirs[0] is the root; dirs[i] the directory names[i-1] (the stack `..` pops). */
  readonly dirs: FileHandle[];
  readonly names: string[] = [];
  symlinks = 0;

  constructor(root: FileHandle, public pending: string[]) {
    this.dirs = [root];
  }

  async up(): Promise<void> {
    if (this.dirs.length > 1) {
      await this.dirs.pop()!.close();
      this.names.pop();
    }
  }

  /** Takes one component (not `..`): a symlink is expanded, a directory entered; the walk ends at the last one or at a name that does not resolve. */
  async take(path: string, part: string): Promise<WalkEnd | undefined> {
    // the directory's descriptor as a path prefix: the kernel resolves `part` in that very
    // directory, whatever its path has become meanwhile
    const at = `/proc/self/fd/${this.dirs[this.dirs.length - 1]!.fd}/${part}`;
    let st: Stats;
    try {
      st = await lstat(at);
    } catch (err) {
      if (isMissing(err)) return NOT_FOUND;
      throw err;
    }
    if (st.isSymbolicLink()) return this.follow(at, part);
    const last = this.pending.length === 0;
    if (!st.isDirectory() && !(last && st.isFile())) {
      if (!last) return NOT_FOUND; // ENOTDIR
      throw new RootfsFileError(path, 'is not a regular file');
    }
    let handle: FileHandle;
    try {
      handle = await open(at, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | (last ? 0 : O_DIRECTORY));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (isMissing(err) || code === 'ELOOP' || code === 'ENXIO') {
        // replaced meanwhile (by a symlink, a FIFO, nothing): look again, a bounded number of times
        if (++this.symlinks > MAX_SYMLINKS) return NOT_FOUND;
        this.pending.unshift(part);
        return undefined;
      }
      throw err;
    }
    if (last) return { handle };
    this.dirs.push(handle);
    this.names.push(part);
    return undefined;
  }

  /** A symlink's target replaces it in the components still to take (an absolute one from the root). */
  private async follow(at: string, part: string): Promise<WalkEnd | undefined> {
    if (++this.symlinks > MAX_SYMLINKS) return NOT_FOUND; // ELOOP
    let target: string;
    try {
      target = await readlink(at);
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EINVAL') {
        this.pending.unshift(part); // replaced meanwhile: look again
        return undefined;
      }
      throw err;
    }
    if (target.startsWith('/')) {
      while (this.dirs.length > 1) await this.dirs.pop()!.close();
      this.names.length = 0;
    }
    this.pending = [...components(target), ...this.pending];
    return undefined;
  }
}

function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
