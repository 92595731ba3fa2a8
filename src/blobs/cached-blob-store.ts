import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, type BlobInfo, type DeleteOptions, type BlobSource, type BlobStore, type PutOptions, type StoredBlob } from './blob-store.js';
import { digestHex, digestOf, newDigester } from './digest.js';
import { spoolBlob, type SpooledBlob } from './spool.js';
import { removeStaleStaging } from './stale-staging.js';

/** A remote blob store that can take a blob from a local file already hashed (see `S3BlobStore.putSpooled`). */
export interface RemoteBlobStore extends BlobStore {
  putSpooled(blob: SpooledBlob): Promise<void>;
}

export interface BlobCacheOptions {
  /** The cache's folder (`<dataDir>/blob-cache`): `sha256/<hex>` files and `tmp/`. */
  dir: string;
  /** The bound on the cached files' bytes; least recently used files are removed past it. */
  maxBytes: number;
}

/**
 * A remote blob store seen through a size-bounded read-through cache on this host, so layer
 * extraction and exports read a local file (`path`, `get`) and a blob is downloaded once per host.
 *
 * - Fills are atomic: a download goes to `tmp/<pid>-<random>` while it is hashed, and is renamed
 *   to `sha256/<hex>` only when it hashes to its digest (else the read fails and nothing is kept).
 *   Readers of one digest in this process share one download.
 * - A cached file is used only once this process has hashed it: when it filled it (or put it),
 *   or on its first use after a restart; a file that does not hash to its name (a torn write
 *   before a crash, a changed disk) is removed and downloaded again.
 * - The bound: after each fill, the least recently used files (by mtime, which every use
 *   refreshes, so the processes of one host share the order) are removed until the cached bytes
 *   are at most `maxBytes`; the blob just filled is never removed then (a blob bigger than the
 *   bound stays until the next fill). A reader that has the file open keeps reading it after
 *   its removal; a `path` caller should open the file at once.
 * - `put` uploads through the remote store and keeps its spooled file as the cached copy.
 * - `has`, `size`, `list` and `delete` ask the remote store, which is the truth for every host.
 */
export class CachedBlobStore implements BlobStore {
  private readonly filesDir: string;
  private readonly tmpDir: string;
  private readonly filling = new Map<string, Promise<string>>();
  /** Digest → `ino:size` of the file this process hashed. */
  private readonly verified = new Map<string, string>();
  private evicting: Promise<void> = Promise.resolve();
  private ready: Promise<void> | undefined;

