import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

/** What `readRegularFile` found. */
export type RegularFileRead = { text: string } | { tooLarge: number } | undefined;

/**
 * The UTF-8 text of `path` in a tree that is the tenant's, read only when it is a regular file:
 * undefined when it is missing or anything else (a symlink is not followed — it could name a
 * file of the host — and a device node or fifo is never opened: opening a device as root on the
 * host has effects of its own, a watchdog starts, a tape rewinds); `{ tooLarge: size }` past
 * `maxBytes`, unread. The caller makes sure the folders above `path` are real folders.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<RegularFileRead> {
  // Looked at before it is opened: opening is what a device reacts to.
  if (!(await lstat(path).catch(() => undefined))?.isFile()) return undefined;
  // O_NONBLOCK: should a fifo take the file's place meanwhile, the open does not hang.
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    if (st.size > maxBytes) return { tooLarge: st.size };
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    return { text: buf.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await fh.close();
  }
}
