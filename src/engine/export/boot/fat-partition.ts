import { copyFile, open, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../run-tool.js';

const SECTOR = 512;

/** A file put on the FAT partition: `from` a file on the host whose mtime is already the one wanted (`mcopy -m`). */
export interface FatFile {
  from: string;
  to: string;
}

/** What the FAT partition is made of. */
export interface FatSpec {
  /** The raw disk and the partition's place in it. */
  disk: string;
  offset: number;
  bytes: number;
  /** The volume id (8 hex digits, the `XXXX-XXXX` UUID blkid shows) and label. */
  volumeId: string;
  label: string;
  /** Folders (absolute, parents first) and files to put on it. */
  dirs: string[];
  files: FatFile[];
  /** Install syslinux (ldlinux.sys, ldlinux.c32, its boot sector) into this folder. */
  syslinuxDir?: string;
  /** Seconds since the epoch: the times of every folder and of the files mtools makes. */
  time: number;
  /** A private folder for the symlink the tools read the disk through. */
  scratch: string;
}

/**
 * Makes the FAT32 boot/EFI partition in place in the disk, with no mount and no loop device:
 * mkfs.fat at its offset (volume id given, 512-byte clusters so that 256 MiB is a valid FAT32),
 * mlabel for the label (mkfs.fat would date the label's entry by the clock; mtools honours
 * SOURCE_DATE_EPOCH), mmd and `mcopy -m` for the contents (times from the source files), and
 * the mtools-based `syslinux --install --offset`. mtools stores local times: TZ is UTC. The
 * tools reach the disk through a symlink in `scratch` (mtools' `file@@offset` would misread a
 * disk path holding `@@`).
 */
export async function makeFatPartition(spec: FatSpec, signal?: AbortSignal): Promise<void> {
  const disk = join(spec.scratch, 'boot-disk');
  await symlink(spec.disk, disk);
  const env = { MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null', SOURCE_DATE_EPOCH: String(Math.max(spec.time, 315532800)), TZ: 'UTC' };
  const sectors = spec.offset / SECTOR;
  await runTool('mkfs.fat', ['-F', '32', '-S', '512', '-s', '1', '-i', spec.volumeId, '-h', String(sectors), `--offset=${sectors}`, disk, String(spec.bytes / 1024)], { env, signal });
  const at = `${disk}@@${spec.offset}`;
  await runTool('mlabel', ['-i', at, `::${spec.label}`], { env, signal });
  if (spec.dirs.length > 0) await runTool('mmd', ['-i', at, ...spec.dirs.map((d) => `::${d}`)], { env, signal });
  for (const f of spec.files) await runTool('mcopy', ['-m', '-i', at, f.from, `::${f.to}`], { env, signal });
  if (spec.syslinuxDir) {
    await runTool('syslinux', ['--install', '--offset', String(spec.offset), '--directory', spec.syslinuxDir, disk], { env, signal });
    await copyBootSectorToBackup(spec.disk, spec.offset);
  }
}

/**
 * syslinux writes its boot code into the FAT32 boot sector only; the backup boot sector (where
 * the BPB says, BPB_BkBootSec) would then differ and fsck.fat reports it. The backup is made
 * the copy it is meant to be.
 */
async function copyBootSectorToBackup(disk: string, offset: number): Promise<void> {
  const fh = await open(disk, 'r+');
  try {
    const sector = Buffer.alloc(SECTOR);
    await fh.read(sector, 0, SECTOR, offset);
    const backup = sector.readUInt16LE(0x32);
    if (backup === 0 || backup === 0xffff) return;
    await fh.write(sector, 0, SECTOR, offset + backup * SECTOR);
  } finally {
    await fh.close();
  }
}

/** Writes a file for the FAT partition into `dir` with mtime `time` (for `mcopy -m`). */
export async function fatSource(dir: string, name: string, content: string | Buffer, time: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o644 });
  await utimes(path, time, time);
  return path;
}

/** Copies a host file (a boot loader binary) into `dir` with mtime `time`, so the partition does not carry the host's package dates. */
export async function fatSourceCopy(dir: string, name: string, from: string, time: number): Promise<string> {
  const path = join(dir, name);
  await copyFile(from, path);
  await utimes(path, time, time);
  return path;
}
