import { mkdir, open, readdir, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFoundError, DigestMismatchError, type BlobInfo, type BlobSource, type DeleteOptions, type BlobStore, type PutOptions, type StoredBlob } from './blob-store.js';
import { digestHex, digestOf, newDigester } from './digest.js';
import { removeStaleStaging } from './stale-staging.js';

/**
 * A blob store in a local folder: `<root>/sha256/<hex>` (pass `<dataDir>/blobs` as root).
 * `put` writes to `<root>/tmp/<random>` while hashing, fsyncs the file, renames it into place
 * and fsyncs the folder, so a blob is either absent or complete and durable. Putting a blob the
 * store already has writes nothing (for blobs up to 1 MiB, not even a temporary file).
 */
export class LocalBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private ready: Promise<void> | undefined;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'sha256');
    this.tmpDir = join(root, 'tmp');
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.blobsDir, { recursive: true });
      await mkdir(this.tmpDir, { recursive: true });
    })();
    return this.ready;
  }

  private file(digest: string): string {
    return join(this.blobsDir, digestHex(digest));
  }

  async put(data: BlobSource, options: PutOptions = {}): Promise<BlobInfo> {
    if (options.expectedDigest !== undefined) digestHex(options.expectedDigest); // validates early
    await this.init();
    const hash = newDigester();
    let size = 0;
    // A small blob is held in memory until its digest is known: when the store has it already
    // (steps that change nothing all give the same layer), nothing is written or synced.
    let held: Buffer[] = [];
    let heldBytes = 0;
    let tmp: string | undefined;
    let handle: FileHandle | undefined;
    const openTmp = async (): Promise<FileHandle> => {
      tmp = join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
      const h = await open(tmp, 'wx', 0o644);
      for (const piece of held) await writeAll(h, piece);
      held = [];
      return h;
    };
    try {
      try {
        const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = data instanceof Uint8Array ? [data] : data;
        for await (const chunk of chunks) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          hash.update(buf);
          size += buf.byteLength;
          if (!handle && heldBytes + buf.byteLength <= HELD_BYTES) {
            held.push(Buffer.from(buf)); // a copy: a source may reuse its buffer
            heldBytes += buf.byteLength;
            continue;
          }
          handle ??= await openTmp();
          await writeAll(handle, buf);
        }
        const digest = digestOf(hash);
        if (options.expectedDigest !== undefined && options.expectedDigest !== digest) {
          throw new DigestMismatchError(options.expectedDigest, digest);
        }
        // Already stored: that put made it durable before it resolved (and any later durable
        // put's journal commit covers a concurrent one still finishing). Its mtime is bumped, so
        // what lists blobs by the time they were written sees it as just written.
        if (await touch(this.file(digest))) return { digest, size };
        handle ??= await openTmp();
        await handle.sync();
        await handle.close();
        handle = undefined;
        await rename(tmp!, this.file(digest));
        tmp = undefined;
        await syncDir(this.blobsDir);
        return { digest, size };
      } finally {
        await handle?.close();
      }
    } finally {
      if (tmp !== undefined) await rm(tmp, { force: true });
    }
  }

  async get(digest: string): Promise<Readable> {
    const file = this.file(digest);
    const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new BlobNotFoundError(digest);
      throw err;
    });
    return handle.createReadStream({ highWaterMark: 1 << 20 });
  }

  async has(digest: string): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.file(digest))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async path(digest: string): Promise<string | undefined> {
    return (await this.has(digest)) ? this.file(digest) : undefined;
  }

  /** Every blob with its size and the time it was written (garbage collection reads this). */
  async *list(): AsyncGenerator<StoredBlob> {
    await this.init();
    for (const hex of await readdir(this.blobsDir)) {
      if (!/^[0-9a-f]{64}$/.test(hex)) continue;
      const st = await stat(join(this.blobsDir, hex)).catch(() => undefined);
      if (st) yield { digest: `sha256:${hex}`, size: st.size, writtenAtMs: st.mtimeMs };
    }
  }

  /** Unfinished writes of processes that no longer run (see `removeStaleStaging`); returns how many were removed. */
  async removeStaleTemporaries(beforeMs?: number): Promise<number> {
    await this.init();
    return removeStaleStaging(this.tmpDir, beforeMs);
  }

  async delete(digest: string, options: DeleteOptions = {}): Promise<boolean> {
    try {
      if (options.writtenBeforeMs !== undefined && (await stat(this.file(digest))).mtimeMs >= options.writtenBeforeMs) return false;
      await unlink(this.file(digest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}

/** Blobs up to this size are hashed in memory before anything is written. */
const HELD_BYTES = 1024 * 1024;

async function writeAll(handle: FileHandle, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.byteLength) {
    const { bytesWritten } = await handle.write(buf, off, buf.byteLength - off);
    off += bytesWritten;
  }
}

/** Sets a file's times to now; false when there is no such file. */
async function touch(file: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(file, now, now);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** fsync a directory so a rename in it is durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
