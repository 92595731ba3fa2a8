import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestMismatchError, type BlobInfo, type BlobSource } from './blob-store.js';
import { digestHex, digestOf, newDigester } from './digest.js';

/** A blob written to a local file and hashed: the file is the caller's to move or remove. */
export interface SpooledBlob extends BlobInfo {
  file: string;
}

/**
 * Writes `data` to a new file in `dir` while hashing it (memory stays at one chunk), so the
 * digest is known before anything leaves the machine. The file is named `<pid>-<random>`, so
 * `removeStaleStaging` removes it if this process dies before its owner does. When the content
 * does not hash to `expectedDigest` the file is removed and `DigestMismatchError` thrown.
 */
export async function spoolBlob(data: BlobSource, dir: string, expectedDigest?: string): Promise<SpooledBlob> {
  if (expectedDigest !== undefined) digestHex(expectedDigest); // validates early
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  const handle = await open(file, 'wx', 0o600);
  let kept = false;
  try {
    const hash = newDigester();
    let size = 0;
    const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = data instanceof Uint8Array ? [data] : data;
    for await (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      hash.update(buf);
      size += buf.byteLength;
      await writeAll(handle, buf);
    }
    const digest = digestOf(hash);
    if (expectedDigest !== undefined && expectedDigest !== digest) throw new DigestMismatchError(expectedDigest, digest);
    kept = true;
    return { file, digest, size };
  } finally {
    await handle.close();
    if (!kept) await rm(file, { force: true });
  }
}

async function writeAll(handle: FileHandle, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.byteLength) {
    const { bytesWritten } = await handle.write(buf, off, buf.byteLength - off);
    off += bytesWritten;
  }
}
