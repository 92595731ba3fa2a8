import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { TarHeader } from './tar/tar-header.js';
import type { TarWriteEntry } from './tar/tar-writer.js';
import { readXattrTree, type XattrTree } from './xattrs.js';
import { isLayerXattr, OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './whiteouts.js';

/**
 * The members of the OCI layer tar for a directory of changes (an overlay upper dir, or any
 * rootfs): depth-first, names sorted by their UTF-8 bytes within each directory, so identical
 * trees give identical archives. Overlay whiteouts become `.wh.<name>` members and opaque
 * directories get a `.wh..wh..opq` member right after their own; modes, owners, symlinks,
 * hardlinks (within the tree), device nodes, fifos, mtimes (whole seconds) and xattrs (except
 * overlay's own and SELinux labels) are kept. Sockets are skipped. The root itself is not a
 * member. Names must be valid UTF-8.
 *
 * With `maxFileBytes`, the regular files' sizes are added up as the walk meets them (each inode
 * once, at its logical size: a tar has no holes, so a sparse file is archived whole); past the
 * bound the walk throws `TreeTooLargeError` before that file is yielded, so at most that many
 * bytes of file data were archived.
 */
export async function* diffEntries(root: string, maxFileBytes?: number): AsyncGenerator<TarWriteEntry> {
  // the root is not a member: an empty tree (a step that changed nothing) needs no xattrs
  const xattrs: XattrTree = readdirSync(root).length === 0 ? new Map() : await readXattrTree(root);
  const budget = maxFileBytes === undefined ? undefined : { max: maxFileBytes, used: 0 };
  yield* walk(root, '', xattrs, new Map(), new Slicer(), budget);
}

/** A tree's files hold more than the bytes allowed (see `diffEntries`); `bytes`: at least this many. */
export class TreeTooLargeError extends Error {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`the files hold more than ${maxBytes} bytes (at least ${bytes}; sparse files count at their full size)`);
    this.name = 'TreeTooLargeError';
  }
}

/** Files up to this size are read whole rather than streamed. */
const SMALL_FILE = 256 * 1024;
/** Longest stretch of synchronous file-system calls before the walk lets the event loop run. */
const SLICE_MS = 4;

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The walk stats and reads with synchronous calls, a few milliseconds at a time: a step's
 * changes are in the page cache (just written), and a call costs microseconds that way, where
 * each promise-based call is a thread-pool round trip (a small file's readFile is five) that
 * costs ~0.1-0.3 ms on a busy machine: 500 small files took ~150 ms to walk, now ~30 ms.
 * Between slices the event loop runs, so the engine stays responsive during a large capture.
 */
class Slicer {
  private until = performance.now() + SLICE_MS;
  async pause(): Promise<void> {
    if (performance.now() < this.until) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.until = performance.now() + SLICE_MS;
  }
}

async function* walk(root: string, rel: string, xattrs: XattrTree, links: Map<string, string>, slicer: Slicer, budget?: { max: number; used: number }): AsyncGenerator<TarWriteEntry> {
  const dir = rel === '' ? root : join(root, rel);
  const names = readdirSync(dir).sort(byBytes);
  for (const name of names) {
    await slicer.pause();
    const abs = join(dir, name);
    const st = lstatSync(abs);
    const path = rel === '' ? name : `${rel}/${name}`;
    const attrs = xattrs.get(path);
    const base = {
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      size: 0,
      mtime: Math.floor(st.mtimeMs / 1000),
      xattrs: layerXattrs(attrs),
    };
    if (st.isCharacterDevice() && st.rdev === 0) {
      const whiteout = rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${rel}/${WHITEOUT_PREFIX}${name}`;
      yield { header: { ...base, name: whiteout, type: 'file', xattrs: undefined } };
    } else if (st.isDirectory()) {
      yield { header: { ...base, name: path, type: 'directory' } };
      if (attrs?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') {
        yield { header: { ...base, name: `${path}/${OPAQUE_MARKER}`, type: 'file', xattrs: undefined } };
      }
      yield* walk(root, path, xattrs, links, slicer, budget);
    } else if (st.isFile()) {
      const entry = fileEntry(abs, path, st, base, links);
      if (budget && entry.header.type === 'file') {
        budget.used += st.size;
        if (budget.used > budget.max) throw new TreeTooLargeError(budget.used, budget.max);
      }
      yield entry;
    } else if (st.isSymbolicLink()) {
      yield { header: { ...base, name: path, type: 'symlink', linkname: readlinkSync(abs) } };
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const [devmajor, devminor] = splitRdev(st.rdev);
      yield { header: { ...base, name: path, type: st.isCharacterDevice() ? 'char' : 'block', devmajor, devminor } };
    } else if (st.isFIFO()) {
      yield { header: { ...base, name: path, type: 'fifo' } };
    }
    // sockets: not archivable, skipped (as docker and GNU tar do)
  }
}

function fileEntry(abs: string, path: string, st: Stats, base: Omit<TarHeader, 'name' | 'type'>, links: Map<string, string>): TarWriteEntry {
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) return { header: { ...base, name: path, type: 'hardlink', linkname: first } };
    links.set(key, path);
  }
  const header: TarHeader = { ...base, name: path, type: 'file', size: st.size };
  if (st.size === 0) return { header };
  // small files are read now; large ones opened only when the writer gets to them, and streamed
  if (st.size <= SMALL_FILE) return { header, body: readFileSync(abs) };
  const body = (async function* () {
    yield* createReadStream(abs, { highWaterMark: 1 << 20, start: 0, end: st.size - 1 });
  })();
  return { header, body };
}

function layerXattrs(attrs: Map<string, Buffer> | undefined): Map<string, Buffer> | undefined {
  if (!attrs) return undefined;
  const kept = [...attrs].filter(([name]) => isLayerXattr(name)).sort(([a], [b]) => byBytes(a, b));
  return kept.length > 0 ? new Map(kept) : undefined;
}

/** Linux's dev_t encoding (glibc `major()`/`minor()`). */
export function splitRdev(rdev: number): [number, number] {
  const r = BigInt(rdev);
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return [major, minor];
}
