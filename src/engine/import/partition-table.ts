import type { FileHandle } from 'node:fs/promises';
import { KilnError } from '../../domain/errors.js';

/** A stretch of the raw disk that may hold a file system, in bytes. */
export interface DiskRegion {
  /** `partition 2`, `logical partition 5`, `the whole disk`: for messages. */
  name: string;
  start: number;
  size: number;
}

const SECTOR = 512;
/** The most GPT entries read (real tables have 128) and the largest entry size accepted. */
const MAX_GPT_ENTRIES = 1024;
const MAX_GPT_ENTRY_SIZE = 4096;
/** The most logical partitions followed through an extended partition's chain. */
const MAX_LOGICAL = 128;
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);
const GPT_PROTECTIVE = 0xee;

/**
 * The regions of a raw disk that may hold a file system: the partitions of its GPT (512-byte
 * sectors) or MBR (primary, and logical ones through the extended partition's chain), or the
 * whole disk when it has no partition table (a bare file system). Every number is checked
 * against the disk's size before it is used: a partition that ends past the disk, a GPT whose
 * entries lie outside it, or a logical chain that loops is `InvalidImage.DiskCorrupt`. Memory
 * is bounded (at most 4 MiB of GPT entries are read).
 */
export async function diskRegions(fh: FileHandle, diskBytes: number): Promise<DiskRegion[]> {
  const mbr = await readAt(fh, 0, SECTOR, diskBytes);
  const entries = mbr && mbr[510] === 0x55 && mbr[511] === 0xaa ? mbrEntries(mbr) : undefined;
  if (entries?.some((e) => e.type === GPT_PROTECTIVE)) return gptRegions(fh, diskBytes);
  if (!entries || entries.length === 0) {
    const gpt = await readAt(fh, SECTOR, SECTOR, diskBytes);
    if (gpt?.toString('latin1', 0, 8) === 'EFI PART') return gptRegions(fh, diskBytes);
    return [{ name: 'the whole disk', start: 0, size: diskBytes }];
  }
  const regions: DiskRegion[] = [];
  for (const e of entries) {
    if (EXTENDED_TYPES.has(e.type)) regions.push(...(await logicalRegions(fh, diskBytes, e.start * SECTOR)));
    else regions.push(checked({ name: `partition ${e.index}`, start: e.start * SECTOR, size: e.count * SECTOR }, diskBytes));
  }
  return regions;
}

interface MbrEntry { index: number; type: number; start: number; count: number }

/** The used entries of an MBR; none when the sector is not a partition table (boot flags other than 0x00/0x80). */
function mbrEntries(sector: Buffer): MbrEntry[] | undefined {
  const entries: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const e = sector.subarray(446 + 16 * i, 462 + 16 * i);
    if (e[0] !== 0x00 && e[0] !== 0x80) return undefined;
    const type = e[4]!;
    const count = e.readUInt32LE(12);
    if (type !== 0 && count > 0) entries.push({ index: i + 1, type, start: e.readUInt32LE(8), count });
  }
  return entries;
}

async function logicalRegions(fh: FileHandle, diskBytes: number, extendedStart: number): Promise<DiskRegion[]> {
  const regions: DiskRegion[] = [];
  const seen = new Set<number>();
  let ebr = extendedStart;
  for (let n = 5; ; n++) {
    if (seen.has(ebr) || n - 5 >= MAX_LOGICAL) throw corruptTable(`the extended partition's chain of logical partitions loops or is longer than ${MAX_LOGICAL}`);
    seen.add(ebr);
    const sector = await readAt(fh, ebr, SECTOR, diskBytes);
    if (sector?.[510] !== 0x55 || sector[511] !== 0xaa) throw corruptTable(`the extended partition's boot record at byte ${ebr} is missing`);
    const [logical, next] = [sector.subarray(446, 462), sector.subarray(462, 478)];
    const count = logical.readUInt32LE(12);
    if (logical[4] !== 0 && count > 0) regions.push(checked({ name: `logical partition ${n}`, start: ebr + logical.readUInt32LE(8) * SECTOR, size: count * SECTOR }, diskBytes));
    if (next[4] === 0 || next.readUInt32LE(12) === 0) return regions;
    ebr = extendedStart + next.readUInt32LE(8) * SECTOR;
  }
}

async function gptRegions(fh: FileHandle, diskBytes: number): Promise<DiskRegion[]> {
  const header = await readAt(fh, SECTOR, 92, diskBytes);
  if (header?.toString('latin1', 0, 8) !== 'EFI PART') throw corruptTable('the protective MBR announces a GPT, and there is no GPT header at sector 1');
  const entriesAt = safeNumber(header.readBigUInt64LE(72)) * SECTOR;
  const count = header.readUInt32LE(80);
  const entrySize = header.readUInt32LE(84);
  if (count > MAX_GPT_ENTRIES || entrySize < 128 || entrySize > MAX_GPT_ENTRY_SIZE || entrySize % 8 !== 0) {
    throw corruptTable(`the GPT lists ${count} entries of ${entrySize} bytes (Kiln reads at most ${MAX_GPT_ENTRIES} entries of 128 to ${MAX_GPT_ENTRY_SIZE} bytes)`);
  }
  const table = await readAt(fh, entriesAt, count * entrySize, diskBytes);
  if (!table) throw corruptTable(`the GPT's entries (at byte ${entriesAt}) lie past the end of the disk`);
  const regions: DiskRegion[] = [];
  for (let i = 0; i < count; i++) {
    const e = table.subarray(i * entrySize, (i + 1) * entrySize);
    if (e.subarray(0, 16).every((b) => b === 0)) continue;
    const first = safeNumber(e.readBigUInt64LE(32));
    const last = safeNumber(e.readBigUInt64LE(40));
    if (last < first) throw corruptTable(`GPT partition ${i + 1} ends (sector ${last}) before it starts (sector ${first})`);
    regions.push(checked({ name: `partition ${i + 1}`, start: first * SECTOR, size: (last - first + 1) * SECTOR }, diskBytes));
  }
  return regions;
}

/** `length` bytes at `offset`, or undefined when they are not all inside the disk. */
async function readAt(fh: FileHandle, offset: number, length: number, diskBytes: number): Promise<Buffer | undefined> {
  if (offset < 0 || offset + length > diskBytes) return undefined;
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  return bytesRead === length ? buf : undefined;
}

function checked(region: DiskRegion, diskBytes: number): DiskRegion {
  if (region.size <= 0 || region.start + region.size > diskBytes) {
    throw corruptTable(`${region.name} (bytes ${region.start} to ${region.start + region.size}) ends past the disk's ${diskBytes} bytes`);
  }
  return region;
}

/** A 64-bit sector number as a number; past 2^53 / 512 it cannot be inside any disk Kiln reads. */
function safeNumber(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) / BigInt(SECTOR) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function corruptTable(why: string): KilnError {
  return new KilnError('InvalidImage.DiskCorrupt', `The disk's partition table is corrupt: ${why}.`);
}
