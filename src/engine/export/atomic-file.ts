import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Runs `write` on a temporary file beside `file` (same directory, so the final rename is atomic)
 * and renames it to `file` once `write` resolves. When `write` throws (or the signal was
 * aborted meanwhile), the temporary file is removed and nothing appears under `file`.
 */
export async function writeAtomically<T>(file: string, write: (tmp: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const tmp = join(dirname(file), `.${basename(file)}.kiln-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    signal?.throwIfAborted();
    const result = await write(tmp);
    signal?.throwIfAborted();
    await rename(tmp, file);
    return result;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
