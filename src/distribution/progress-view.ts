import type { BlobAction, TransferProgress } from './transfer-progress.js';

const BAR_WIDTH = 30;
/** A TTY's bar is redrawn at most this often. */
const REDRAW_MS = 100;

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

const short = (digest: string) => digest.slice(0, 19);

const HOW: Record<BlobAction, string> = { exists: 'already in the repository', mounted: 'mounted from', uploaded: 'uploaded', downloaded: 'downloaded' };

/**
 * A push's or pull's progress on `out` (stderr): on a terminal one bar redrawn in place (bytes
 * moved of the image's total), otherwise one plain line per blob when it is done. `verb` opens
 * the first line (`pushing 3 blobs, … bytes`).
 */
export function progressView(out: NodeJS.WriteStream, verb: 'pushing' | 'pulling'): TransferProgress {
  let total = 0;
  let sent = 0;
  let count = 0;
  let finished = 0;
  let drawn = 0;
  const tty = out.isTTY === true;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - drawn < REDRAW_MS) return;
    drawn = now;
    const share = total > 0 ? Math.min(1, sent / total) : 1;
    const full = Math.round(share * BAR_WIDTH);
    out.write(`\r[${'#'.repeat(full)}${' '.repeat(BAR_WIDTH - full)}] ${Math.floor(share * 100)}% ${mb(sent)}/${mb(total)} blobs ${finished}/${count}`);
  };
  return {
    begin(blobs, bytes) {
      total = bytes;
      count = blobs.length;
      if (!tty) out.write(`${verb} ${blobs.length} blobs, ${bytes} bytes\n`);
      else draw(true);
    },
    bytes(_digest, n) {
      sent += n;
      if (tty) draw(false);
    },
    done(blob, action, from) {
      finished++;
      if (tty) {
        draw(true);
        if (finished === count) out.write('\n');
        return;
      }
      const how = action === 'mounted' ? `${HOW.mounted} ${from}` : HOW[action];
      out.write(`blob ${short(blob.digest)} ${blob.size} bytes: ${how} (${finished}/${count})\n`);
    },
  };
}
