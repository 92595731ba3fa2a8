import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TarFormatError } from './layer-errors.js';
import { asyncIteratorOf, type ByteInput } from './tar/tar-reader.js';

/**
 * The input, gunzipped when it starts with gzip's magic bytes. However the caller stops reading
 * (the end, an error, `return()`), the input's iterator is closed — a file stream is destroyed
 * and its descriptor released — and so is the gunzip stream. A corrupt gzip stream is a
 * `TarFormatError`.
 */
export async function* decompressed(input: ByteInput): AsyncGenerator<Uint8Array> {
  const it = asyncIteratorOf(input);
  try {
    let first = await it.next();
    while (!first.done && first.value.byteLength === 0) first = await it.next();
    if (first.done) return;
    const head = first.value;
    if (!(head[0] === 0x1f && head[1] === 0x8b)) {
      yield head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
      return;
    }
    const all = (async function* () {
      yield head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    })();
    const gunzip = createGunzip();
    pipeline(Readable.from(all), gunzip, () => undefined); // errors surface on `gunzip`
    try {
      yield* gunzip as AsyncIterable<Buffer>;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('Z_')) throw new TarFormatError(`not a valid gzip stream: ${(err as Error).message}`);
      throw err;
    } finally {
      gunzip.destroy();
    }
  } finally {
    await closeIterator(it);
  }
}

/** Ends an input iterator early (a stream's iterator destroys the stream); its own errors are not the caller's. */
export async function closeIterator(it: AsyncIterator<unknown>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // closing a failed source: the failure that matters is the caller's
  }
}

/** Releases an input whoever reads it (a stream is destroyed; other inputs need nothing). */
export function releaseInput(input: ByteInput): void {
  const destroy = (input as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') (destroy as () => void).call(input);
}
