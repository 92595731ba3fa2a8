import { formatBytes } from '../domain/bytes.js';

/** The line stored, once, in place of an execution's output past its cap. */
export function truncationLine(maxBytes: number): string {
  return `kiln: log truncated: output past ${formatBytes(maxBytes)} of this execution is not kept\n`;
}

/** The longest head of `text` that is at most `bytes` bytes of UTF-8, cut between characters. */
function utf8Head(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  let end = Math.min(bytes, buf.length);
  // Back off continuation bytes (10xxxxxx): the cut falls before the character they belong to.
  while (end > 0 && end < buf.length && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/**
 * An execution's stored output, counted against its cap in bytes of UTF-8 (every stream,
 * Kiln's own lines included). Output up to the cap is kept; the piece that crosses it is cut
 * at the cap; everything after is dropped, and the first cut adds the truncation line (not
 * counted), so an execution stores at most `maxBytes` plus that line. The build itself goes
 * on: the cap only decides what is stored. `maxBytes` 0: no cap.
 */
export class LogCap {
  private used = 0;
  private cut = false;
  /** Whether the last kept output ended a line (the truncation line then needs no line break before it). */
  private atLineStart = true;

  constructor(readonly maxBytes: number) {}

  /** What of `text` is stored (`kept`, possibly empty) and, on the first cut, the line that says so. */
  admit(text: string): { kept: string; notice?: string } {
    if (this.maxBytes <= 0) return { kept: text };
    if (this.cut) return { kept: '' };
    const size = Buffer.byteLength(text, 'utf8');
    if (this.used + size <= this.maxBytes) {
      this.used += size;
      if (text !== '') this.atLineStart = text.endsWith('\n');
      return { kept: text };
    }
    const kept = utf8Head(text, this.maxBytes - this.used);
    this.used += Buffer.byteLength(kept, 'utf8');
    if (kept !== '') this.atLineStart = kept.endsWith('\n');
    this.cut = true;
    return { kept, notice: `${this.atLineStart ? '' : '\n'}${truncationLine(this.maxBytes)}` };
  }
}
