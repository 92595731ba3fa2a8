import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Hash } from 'node:crypto';
import { digestOf, newDigester, type Digest } from '../../blobs/digest.js';
import { runCommand } from '../system/run-command.js';
import type { TarHeader } from './tar/tar-header.js';
import { asyncIteratorOf, readTar, type ByteInput } from './tar/tar-reader.js';
import { isLayerXattr, OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './whiteouts.js';
import { writeXattrs } from './xattrs.js';

export interface ExtractResult {
  /** sha256 of the uncompressed tar (the layer's diffID). */
  diffId: Digest;
  /** Bytes of uncompressed tar read. */
  tarSize: number;
}

/** A member that would land outside the target (`..`, or through a symlink in the layer). */
export class UnsafeLayerPathError extends Error {
  constructor(path: string, why: string) {
    super(`unsafe path in layer: ${JSON.stringify(path)} (${why})`);
    this.name = 'UnsafeLayerPathError';
  }
}

/**
 * Unpacks an OCI layer tar (plain or gzip, detected by its magic bytes) into `targetDir` so the
 * directory can be an overlay lower dir: `.wh.<name>` members become whiteouts (character
 * device 0/0), `.wh..wh..opq` marks its directory opaque (`trusted.overlay.opaque=y`), other
 * `.wh..wh.*` members are ignored. Owners, modes, mtimes, symlinks, hardlinks, device nodes,
 * fifos and xattrs are restored. Members are applied in order over whatever `targetDir` holds
 * (a later member replaces an earlier one). Refuses names with `..` and members that would be
 * written through a symlink. Returns the diffID computed over the whole uncompressed stream.
 */
export async function extractLayer(input: ByteInput, targetDir: string): Promise<ExtractResult> {
  await mkdir(targetDir, { recursive: true });
  const hash = newDigester();
  const counter = { bytes: 0 };
  const ex = new Extraction(targetDir);
  for await (const { header, body } of readTar(hashed(decompressed(input), hash, counter))) {
    await ex.apply(header, body);
  }
  await ex.finish();
  return { diffId: digestOf(hash), tarSize: counter.bytes };
}

interface Special {
  kind: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  header: TarHeader;
}

class Extraction {
  /** Relative paths known to be real directories of ours (never symlinks). */
  private readonly safeDirs = new Set<string>(['']);
  private readonly dirTimes = new Map<string, number>();
  private readonly specials = new Map<string, Special>();
  private readonly xattrs = new Map<string, Map<string, Buffer>>();
  private readonly deferredLinks: [string, string][] = [];

  constructor(private readonly root: string) {}

  private abs(rel: string): string {
    return join(this.root, rel);
  }

  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const name = h.name;
    checkName(name);
    const base = posix.basename(name);
    const parent = posix.dirname(name) === '.' ? '' : posix.dirname(name);

    if (base === OPAQUE_MARKER) {
      await this.ensureDir(parent);
      this.addXattr(parent, OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // aufs bookkeeping
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const target = parent === '' ? base.slice(WHITEOUT_PREFIX.length) : `${parent}/${base.slice(WHITEOUT_PREFIX.length)}`;
      checkName(target);
      await this.ensureParents(target);
      await this.clear(target);
      this.specials.set(target, { kind: 'c', major: 0, minor: 0, header: { ...h, name: target, mode: h.mode & 0o7777 } });
      return;
    }

    await this.ensureParents(name);
    const abs = this.abs(name);
    if (h.type === 'directory') {
      const existing = await lstatOrNull(abs);
      if (existing && !existing.isDirectory()) await this.clear(name);
      if (!existing || !existing.isDirectory()) await mkdir(abs, { mode: 0o700 });
      this.specials.delete(name);
      await lchown(abs, h.uid, h.gid);
      await chmod(abs, h.mode);
      this.safeDirs.add(name);
      this.dirTimes.set(name, h.mtime);
      this.setXattrs(name, h.xattrs);
      return;
    }

    await this.clear(name);
    switch (h.type) {
      case 'file': {
        const handle = await open(abs, 'wx', 0o600);
        try {
          for await (const piece of body) {
            let off = 0;
            while (off < piece.length) off += (await handle.write(piece, off, piece.length - off)).bytesWritten;
          }
        } finally {
          await handle.close();
        }
        await this.setMeta(abs, h);
        break;
      }
      case 'symlink':
        await symlink(h.linkname ?? '', abs);
        await lchown(abs, h.uid, h.gid);
        await lutimes(abs, h.mtime, h.mtime);
        break;
      case 'hardlink': {
        const target = h.linkname ?? '';
        checkName(target);
        if (!(await this.tryLink(target, name))) this.deferredLinks.push([target, name]);
        break;
      }
      case 'char':
      case 'block':
      case 'fifo':
        this.specials.set(name, { kind: h.type === 'char' ? 'c' : h.type === 'block' ? 'b' : 'p', major: h.devmajor ?? 0, minor: h.devminor ?? 0, header: h });
        break;
    }
    this.setXattrs(name, h.xattrs);
  }

  /** Device nodes and whiteouts (one `mknod` script), deferred hardlinks, xattrs, then directory mtimes. */
  async finish(): Promise<void> {
    if (this.specials.size > 0) {
      let script = 'set -e\n';
      for (const [rel, s] of this.specials) {
        const dev = s.kind === 'p' ? '' : ` ${s.major} ${s.minor}`;
        script += `mknod -m 0000 ${shellQuote(this.abs(rel))} ${s.kind}${dev}\n`;
      }
      await runCommand('sh', ['-s'], { input: script });
      for (const [rel, s] of this.specials) await this.setMeta(this.abs(rel), s.header);
    }
    for (const [target, name] of this.deferredLinks) {
      if (!(await this.tryLink(target, name))) throw new Error(`hardlink ${name} → ${target}: target not in layer`);
    }
    await writeXattrs([...this.xattrs].map(([rel, attrs]) => [this.abs(rel), attrs] as [string, Map<string, Buffer>]));
    const dirs = [...this.dirTimes].sort(([a], [b]) => b.split('/').length - a.split('/').length);
    for (const [rel, mtime] of dirs) await utimes(this.abs(rel), mtime, mtime);
  }

  private async setMeta(abs: string, h: TarHeader): Promise<void> {
    await lchown(abs, h.uid, h.gid);
    await chmod(abs, h.mode); // after chown, which clears setuid/setgid bits
    await utimes(abs, h.mtime, h.mtime);
  }

  private async tryLink(target: string, name: string): Promise<boolean> {
    await this.ensureParents(target);
    const st = await lstatOrNull(this.abs(target));
    if (!st || this.specials.has(target)) return false;
    if (st.isDirectory()) throw new UnsafeLayerPathError(name, 'hardlink to a directory');
    await this.clear(name);
    await link(this.abs(target), this.abs(name));
    return true;
  }

  /** Removes whatever is at `rel` (a replaced member), forgetting directories below it. */
  private async clear(rel: string): Promise<void> {
    this.specials.delete(rel);
    const st = await lstatOrNull(this.abs(rel));
    if (!st) return;
    await rm(this.abs(rel), { recursive: true, force: true });
    if (st.isDirectory()) {
      for (const d of [...this.safeDirs]) if (d === rel || d.startsWith(`${rel}/`)) this.safeDirs.delete(d);
      for (const d of [...this.dirTimes.keys()]) if (d === rel || d.startsWith(`${rel}/`)) this.dirTimes.delete(d);
      for (const d of [...this.xattrs.keys()]) if (d === rel || d.startsWith(`${rel}/`)) this.xattrs.delete(d);
    } else {
      this.xattrs.delete(rel);
    }
  }

  private async ensureParents(rel: string): Promise<void> {
    const parent = posix.dirname(rel);
    if (parent !== '.') await this.ensureDir(parent);
  }

  /** Makes `rel` a real directory (0755 when created implicitly); refuses to go through symlinks. */
  private async ensureDir(rel: string): Promise<void> {
    if (this.safeDirs.has(rel)) return;
    await this.ensureParents(rel);
    const abs = this.abs(rel);
    const st = await lstatOrNull(abs);
    if (!st) await mkdir(abs, { mode: 0o755 });
    else if (!st.isDirectory()) throw new UnsafeLayerPathError(rel, st.isSymbolicLink() ? 'a symlink is used as a directory' : 'not a directory');
    this.safeDirs.add(rel);
  }

  /** A member's xattrs, minus overlay's own (a layer could otherwise plant redirects or metacopy marks). */
  private setXattrs(rel: string, attrs: Map<string, Buffer> | undefined): void {
    for (const [key, value] of attrs ?? []) if (isLayerXattr(key)) this.addXattr(rel, key, value);
  }

  private addXattr(rel: string, key: string, value: Buffer): void {
    let m = this.xattrs.get(rel);
    if (!m) this.xattrs.set(rel, (m = new Map()));
    m.set(key, value);
  }
}

function checkName(name: string): void {
  if (name === '' || name.split('/').some((p) => p === '..')) throw new UnsafeLayerPathError(name, 'escapes the layer');
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
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
