import type { FileHandle } from 'node:fs/promises';
import { KilnError } from '../../domain/errors.js';
import type { DiskRegion } from './partition-table.js';

/** The file systems Kiln reads a root from. */
export type FilesystemKind = 'ext' | 'xfs';

/** A region of the disk with a file system Kiln reads, by its superblock. */
export interface FoundFilesystem extends DiskRegion {
  kind: FilesystemKind;
}

const EXT_MAGIC = 0xef53;
const EXT_INCOMPAT_64BIT = 0x80;

/**
 * The kind of file system in `region`, from its superblock's magic (ext2/3/4: 0xEF53 at 1080;
 * XFS: `XFSB` at 0), or undefined (swap, FAT, LVM, an unknown one). A superblock that claims
 * more blocks than its region holds is `InvalidImage.DiskCorrupt`: the reader would otherwise
 * read past the partition (into the next one).
 */
export async function probeFilesystem(fh: FileHandle, region: DiskRegion): Promise<FoundFilesystem | undefined> {
  if (region.size < 2048) return undefined;
  const sb = Buffer.alloc(2048);
  const { bytesRead } = await fh.read(sb, 0, sb.length, region.start);
  if (bytesRead < sb.length) return undefined;
  if (sb.toString('latin1', 0, 4) === 'XFSB') {
    const blockSize = sb.readUInt32BE(4);
    const blocks = sb.readBigUInt64BE(8);
    if (blockSize < 512 || blockSize > 65536) throw claims(region, `an XFS block size of ${blockSize} bytes`);
    checkFits(region, blocks * BigInt(blockSize), 'XFS');
    return { ...region, kind: 'xfs' };
  }
  const ext = sb.subarray(1024);
  if (ext.readUInt16LE(56) === EXT_MAGIC) {
    const logBlock = ext.readUInt32LE(24);
    if (logBlock > 6) throw claims(region, `an ext block size of 2^${10 + logBlock} bytes`);
    const hi = (ext.readUInt32LE(0x60) & EXT_INCOMPAT_64BIT) !== 0 ? BigInt(ext.readUInt32LE(0x150)) : 0n;
    const blocks = (hi << 32n) | BigInt(ext.readUInt32LE(4));
    checkFits(region, blocks * BigInt(1024 << logBlock), 'ext');
    return { ...region, kind: 'ext' };
  }
  return undefined;
}

function checkFits(region: DiskRegion, bytes: bigint, what: string): void {
  if (bytes > BigInt(region.size)) throw claims(region, `an ${what} file system of ${bytes} bytes in its ${region.size}`);
}

function claims(region: DiskRegion, what: string): KilnError {
  return new KilnError('InvalidImage.DiskCorrupt', `The disk's ${region.name} is corrupt: its superblock claims ${what}.`);
}
