import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
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
 */
export async function* diffEntries(root: string): AsyncGenerator<TarWriteEntry> {
  const xattrs = await readXattrTree(root);
  yield* walk(root, '', xattrs, new Map());
}

/** Files up to this size are read whole rather than streamed. */
const SMALL_FILE = 256 * 1024;
/** How many entries ahead small files are read. */
const READ_AHEAD = 32;

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function* walk(root: string, rel: string, xattrs: XattrTree, links: Map<string, string>): AsyncGenerator<TarWriteEntry> {
  const dir = rel === '' ? root : join(root, rel);
  const names = (await readdir(dir)).sort(byBytes);
  const stats = await Promise.all(names.map((n) => lstat(join(dir, n))));
  // Small files and symlink targets are read a few entries ahead, so the thread pool overlaps
  // the many tiny reads of a typical step (package installs write thousands of small files).
  const pending = new Map<number, Promise<Buffer | string>>();
  let next = 0;
  const readAhead = (upTo: number) => {
    for (; next < Math.min(upTo, names.length); next++) {
      const st = stats[next]!;
      const abs = join(dir, names[next]!);
      let p: Promise<Buffer | string> | undefined;
      if (st.isFile() && st.size > 0 && st.size <= SMALL_FILE) p = readFile(abs);
      else if (st.isSymbolicLink()) p = readlink(abs);
      if (p) {
        p.catch(() => undefined); // awaited (and rethrown) when its entry is written
        pending.set(next, p);
      }
    }
  };
  for (let i = 0; i < names.length; i++) {
    readAhead(i + READ_AHEAD);
    const prefetched = pending.get(i);
    pending.delete(i);
    const name = names[i]!;
    const st = stats[i]!;
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
      yield* walk(root, path, xattrs, links);
    } else if (st.isFile()) {
      yield fileEntry(join(dir, name), path, st, base, links, prefetched as Promise<Buffer> | undefined);
    } else if (st.isSymbolicLink()) {
      yield { header: { ...base, name: path, type: 'symlink', linkname: String(await (prefetched ?? readlink(join(dir, name)))) } };
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const [devmajor, devminor] = splitRdev(st.rdev);
      yield { header: { ...base, name: path, type: st.isCharacterDevice() ? 'char' : 'block', devmajor, devminor } };
    } else if (st.isFIFO()) {
      yield { header: { ...base, name: path, type: 'fifo' } };
    }
    // sockets: not archivable, skipped (as docker and GNU tar do)
  }
}

function fileEntry(
  abs: string,
  path: string,
  st: Stats,
  base: Omit<TarHeader, 'name' | 'type'>,
  links: Map<string, string>,
  prefetched: Promise<Buffer> | undefined,
): TarWriteEntry {
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) return { header: { ...base, name: path, type: 'hardlink', linkname: first } };
    links.set(key, path);
  }
  const header: TarHeader = { ...base, name: path, type: 'file', size: st.size };
  if (st.size === 0) return { header };
  // large files are opened only when the writer gets to them and streamed
  const body = (async function* () {
    if (prefetched) yield await prefetched;
    else yield* createReadStream(abs, { highWaterMark: 1 << 20, start: 0, end: st.size - 1 });
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
