import { constants } from 'node:fs';
import { lchown, link, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Hash } from 'node:crypto';
import { digestOf, newDigester, type Digest } from '../../blobs/digest.js';
import { decompressed, releaseInput } from './decompress.js';
import { DeferredBatch } from './deferred-batch.js';
import { InvalidLayerError, TarFormatError, UnsafeLayerPathError } from './layer-errors.js';
import { checkLimit, layerLimits, type LayerLimits } from './layer-limits.js';
import { LayerRoot, lstatOrNull } from './layer-root.js';
import { PendingTree } from './pending-tree.js';
import type { TarHeader } from './tar/tar-header.js';
import { readTar, type ByteInput } from './tar/tar-reader.js';
import { isLayerXattr, OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './whiteouts.js';
import { isPlainXattrName } from './xattrs.js';

export { InvalidLayerError, LayerTooLargeError, TarFormatError, UnsafeLayerPathError } from './layer-errors.js';
export { DEFAULT_LAYER_LIMITS, type LayerLimits } from './layer-limits.js';

export interface ExtractResult {
  /** sha256 of the uncompressed tar (the layer's diffID). */
  diffId: Digest;
  /** Bytes of uncompressed tar read. */
  tarSize: number;
}

export interface ExtractOptions {
  /** Resource limits (defaults: `DEFAULT_LAYER_LIMITS`); past one the layer is a `LayerTooLargeError`. */
  limits?: Partial<LayerLimits>;
  /** Stops the extraction as the tar is read (it rejects with the signal's reason). */
  signal?: AbortSignal;
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
 *
 * Memory and disk are bounded whatever the archive holds (see `LayerLimits`): past a limit the
 * layer is a `LayerTooLargeError`. `signal` stops the extraction between chunks of input. The
 * input is consumed: whatever happens, it is closed (a stream destroyed) when this returns.
 */
export async function extractLayer(input: ByteInput, targetDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const limits = layerLimits(options.limits);
  const signal = options.signal;
  try {
    signal?.throwIfAborted();
    await mkdir(targetDir, { recursive: true });
    const hash = newDigester();
    const counter = { bytes: 0 };
    const ex = new Extraction(new LayerRoot(targetDir), limits);
    for await (const { header, body } of readTar(hashed(decompressed(input), hash, counter, limits, signal))) {
      signal?.throwIfAborted();
      await ex.apply(header, body);
    }
    signal?.throwIfAborted();
    await ex.finish();
    return { diffId: digestOf(hash), tarSize: counter.bytes };
  } finally {
    releaseInput(input);
  }
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const PATH_MAX = 4096;
/** Linux device numbers: 12-bit majors, 20-bit minors. */
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;
/** Linux's largest xattr value (XATTR_SIZE_MAX): a larger one could never be set. */
const MAX_XATTR_VALUE = 64 * 1024;

/**
 * One layer being applied member by member. What cannot be written at once waits in a
 * `PendingTree` (bounded by `maxPendingBytes`): device nodes and xattrs until their batch is
 * written (`DeferredBatch`), hardlinks whose target comes later and directory times until the end.
 */
class Extraction {
  private readonly pending: PendingTree;
  private readonly batch: DeferredBatch;
  private members = 0;

  constructor(
    private readonly root: LayerRoot,
    private readonly limits: LayerLimits,
  ) {
    this.pending = new PendingTree(limits.maxPendingBytes);
    this.batch = new DeferredBatch(root, this.pending);
  }

  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    checkLimit(++this.members, this.limits.maxMembers, `more than ${this.limits.maxMembers} members`);
    await this.applyMember(h, body);
    if (this.batch.full) await this.batch.flush();
  }

  private async applyMember(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const name = h.name;
    this.root.checkName(name);
    if (await this.applyMarker(h)) return;
    const abs = await this.parentsOf(name);
    if (h.type === 'directory') {
      await this.directory(name, abs, h);
      return;
    }
    await this.clear(name, abs);
    switch (h.type) {
      case 'file':
        await writeMember(abs, h, body);
        break;
      case 'symlink':
        await symlinkMember(name, abs, h);
        break;
      case 'hardlink':
        await this.hardlink(name, abs, h);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        if ((h.devmajor ?? 0) > MAX_MAJOR || (h.devminor ?? 0) > MAX_MINOR) throw new TarFormatError(`device number ${h.devmajor}:${h.devminor} out of range (${name})`);
        this.batch.addNode(name, {
          kind: 'node', type: h.type === 'char' ? 'c' : h.type === 'block' ? 'b' : 'p',
          major: h.devmajor ?? 0, minor: h.devminor ?? 0, uid: h.uid, gid: h.gid, mode: h.mode, mtime: h.mtime,
        });
        break;
    }
    this.setXattrs(name, h.xattrs);
  }

  /** An opaque-directory marker or a whiteout (or aufs bookkeeping, ignored): applied, true; any other member: false. */
  private async applyMarker(h: TarHeader): Promise<boolean> {
    const name = h.name;
    const base = posix.basename(name);
    const parent = posix.dirname(name) === '.' ? '' : posix.dirname(name);
    if (base === OPAQUE_MARKER) {
      await this.parentsOf(name); // the marked directory, made if missing
      this.batch.addXattr(parent, OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      return true;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return true; // aufs bookkeeping
    if (!base.startsWith(WHITEOUT_PREFIX)) return false;
    const target = parent === '' ? base.slice(WHITEOUT_PREFIX.length) : `${parent}/${base.slice(WHITEOUT_PREFIX.length)}`;
    this.root.checkName(target);
    await this.clear(target, await this.parentsOf(target));
    this.batch.addNode(target, { kind: 'node', type: 'c', major: 0, minor: 0, uid: h.uid, gid: h.gid, mode: h.mode & 0o7777, mtime: h.mtime });
    return true;
  }

  /** A hardlink to a member beneath the root: made now, or deferred until its target exists. */
  private async hardlink(name: string, abs: string, h: TarHeader): Promise<void> {
    const target = h.linkname ?? '';
    try {
      this.root.checkName(target);
    } catch (err) {
      if (err instanceof UnsafeLayerPathError) throw new UnsafeLayerPathError(name, `its hardlink target ${JSON.stringify(target)}: ${err.why}`);
      throw err;
    }
    if (target === name) throw new UnsafeLayerPathError(name, 'a hardlink to itself');
    if (!(await this.link(name, abs, target))) this.pending.defer(name, { kind: 'link', target });
  }

  /** The last device nodes and xattrs, the deferred hardlinks (and their xattrs), then directory mtimes: each re-resolved beneath the root first. */
  async finish(): Promise<void> {
    await this.batch.flush();
    await this.linkDeferred();
    await this.batch.writeAllXattrs();
    // Children before parents: a directory's time is set once nothing is written into it any more.
    const dirs: Array<[string, number]> = [];
    for (const [rel, entry] of this.pending.entries()) if (entry.dirTime !== undefined && rel !== '') dirs.push([rel, entry.dirTime]);
    for (const [rel, mtime] of dirs) {
      const handle = await open(await this.root.existingParents(rel, 'directory time'), DIR_FLAGS);
      try {
        await handle.utimes(mtime, mtime);
      } finally {
        await handle.close();
      }
    }
  }

  /**
   * Hardlinks whose target was not there when they were read. A link to another deferred link
   * waits for that one (each is tried once: linear however the links chain).
   */
  private async linkDeferred(): Promise<void> {
    const links: Array<[string, string]> = [];
    for (const [rel, entry] of this.pending.entries()) if (entry.deferred?.kind === 'link') links.push([rel, entry.deferred.target]);
    const waiting = new Map<string, Array<[string, string]>>();
    const ready: Array<[string, string]> = [];
    for (const l of links) {
      if (this.pending.get(l[1])?.deferred?.kind === 'link') {
        const list = waiting.get(l[1]);
        if (list) list.push(l);
        else waiting.set(l[1], [l]);
      } else ready.push(l);
    }
    while (ready.length > 0) {
      const [rel, target] = ready.pop()!;
      const abs = await this.root.existingParents(rel, 'hardlink');
      if (lstatOrNull(abs)) throw new UnsafeLayerPathError(rel, 'something is already there');
      if (!(await this.link(rel, abs, target))) throw new UnsafeLayerPathError(rel, `a hardlink to ${JSON.stringify(target)}, which is not a file of the layer`);
      this.pending.clearDeferred(rel);
      ready.push(...(waiting.get(rel) ?? []));
      waiting.delete(rel);
    }
    for (const [rel, target] of links) {
      if (this.pending.get(rel)?.deferred) throw new UnsafeLayerPathError(rel, `a hardlink to ${JSON.stringify(target)}, which is not a file of the layer`);
    }
  }

  /** `rel`'s path once the directories above it are real ones (missing ones made; a deferred member there is not a directory). */
  private async parentsOf(rel: string): Promise<string> {
    const abs = await this.root.beneath(rel, (dir) => {
      if (this.pending.get(dir)?.deferred) throw new UnsafeLayerPathError(rel, `${dir} is not a directory`);
    });
    return abs!;
  }

  private async directory(name: string, abs: string, h: TarHeader): Promise<void> {
    const existing = lstatOrNull(abs);
    if (!existing?.isDirectory() || this.pending.get(name)?.deferred) {
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
    this.pending.entry(name).dirTime = h.mtime;
    this.setXattrs(name, h.xattrs);
  }

  /**
   * Links `name` (at `abs`, nothing there) to the member `target`; false when the target is
   * not there yet (a later or deferred member). The target must be reached through real
   * directories of the layer; a symlink as the target itself is linked, not followed.
   */
  private async link(name: string, abs: string, target: string): Promise<boolean> {
    if (this.pending.get(target)?.deferred) return false;
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
   * everything below it (one subtree of the pending tree).
   */
  private async clear(rel: string, abs: string): Promise<void> {
    const st = lstatOrNull(abs);
    this.pending.remove(rel);
    if (!st) return;
    await rm(abs, { recursive: true, force: true }); // not followed: a symlink is removed itself
  }

  /**
   * A member's xattrs, minus overlay's own (a layer could otherwise plant redirects or metacopy
   * marks). Names must be plain (see `isPlainXattrName`): one with a newline could name another
   * file to `setfattr --restore`. Values are at most what Linux takes.
   */
  private setXattrs(rel: string, attrs: Map<string, Buffer> | undefined): void {
    for (const [key, value] of attrs ?? []) {
      if (!isPlainXattrName(key)) throw new UnsafeLayerPathError(rel, `an xattr name that is not plain printable ASCII: ${JSON.stringify(key.slice(0, 100))}`);
      if (value.length > MAX_XATTR_VALUE) throw new InvalidLayerError(`the xattr ${key} of ${JSON.stringify(rel.slice(0, 200))} has ${value.length} bytes; Linux takes at most ${MAX_XATTR_VALUE}`);
      if (isLayerXattr(key)) this.batch.addXattr(rel, key, value);
    }
  }
}

/** The uncompressed stream, hashed and counted as it passes; past `maxTarBytes` or once `signal` is aborted it stops. */
async function* hashed(source: AsyncIterable<Uint8Array>, hash: Hash, counter: { bytes: number }, limits: LayerLimits, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    signal?.throwIfAborted();
    hash.update(chunk);
    counter.bytes += chunk.byteLength;
    checkLimit(counter.bytes, limits.maxTarBytes, `more than ${limits.maxTarBytes} bytes uncompressed`);
    yield chunk;
  }
}

/** A regular file's content, owner, mode and time, written through a descriptor of the new file. */
async function writeMember(abs: string, h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
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
}

/** A symlink (its target is not followed, only checked to be a usable path). */
async function symlinkMember(name: string, abs: string, h: TarHeader): Promise<void> {
  const target = h.linkname ?? '';
  if (target === '') throw new UnsafeLayerPathError(name, 'a symlink with an empty target');
  if (target.includes('\0')) throw new UnsafeLayerPathError(name, 'a NUL byte in the symlink target');
  if (Buffer.byteLength(target) >= PATH_MAX) throw new UnsafeLayerPathError(name, `a symlink target longer than ${PATH_MAX - 1} bytes`);
  await symlink(target, abs);
  await lchown(abs, h.uid, h.gid);
  await lutimes(abs, h.mtime, h.mtime);
}
