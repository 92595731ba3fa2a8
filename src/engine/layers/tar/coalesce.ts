/**
 * Groups small buffers into writes of at least `minBytes` (headers are 512 bytes each; one
 * write per header would make archiving many small files syscall-bound). Large pieces pass
 * through without a copy.
 */
export async function* coalesce(source: AsyncIterable<Buffer>, minBytes = 256 * 1024): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    if (piece.length === 0) continue;
    if (pendingBytes === 0 && piece.length >= minBytes) {
      yield piece;
      continue;
    }
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes >= minBytes) {
      yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
}