  constructor(
    readonly remote: RemoteBlobStore,
    private readonly o: BlobCacheOptions,
  ) {
    this.filesDir = join(o.dir, 'sha256');
    this.tmpDir = join(o.dir, 'tmp');
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.filesDir, { recursive: true });
      await mkdir(this.tmpDir, { recursive: true });
    })();
    return this.ready;
  }

  private file(digest: string): string {
    return join(this.filesDir, digestHex(digest));
  }

  async put(data: BlobSource, options: PutOptions = {}): Promise<BlobInfo> {
    await this.init();
    const spooled = await spoolBlob(data, this.tmpDir, options.expectedDigest);
    try {
      await this.remote.putSpooled(spooled);
      await this.keep(spooled);
      return { digest: spooled.digest, size: spooled.size };
    } finally {
      await rm(spooled.file, { force: true });
    }
  }

  async get(digest: string): Promise<Readable> {
    for (let attempt = 0; ; attempt++) {
      const file = await this.local(digest);
      try {
        const handle = await open(file, 'r');
        return handle.createReadStream({ highWaterMark: 1 << 20 });
      } catch (err) {
        // removed by another process's eviction between the check and the open: once more
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      }
    }
  }

  /** The cached file of the blob (downloaded first when needed); `undefined` when the remote store has no such blob. */
  async path(digest: string): Promise<string | undefined> {
    try {
      return await this.local(digest);
    } catch (err) {
      if ((err as Error).name === 'BlobNotFoundError') return undefined;
      throw err;
    }
  }

  has(digest: string): Promise<boolean> {
    return this.remote.has(digest);
  }

  size(digest: string): Promise<number | undefined> {
    return this.remote.size(digest);
  }

  async delete(digest: string, options?: DeleteOptions): Promise<boolean> {
    const deleted = await this.remote.delete(digest, options);
    if (!deleted && options?.writtenBeforeMs !== undefined) return false;
    await rm(this.file(digest), { force: true });
    this.verified.delete(digest);
    return deleted;
  }

  list(): AsyncIterable<StoredBlob> {
    return this.remote.list();
  }

  async removeStaleTemporaries(beforeMs?: number): Promise<number> {
    await this.init();
    return (await this.remote.removeStaleTemporaries(beforeMs)) + (await removeStaleStaging(this.tmpDir, beforeMs));
  }

  /** The bytes the cache holds now (every process's files). */
  async cachedBytes(): Promise<number> {
    let bytes = 0;
    for (const f of await this.cachedFiles()) bytes += f.size;
    return bytes;
  }

  /** A verified local file of the blob: the cached one, or a new download. */
  private async local(digest: string): Promise<string> {
    await this.init();
    const file = this.file(digest);
    if (!this.filling.has(digest) && (await this.usable(digest, file))) return file;
    const filling = this.filling.get(digest);
    if (filling) return filling;
    const fill = this.fill(digest).finally(() => this.filling.delete(digest));
    this.filling.set(digest, fill);
    return fill;
  }

  /** Whether the cached file is there and hashes to its name (hashed once per process); refreshes its use time. */
  private async usable(digest: string, file: string): Promise<boolean> {
    const st = await stat(file).catch(() => undefined);
    if (!st) return false;
    const id = `${st.ino}:${st.size}`;
    if (this.verified.get(digest) !== id) {
      const hash = newDigester();
      await pipeline(createReadStream(file), hash);
      if (digestOf(hash) !== digest) {
        await rm(file, { force: true });
        return false;
      }
      this.verified.set(digest, id);
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    return true;
  }

  private async fill(digest: string): Promise<string> {
    const body = await this.remote.get(digest);
    let spooled: SpooledBlob;
    try {
      spooled = await spoolBlob(body, this.tmpDir, digest);
    } catch (err) {
      body.destroy();
      if (err instanceof DigestMismatchError) throw new DigestMismatchError(digest, `${err.actual} (the remote object of ${digest} is not that blob)`);
      throw err;
    }
    try {
      return await this.keep(spooled);
    } finally {
      await rm(spooled.file, { force: true });
    }
  }

  /** Moves a hashed spool file into the cache, then brings the cache within its bound. */
  private async keep(spooled: SpooledBlob): Promise<string> {
    const file = this.file(spooled.digest);
    await rename(spooled.file, file);
    const st = await stat(file);
    this.verified.set(spooled.digest, `${st.ino}:${st.size}`);
    const evict = this.evicting.then(() => this.evict(spooled.digest));
    this.evicting = evict.catch(() => undefined);
    await evict;
    return file;
  }

  /** Removes least recently used files until the cache is within its bound, never `keep`. */
  private async evict(keep: string): Promise<void> {
    const files = await this.cachedFiles();
    let bytes = files.reduce((sum, f) => sum + f.size, 0);
    if (bytes <= this.o.maxBytes) return;
    files.sort((a, b) => a.usedAtMs - b.usedAtMs);
    const kept = digestHex(keep);
    for (const f of files) {
      if (bytes <= this.o.maxBytes) break;
      if (f.hex === kept || this.filling.has(`sha256:${f.hex}`)) continue;
      await unlink(join(this.filesDir, f.hex)).catch(() => undefined);
      this.verified.delete(`sha256:${f.hex}`);
      bytes -= f.size;
    }
  }

  private async cachedFiles(): Promise<Array<{ hex: string; size: number; usedAtMs: number }>> {
    const out: Array<{ hex: string; size: number; usedAtMs: number }> = [];
    for (const hex of await readdir(this.filesDir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{64}$/.test(hex)) continue;
      const st = await stat(join(this.filesDir, hex)).catch(() => undefined);
      if (st) out.push({ hex, size: st.size, usedAtMs: st.mtimeMs });
    }
    return out;
  }
}
