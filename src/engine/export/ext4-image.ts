import { open } from 'node:fs/promises';
import { runTool } from './run-tool.js';

/** What makes an ext4 filesystem the same each time: its UUID, its directory hash seed and its clock. */
export interface Ext4Identity {
  uuid: string;
  hashSeed: string;
  /** Seconds since the epoch: the filesystem's times (made, written) and every inode's ctime and atime. */
  time: number;
  /** The filesystem label (default `root`). */
  label?: string;
}

/** The first inode number that is not reserved (ext4's `EXT2_GOOD_OLD_FIRST_INO`). */
const FIRST_INO = 11;
const ROOT_INO = 2;

/**
 * Makes an ext4 filesystem of `fsBytes` (4 KiB blocks) at byte `offset` of the file `disk`,
 * holding a copy of the directory `srcDir` (mke2fs -d: owners, modes, mtimes, xattrs, symlinks,
 * hard links, device nodes), with no mount and no loop device. mke2fs copies each inode's
 * ctime (and atime) from the source tree, which differ each time it is written, so both are
 * then set to `id.time` with debugfs, and the superblocks' count of bytes written is cleared
 * (`clearLifetimeWrites`); with the fixed UUID, hash seed and E2FSPROGS_FAKE_TIME, the same tree
 * gives the same bytes.
 */
export async function makeExt4(disk: string, offset: number, fsBytes: number, srcDir: string, id: Ext4Identity, signal?: AbortSignal): Promise<void> {
  const env = { E2FSPROGS_FAKE_TIME: String(id.time) };
  const options = [`offset=${offset}`, `hash_seed=${id.hashSeed}`, 'nodiscard', 'lazy_itable_init=1', 'lazy_journal_init=1', 'root_owner=0:0'];
  await runTool('mkfs.ext4', ['-q', '-F', '-b', '4096', '-L', id.label ?? 'root', '-U', id.uuid, '-E', options.join(','), '-d', srcDir, disk, `${Math.floor(fsBytes / 4096)}`], { env, signal });
  const spec = `${disk}?offset=${offset}`;
  const layout = await runTool('dumpe2fs', [spec], { signal });
  const script = usedInodes(spec, layout).flatMap((i) => [`sif <${i}> ctime ${id.time}`, `sif <${i}> atime ${id.time}`]).join('\n');
  await runTool('debugfs', ['-w', '-f', '-', spec], { env, input: `${script}\n`, signal });
  await clearLifetimeWrites(disk, offset, [0, ...backupSuperblocks(layout)]);
}

/** Every inode in use (the root and the non-reserved ones), read from the inode bitmaps that dumpe2fs prints (`out`). */
function usedInodes(spec: string, out: string): number[] {
  const perGroup = Number(/^Inodes per group:\s+(\d+)/m.exec(out)?.[1]);
  const count = Number(/^Inode count:\s+(\d+)/m.exec(out)?.[1]);
  if (!(perGroup > 0 && count > 0)) throw new Error(`dumpe2fs printed no inode geometry for ${spec}`);
  const free = new Uint8Array(count + 1);
  for (const m of out.matchAll(/^\s+Free inodes: (.*)$/gm)) {
    for (const range of m[1]!.split(',').map((r) => r.trim()).filter(Boolean)) {
      const [a, b] = range.split('-').map(Number);
      for (let i = a!; i <= (b ?? a!) && i <= count; i++) free[i] = 1;
    }
  }
  const used: number[] = [ROOT_INO];
  for (let i = FIRST_INO; i <= count; i++) if (!free[i]) used.push(i);
  return used;
}

/** The blocks (4 KiB) of the backup superblocks, as dumpe2fs prints them. */
function backupSuperblocks(out: string): number[] {
  return [...out.matchAll(/Backup superblock at (\d+)/g)].map((m) => Number(m[1]));
}

const SUPERBLOCK_BYTES = 1024;
/** Superblock fields: s_kbytes_written (u64) and s_checksum (crc32c of the bytes before it). */
const KBYTES_WRITTEN = 0x178;
const CHECKSUM = 0x3fc;
/** s_feature_ro_compat and its metadata_csum flag (the superblock has a checksum only with it). */
const RO_COMPAT = 0x64;
const METADATA_CSUM = 0x400;

/**
 * Sets the superblocks' "lifetime writes" (s_kbytes_written) to 0, primary (block 0, at byte
 * 1024) and backups, each with its checksum recomputed. e2fsprogs counts there what its I/O
 * wrote, which varies with the source tree's holes and the host's caching although the
 * filesystem is the same: the one field that would make two exports of one image differ.
 */
async function clearLifetimeWrites(disk: string, offset: number, blocks: number[]): Promise<void> {
  const fh = await open(disk, 'r+');
  try {
    for (const block of blocks) {
      const at = offset + (block === 0 ? 1024 : block * 4096);
      const sb = Buffer.alloc(SUPERBLOCK_BYTES);
      await fh.read(sb, 0, SUPERBLOCK_BYTES, at);
      if (sb.readUInt16LE(0x38) !== 0xef53) throw new Error(`no ext4 superblock at byte ${at} of ${disk}`);
      sb.writeBigUInt64LE(0n, KBYTES_WRITTEN);
      if (sb.readUInt32LE(RO_COMPAT) & METADATA_CSUM) sb.writeUInt32LE(crc32c(sb.subarray(0, CHECKSUM)), CHECKSUM);
      await fh.write(sb, 0, SUPERBLOCK_BYTES, at);
    }
  } finally {
    await fh.close();
  }
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli) from ~0 without the final inversion: ext4's metadata checksum (ext2fs_crc32c_le(~0, …)). */
function crc32c(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}
