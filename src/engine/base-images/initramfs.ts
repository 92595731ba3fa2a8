import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** The most bytes of an initramfs file read, and the most its compressed part may unpack to. */
const MAX_FILE_BYTES = 512 * 1024 ** 2;
const MAX_UNPACKED_BYTES = 1024 ** 3;
const NEWC_MAGIC = /^07070[12]$/;
const HEADER_BYTES = 110;

/** An initramfs Kiln cannot list: truncated, not a cpio, or compressed with what it cannot read here. */
export class InitramfsUnreadableError extends Error {
  constructor(path: string, why: string) {
    super(`${path} cannot be read as an initramfs: ${why}`);
    this.name = 'InitramfsUnreadableError';
  }
}

/**
 * The member names of an initramfs (what `lsinitramfs` lists, without the leading `./`): leading
 * uncompressed newc cpio archives (early microcode, firmware) then one gzip-compressed cpio,
 * as initramfs-tools writes with `COMPRESS=gzip`. Bounded: files past 512 MiB, an unpacked
 * part past 1 GiB, any other compression (zstd, xz, lz4: named in the error) are refused.
 */
export async function listInitramfs(path: string): Promise<string[]> {
  const data = await readBounded(path);
  const names: string[] = [];
  let offset = 0;
  for (;;) {
    while (offset < data.length && data[offset] === 0) offset++;
    if (offset >= data.length) return names;
    if (NEWC_MAGIC.test(data.subarray(offset, offset + 6).toString('latin1'))) {
      offset = readCpio(data, offset, names, path);
      continue;
    }
    if (data[offset] !== 0x1f || data[offset + 1] !== 0x8b) throw new InitramfsUnreadableError(path, `its compressed part is ${compressionOf(data.subarray(offset, offset + 6))}, not gzip`);
    let unpacked: Buffer;
    try {
      unpacked = gunzipSync(data.subarray(offset), { maxOutputLength: MAX_UNPACKED_BYTES });
    } catch (err) {
      throw new InitramfsUnreadableError(path, `gzip: ${(err as Error).message}`);
    }
    for (let at = 0; ;) {
      while (at < unpacked.length && unpacked[at] === 0) at++;
      if (at >= unpacked.length) return names;
      at = readCpio(unpacked, at, names, path);
    }
  }
}

/** Reads one newc archive from `offset` up to and including its trailer; returns the offset after it. */
function readCpio(data: Buffer, offset: number, names: string[], path: string): number {
  let at = offset;
  for (;;) {
    if (at + HEADER_BYTES > data.length) throw new InitramfsUnreadableError(path, 'a cpio archive ends without its trailer');
    if (!NEWC_MAGIC.test(data.subarray(at, at + 6).toString('latin1'))) throw new InitramfsUnreadableError(path, `no cpio header at byte ${at}`);
    const field = (i: number) => Number.parseInt(data.subarray(at + 6 + i * 8, at + 14 + i * 8).toString('latin1'), 16);
    const fileSize = field(6);
    const nameSize = field(11);
    if (!Number.isFinite(fileSize) || !Number.isFinite(nameSize) || nameSize < 1) throw new InitramfsUnreadableError(path, `a bad cpio header at byte ${at}`);
    const name = data.subarray(at + HEADER_BYTES, at + HEADER_BYTES + nameSize - 1).toString('utf8');
    at = align4(align4(at + HEADER_BYTES + nameSize) + fileSize);
    if (at > data.length) throw new InitramfsUnreadableError(path, `the member ${name} is cut short`);
    if (name === 'TRAILER!!!') return at;
    names.push(name.replace(/^\.\//, ''));
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function compressionOf(head: Buffer): string {
  const hex = head.toString('hex');
  if (hex.startsWith('28b52ffd')) return 'zstd';
  if (hex.startsWith('fd377a585a00')) return 'xz';
  if (hex.startsWith('02214c18') || hex.startsWith('04224d18')) return 'lz4';
  if (hex.startsWith('5d00')) return 'lzma';
  if (hex.startsWith('425a68')) return 'bzip2';
  return `unknown (starts ${hex})`;
}

async function readBounded(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES) throw new InitramfsUnreadableError(path, `it is larger than ${MAX_FILE_BYTES} bytes`);
    const buf = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buf, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buf.subarray(0, read);
  } finally {
    await handle.close();
  }
}
