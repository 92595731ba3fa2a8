import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { splitRdev } from '../layers/diff-tar.js';
import type { TarHeader } from '../layers/tar/tar-header.js';
import type { TarWriteEntry } from '../layers/tar/tar-writer.js';
import { isLayerXattr, OVERLAY_OPAQUE_XATTR } from '../layers/whiteouts.js';
import { readXattrTree, type XattrTree } from '../layers/xattrs.js';

/** One extracted layer (see `LayerStore.ensure`): its directory and its xattrs, read once. */
interface Layer {
  dir: string;
  xattrs: XattrTree;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const SMALL_FILE = 256 * 1024;

function lstatOrNull(abs: string): Stats | null {
  try {
    return lstatSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
}

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * The merged root filesystem of layers extracted as overlay lower dirs (`dirs`, bottom first),
 * as tar members, computed the way overlayfs merges them but without a mount: a name is taken
 * from the topmost layer that has it; a whiteout (character device 0/0) hides it; a directory
 * merges with the directories of the same name below it down to the first opaque one
 * (`trusted.overlay.opaque=y`) or the first layer holding a non-directory there. Members come
 * depth-first, names sorted by their bytes, so equal layers give equal archives. Owners, modes,
 * mtimes, xattrs (not overlay's own or SELinux labels), symlinks, device nodes and fifos are
 * kept; files sharing an inode in one layer become hard links to the first one met. The root is
 * not a member. `signal` is checked between members.
 */
export async function* mergedTreeEntries(dirs: readonly string[], signal?: AbortSignal, withBodies = true): AsyncGenerator<MergedEntry> {
  const layers: Layer[] = [];
  for (const dir of [...dirs].reverse()) {
    layers.push({ dir, xattrs: readdirSync(dir).length === 0 ? new Map() : await readXattrTree(dir) });
  }
  yield* walk({ all: layers, links: new Map(), withBodies, ...(signal ? { signal } : {}) }, '', layers);
}

/** A member of the merged tree; a regular file (or hard link) also names the layer file it is (`source`). */
export type MergedEntry = TarWriteEntry & { source?: string };

/** What one walk carries: every layer, the hard links met so far, whether to read file contents. */
interface Walk {
  all: Layer[];
  links: Map<string, string>;
  withBodies: boolean;
  signal?: AbortSignal;
}

/** `stack`: the layers (topmost first) whose directory `rel` is merged. */
async function* walk(w: Walk, rel: string, stack: Layer[]): AsyncGenerator<MergedEntry> {
  const names = new Set<string>();
  for (const l of stack) for (const n of readdirSync(rel === '' ? l.dir : `${l.dir}/${rel}`)) names.add(n);
  for (const name of [...names].sort(byBytes)) {
    w.signal?.throwIfAborted();
    const path = rel === '' ? name : `${rel}/${name}`;
    const below = visibleStack(stack, path);
    if (below.length === 0) continue;
    const top = below[0]!;
    const st = lstatSync(`${top.layer.dir}/${path}`);
    const header = headerOf(top.layer, path, st);
    if (!header) continue; // a socket: not archivable (as docker and GNU tar do)
    if (st.isDirectory()) {
      yield { header };
      yield* walk(w, path, below.map((b) => b.layer));
    } else if (st.isFile()) {
      yield fileEntry(w, w.all.indexOf(top.layer), `${top.layer.dir}/${path}`, header, st);
    } else {
      yield { header };
    }
  }
}

/**
 * The layers that show `path`, topmost first: empty when the topmost one holding it has a
 * whiteout there; else that layer, and when it is a directory, the directories below it down
 * to an opaque one or to a layer with a non-directory there.
 */
function visibleStack(stack: Layer[], path: string): Array<{ layer: Layer }> {
  const out: Array<{ layer: Layer }> = [];
  for (const layer of stack) {
    const st = lstatOrNull(`${layer.dir}/${path}`);
    if (!st) continue;
    if (out.length === 0 && isWhiteout(st)) return [];
    if (!st.isDirectory()) {
      if (out.length === 0) out.push({ layer });
      return out;
    }
    out.push({ layer });
    if (layer.xattrs.get(path)?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') return out;
  }
  return out;
}

function headerOf(layer: Layer, path: string, st: Stats): TarHeader | undefined {
  const attrs = [...(layer.xattrs.get(path) ?? [])].filter(([n]) => isLayerXattr(n)).sort(([a], [b]) => byBytes(a, b));
  const base = { name: path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000), ...(attrs.length ? { xattrs: new Map(attrs) } : {}) };
  if (st.isDirectory()) return { ...base, type: 'directory' };
  if (st.isFile()) return { ...base, type: 'file', size: st.size };
  if (st.isSymbolicLink()) return { ...base, type: 'symlink', linkname: readlinkSync(`${layer.dir}/${path}`) };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const [devmajor, devminor] = splitRdev(st.rdev);
    return { ...base, type: st.isCharacterDevice() ? 'char' : 'block', devmajor, devminor };
  }
  if (st.isFIFO()) return { ...base, type: 'fifo' };
  return undefined;
}

function fileEntry(w: Walk, layerIndex: number, abs: string, header: TarHeader, st: Stats): MergedEntry {
  if (st.nlink > 1) {
    const key = `${layerIndex}:${st.ino}`;
    const first = w.links.get(key);
    if (first !== undefined) return { header: { ...header, type: 'hardlink', size: 0, linkname: first }, source: abs };
    w.links.set(key, header.name);
  }
  if (st.size === 0 || !w.withBodies) return { header, source: abs };
  if (st.size <= SMALL_FILE) return { header, body: readFileSync(abs), source: abs };
  return { header, body: createReadStream(abs, { highWaterMark: 1 << 20, start: 0, end: st.size - 1 }) as AsyncIterable<Buffer>, source: abs };
}
