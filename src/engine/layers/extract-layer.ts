import { constants } from 'node:fs';
import { chmod, lchown, link, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Hash } from 'node:crypto';
import { digestOf, newDigester, type Digest } from '../../blobs/digest.js';
import { runCommand } from '../system/run-command.js';
import { TarFormatError, UnsafeLayerPathError } from './layer-errors.js';
import { LayerRoot, lstatOrNull } from './layer-root.js';
import type { TarHeader } from './tar/tar-header.js';
import { asyncIteratorOf, readTar, type ByteInput } from './tar/tar-reader.js';
import { isLayerXattr, OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './whiteouts.js';
import { isPlainXattrName, writeXattrs } from './xattrs.js';

export { InvalidLayerError, TarFormatError, UnsafeLayerPathError } from './layer-errors.js';

export interface ExtractResult {
  /** sha256 of the uncompressed tar (the layer's diffID). */
  diffId: Digest;
  /** Bytes of uncompressed tar read. */
  tarSize: number;
}

/**
 * Unpacks an OCI layer tar (plain or gzip, detected by its magic bytes) into `targetDir` so the
 * directory can be an overlay lower dir: `.wh.<name>` members become whiteouts (character
 * device 0/0), `.wh..wh..opq` marks its directory opaque (`trusted.overlay.opaque=y`), other
 * `.wh..wh.*` members are ignored. Owners, modes, mtimes, symlinks, hardlinks, device nodes,
 * fifos and xattrs are restored. Members are applied in order over what `targetDir` holds (a
 * later member replaces an earlier one, and a replaced directory takes everything below it
 * along, deferred members included).
 *
 * Nothing is ever written outside `targetDir` (see `LayerRoot`): names with `..`, members
 * below a symlink or a non-directory, hardlinks whose target is not a member of the layer (or
 * is reached through a symlink, or is a directory), and names too long to write are refused
 * with an `UnsafeLayerPathError`; an archive that cannot be read is a `TarFormatError`. Symlinks
 * are content: they may point anywhere and are never followed. `targetDir` must be private to
 * the call while it runs; on failure it holds a partial tree for the caller to remove.
 * Returns the diffID computed over the whole uncompressed stream.
 */
export async function extractLayer(input: ByteInput, targetDir: string): Promise<ExtractResult> {
  await mkdir(targetDir, { recursive: true });
  const hash = newDigester();
  const counter = { bytes: 0 };
  const ex = new Extraction(new LayerRoot(targetDir));
  try {
    for await (const { header, body } of readTar(hashed(decompressed(input), hash, counter))) {
      await ex.apply(header, body);
    }
    await ex.finish();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new TarFormatError(`not a valid gzip stream: ${(err as Error).message}`);
    throw err;
  }
  return { diffId: digestOf(hash), tarSize: counter.bytes };
}

/**
 * A member written by `finish`: device nodes, fifos and whiteouts (one `mknod` batch rather
 * than a process each), and hardlinks whose target was not there yet. Nothing is on disk at
 * its path meanwhile; it is dropped when a later member replaces it or a directory above it.
 */
type Deferred =
  | { kind: 'node'; type: 'c' | 'b' | 'p'; major: number; minor: number; header: TarHeader }
  | { kind: 'link'; target: string };

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const PATH_MAX = 4096;
/** Linux device numbers: 12-bit majors, 20-bit minors. */
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;

class Extraction {
  private readonly deferred = new Map<string, Deferred>();
  private readonly dirTimes = new Map<string, number>();
  private readonly xattrs = new Map<string, Map<string, Buffer>>();

  constructor(private readonly root: LayerRoot) {}

  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const name = h.name;
    this.root.checkName(name);
    const base = posix.basename(name);
    const parent = posix.dirname(name) === '.' ? '' : posix.dirname(name);

    if (base === OPAQUE_MARKER) {
      await this.parentsOf(name); // the marked directory, made if missing
      this.addXattr(parent, OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // aufs bookkeeping
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const target = parent === '' ? base.slice(WHITEOUT_PREFIX.length) : `${parent}/${base.slice(WHITEOUT_PREFIX.length)}`;
      this.root.checkName(target);
      await this.clear(target, await this.parentsOf(target));
      this.deferred.set(target, { kind: 'node', type: 'c', major: 0, minor: 0, header: { ...h, name: target, mode: h.mode & 0o7777 } });
      return;
    }

    const abs = await this.parentsOf(name);
    if (h.type === 'directory') {
      await this.directory(name, abs, h);
      return;
    }
    await this.clear(name, abs);
    switch (h.type) {
      case 'file': {
        const handle = await open(abs, NEW_FILE_FLAGS, 0o600);
        try {
          for await (const piece of body) {
            let off = 0;
            while (off < piece.length) off += (await handle.write(piece, off, piece.length - off)).bytesWritten;
          }
          await handle.chown(h.uid, h.gid);
          await handle.chmod(h.mode); // after chown, which clears setuid/setgid bits
          await handle.utimes(h.mtime, h.mtime);
        } finally {
          await handle.close();
        }
        break;
      }
      case 'symlink': {
        const target = h.linkname ?? '';
        if (target === '') throw new UnsafeLayerPathError(name, 'a symlink with an empty target');
        if (target.includes('\0')) throw new UnsafeLayerPathError(name, 'a NUL byte in the symlink target');
        if (Buffer.byteLength(target) >= PATH_MAX) throw new UnsafeLayerPathError(name, `a symlink target longer than ${PATH_MAX - 1} bytes`);
        await symlink(target, abs);
        await lchown(abs, h.uid, h.gid);
        await lutimes(abs, h.mtime, h.mtime);
        break;
      }
      case 'hardlink': {
        const target = h.linkname ?? '';
        try {
          this.root.checkName(target);
        } catch (err) {
          if (err instanceof UnsafeLayerPathError) throw new UnsafeLayerPathError(name, `its hardlink target ${JSON.stringify(target)}: ${err.why}`);
          throw err;
        }
        if (target === name) throw new UnsafeLayerPathError(name, 'a hardlink to itself');
        if (!(await this.link(name, abs, target))) this.deferred.set(name, { kind: 'link', target });
        break;
      }
      case 'char':
      case 'block':
      case 'fifo':
        if ((h.devmajor ?? 0) > MAX_MAJOR || (h.devminor ?? 0) > MAX_MINOR) throw new TarFormatError(`device number ${h.devmajor}:${h.devminor} out of range (${name})`);
        this.deferred.set(name, { kind: 'node', type: h.type === 'char' ? 'c' : h.type === 'block' ? 'b' : 'p', major: h.devmajor ?? 0, minor: h.devminor ?? 0, header: h });
        break;
    }
    this.setXattrs(name, h.xattrs);
  }

  /** Device nodes and whiteouts (one `mknod` script), deferred hardlinks, xattrs, then directory mtimes: each re-resolved beneath the root first. */
  async finish(): Promise<void> {
    const nodes: Array<[string, string, Extract<Deferred, { kind: 'node' }>]> = [];
    let script = 'set -e\n';
    for (const [rel, d] of this.deferred) {
      if (d.kind !== 'node') continue;
      const abs = await this.root.existingParents(rel, 'device node');
      if (lstatOrNull(abs)) throw new UnsafeLayerPathError(rel, 'something is already there');
      nodes.push([rel, abs, d]);
      script += `mknod -m 0000 ${shellQuote(abs)} ${d.type}${d.type === 'p' ? '' : ` ${d.major} ${d.minor}`}\n`;
    }
    if (nodes.length > 0) await runCommand('sh', ['-s'], { input: script });
    for (const [rel, abs, d] of nodes) {
      const st = lstatOrNull(abs);
      const made = d.type === 'c' ? st?.isCharacterDevice() : d.type === 'b' ? st?.isBlockDevice() : st?.isFIFO();
      if (!made) throw new UnsafeLayerPathError(rel, 'the device node made there is gone');
      await lchown(abs, d.header.uid, d.header.gid);
      await chmod(abs, d.header.mode); // not a symlink: lstat'ed just above
      await lutimes(abs, d.header.mtime, d.header.mtime);
      this.deferred.delete(rel);
    }

    // Hardlinks, in archive order; a link to a later deferred link waits for it.
    let links = [...this.deferred].flatMap(([rel, d]) => (d.kind === 'link' ? [[rel, d.target] as const] : []));
    while (links.length > 0) {
      const left: typeof links = [];
      for (const [rel, target] of links) {
        const abs = await this.root.existingParents(rel, 'hardlink');
        if (lstatOrNull(abs)) throw new UnsafeLayerPathError(rel, 'something is already there');
        if (await this.link(rel, abs, target)) this.deferred.delete(rel);
        else left.push([rel, target]);
      }
      if (left.length === links.length) {
        const [rel, target] = left[0]!;
        throw new UnsafeLayerPathError(rel, `a hardlink to ${JSON.stringify(target)}, which is not a file of the layer`);
      }
      links = left;
    }

    const attrs: Array<[string, Map<string, Buffer>]> = [];
    for (const [rel, values] of this.xattrs) {
      const abs = rel === '' ? this.root.dir : await this.root.existingParents(rel, 'xattrs');
      if (!lstatOrNull(abs)) throw new UnsafeLayerPathError(rel, 'xattrs for a file that is gone');
      attrs.push([abs, values]);
    }
    await writeXattrs(attrs); // setfattr -h: the last component is not followed

    const dirs = [...this.dirTimes].sort(([a], [b]) => b.split('/').length - a.split('/').length);
    for (const [rel, mtime] of dirs) {
      const handle = await open(await this.root.existingParents(rel, 'directory time'), DIR_FLAGS);
      try {
        await handle.utimes(mtime, mtime);
      } finally {
        await handle.close();
      }
    }
  }

  /** `rel`'s path once the directories above it are real ones (missing ones made; a deferred member there is not a directory). */
  private async parentsOf(rel: string): Promise<string> {
    const abs = await this.root.beneath(rel, (dir) => {
      if (this.deferred.has(dir)) throw new UnsafeLayerPathError(rel, `${dir} is not a directory`);
    });
    return abs!;
  }

  private async directory(name: string, abs: string, h: TarHeader): Promise<void> {
    const existing = lstatOrNull(abs);
    if (!existing?.isDirectory() || this.deferred.has(name)) {
      await this.clear(name, abs);
      await mkdir(abs, { mode: 0o700 });
    }
    const handle = await open(abs, DIR_FLAGS);
    try {
      await handle.chown(h.uid, h.gid);
      await handle.chmod(h.mode);
    } finally {
      await handle.close();
    }
    this.dirTimes.set(name, h.mtime);
    this.setXattrs(name, h.xattrs);
  }

  /**
   * Links `name` (at `abs`, nothing there) to the member `target`; false when the target is
   * not there yet (a later or deferred member). The target must be reached through real
   * directories of the layer; a symlink as the target itself is linked, not followed.
   */
  private async link(name: string, abs: string, target: string): Promise<boolean> {
    if (this.deferred.has(target)) return false;
    let targetAbs: string | undefined;
    try {
      targetAbs = await this.root.beneath(target);
    } catch (err) {
      if (err instanceof UnsafeLayerPathError) throw new UnsafeLayerPathError(name, `its hardlink target ${JSON.stringify(target)}: ${err.why}`);
      throw err;
    }
    const st = targetAbs === undefined ? null : lstatOrNull(targetAbs);
    if (!st) return false;
    if (st.isDirectory()) throw new UnsafeLayerPathError(name, 'a hardlink to a directory');
    await link(targetAbs!, abs);
    return true;
  }

  /**
   * Removes what is at `rel` (a replaced member), with what the extraction still meant to do
   * there: deferred members, xattrs and directory times of `rel` and, for a directory, of
   * everything below it.
   */
  private async clear(rel: string, abs: string): Promise<void> {
    const st = lstatOrNull(abs);
    this.deferred.delete(rel);
    this.dirTimes.delete(rel);
    this.xattrs.delete(rel);
    if (!st) return;
    if (st.isDirectory()) {
      const below = `${rel}/`;
      for (const map of [this.deferred, this.dirTimes, this.xattrs] as Map<string, unknown>[]) {
        for (const key of [...map.keys()]) if (key.startsWith(below)) map.delete(key);
      }
    }
    await rm(abs, { recursive: true, force: true }); // not followed: a symlink is removed itself
  }

  /**
   * A member's xattrs, minus overlay's own (a layer could otherwise plant redirects or metacopy
   * marks). Names must be plain (see `isPlainXattrName`): one with a newline could name another
   * file to `setfattr --restore`.
   */
  private setXattrs(rel: string, attrs: Map<string, Buffer> | undefined): void {
    for (const [key, value] of attrs ?? []) {
      if (!isPlainXattrName(key)) throw new UnsafeLayerPathError(rel, `an xattr name that is not plain printable ASCII: ${JSON.stringify(key.slice(0, 100))}`);
      if (isLayerXattr(key)) this.addXattr(rel, key, value);
    }
  }

  private addXattr(rel: string, key: string, value: Buffer): void {
    let m = this.xattrs.get(rel);
    if (!m) this.xattrs.set(rel, (m = new Map()));
    m.set(key, value);
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function* hashed(source: AsyncIterable<Uint8Array>, hash: Hash, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk);
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

/** The input, gunzipped when it starts with gzip's magic bytes. */
async function* decompressed(input: ByteInput): AsyncGenerator<Uint8Array> {
  const it = asyncIteratorOf(input);
  let first = await it.next();
  while (!first.done && first.value.byteLength === 0) first = await it.next();
  if (first.done) return;
  const head = first.value;
  const all = (async function* () {
    yield head;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  })();
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    pipeline(Readable.from(all), gunzip, () => undefined); // errors surface on `gunzip`
    yield* gunzip as AsyncIterable<Buffer>;
  } else {
    yield* all;
  }
}
