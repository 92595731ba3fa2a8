import { truncate } from 'node:fs/promises';
import { makeExt4 } from './ext4-image.js';
import { derivedUuid } from './fixed-ids.js';
import { runTool } from './run-tool.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SECTOR = 512;
/** The partition starts at 1 MiB (sector 2048), as every partitioning tool aligns it. */
const PARTITION_START = MiB;
/** The backup GPT at the disk's end: its header and 32 sectors of entries. */
const BACKUP_GPT = 33 * SECTOR;
/** Linux filesystem data (GPT partition type). */
export const LINUX_FS_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

/** What a raw disk export is made from. */
export interface RawDiskSpec {
  /** The merged root filesystem, extracted (see `stageTree`). */
  treeDir: string;
  /** Bytes the tree needs on ext4 (files in whole blocks, directories, inodes, xattrs). */
  treeBytes: number;
  /** The size the image asks for, in GiB (its Size / SystemDiskSize); the disk is at least this. */
  sizeGiB: number;
  /** Seeds every identifier the disk carries (the image's manifest digest). */
  seed: string;
  /** Seconds since the epoch: the filesystem's times. */
  time: number;
}

/** The disk's size: the image's, or more when the files need more (ext4's journal, tables and 5% reserve on top). */
export function diskBytes(spec: Pick<RawDiskSpec, 'treeBytes' | 'sizeGiB'>): number {
  const needed = Math.ceil(spec.treeBytes * 1.15) + 160 * MiB;
  return Math.max(Math.max(1, Math.ceil(spec.sizeGiB)), Math.ceil(needed / GiB)) * GiB;
}

/**
 * Writes a raw disk to `file` (made here, sparse): a GPT whose label id and partition UUID are
 * derived from `seed`, one Linux partition from 1 MiB to the last whole MiB before the backup
 * GPT, and in it an ext4 filesystem holding `treeDir` (see `makeExt4`). No bootloader: the
 * image has no kernel to boot. Returns the disk's size in bytes.
 */
export async function writeRawDisk(file: string, spec: RawDiskSpec, signal?: AbortSignal): Promise<number> {
  const size = diskBytes(spec);
  await truncate(file, size);
  const partBytes = Math.floor((size - PARTITION_START - BACKUP_GPT) / MiB) * MiB;
  const table = [
    'label: gpt',
    `label-id: ${derivedUuid(spec.seed, 'gpt label')}`,
    'unit: sectors',
    'first-lba: 2048',
    `start=${PARTITION_START / SECTOR}, size=${partBytes / SECTOR}, type=${LINUX_FS_TYPE}, uuid=${derivedUuid(spec.seed, 'gpt root partition')}, name="root"`,
  ].join('\n');
  await runTool('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '--wipe', 'never', file], { input: `${table}\n`, signal });
  const id = { uuid: derivedUuid(spec.seed, 'ext4 uuid'), hashSeed: derivedUuid(spec.seed, 'ext4 hash seed'), time: spec.time };
  await makeExt4(file, PARTITION_START, partBytes, spec.treeDir, id, signal);
  return size;
}
