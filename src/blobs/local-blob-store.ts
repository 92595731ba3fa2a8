import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFoundError, DigestMismatchError, type BlobInfo, type BlobSource, type BlobStore, type PutOptions } from './blob-store.js';
import { digestHex, digestOf, newDigester } from './digest.js';

/**
 * A blob store in a local folder: `<root>/sha256/<hex>` (pass `<dataDir>/blobs` as root).
 * `put` writes to `<root>/tmp/<random>` while hashing, fsyncs the file, renames it into place
 * and fsyncs the folder, so a blob is either absent or complete and durable.
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
    const tmp = join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const hash = newDigester();
    let size = 0;
    const handle = await open(tmp, 'wx', 0o644);
    try {
      try {
        const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = data instanceof Uint8Array ? [data] : data;
        for await (const chunk of chunks) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          hash.update(buf);
          size += buf.byteLength;
          let off = 0;
          while (off < buf.byteLength) {
            const { bytesWritten } = await handle.write(buf, off, buf.byteLength - off);
            off += bytesWritten;
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const digest = digestOf(hash);
      if (options.expectedDigest !== undefined && options.expectedDigest !== digest) {
        throw new DigestMismatchError(options.expectedDigest, digest);
      }
      await rename(tmp, this.file(digest));
      await syncDir(this.blobsDir);
      return { digest, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
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

  async delete(digest: string): Promise<boolean> {
    try {
      await unlink(this.file(digest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
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
