import { END_OF_ARCHIVE, encodeHeader, padding, type TarHeader } from './tar-header.js';

/** A member to write: its header and, for regular files, exactly `header.size` bytes of content. */
export interface TarWriteEntry {
  header: TarHeader;
  body?: Buffer | AsyncIterable<Uint8Array>;
}

/**
 * Serializes members into a tar stream (headers from `encodeHeader`, content, padding, and the
 * end-of-archive marker). The output depends only on the entries, in order. Throws when a
 * body's length differs from its header's size (e.g. a file changed while being archived).
 */
export async function* writeTar(entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>): AsyncGenerator<Buffer> {
  for await (const { header, body } of entries) {
    yield encodeHeader(header);
    if (header.type !== 'file') continue;
    let written = 0;
    if (body !== undefined) {
      const pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = Buffer.isBuffer(body) ? [body] : body;
      for await (const piece of pieces) {
        written += piece.byteLength;
        if (written > header.size) throw new Error(`${header.name}: more content than its size (${header.size})`);
        yield Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      }
    }
    if (written !== header.size) throw new Error(`${header.name}: ${written} bytes of content, header says ${header.size}`);
    yield padding(header.size);
  }
  yield END_OF_ARCHIVE;
}
