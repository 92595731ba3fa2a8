import { open } from 'node:fs/promises';
import type { ImageBootMode } from '../../../domain/image.js';
import { derivedUuid } from '../fixed-ids.js';
import { runTool } from '../run-tool.js';

const MiB = 1024 * 1024;
const SECTOR = 512;
/** The boot/EFI partition: FAT32 from 1 MiB, 256 MiB (Guest contract). */
export const BOOT_START = MiB;
export const BOOT_BYTES = 256 * MiB;
/** The root partition starts right after it. */
export const ROOT_START = BOOT_START + BOOT_BYTES;
/** The backup GPT at the disk's end: its header and 32 sectors of entries. */
const BACKUP_GPT = 33 * SECTOR;

/** GPT partition types: the EFI system partition, and the x86-64 root (Discoverable Partitions Specification). */
export const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
export const X86_64_ROOT_TYPE = '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709';
/** syslinux's master boot records: for an MBR (boots the active partition) and for a GPT (boots the LegacyBIOSBootable one). */
export const SYSLINUX_MBR = '/usr/lib/SYSLINUX/mbr.bin';
export const SYSLINUX_GPTMBR = '/usr/lib/SYSLINUX/gptmbr.bin';
/** The boot code area of a master boot record (before the disk signature and the partition table). */
const BOOT_CODE_BYTES = 440;

/** Where the partitions of a bootable disk are, in bytes. */
export interface BootLayout {
  mode: ImageBootMode;
  diskBytes: number;
  rootBytes: number;
}

/** The root partition's size on a disk of `diskBytes`: to the last whole MiB (before the backup GPT). */
export function bootLayout(mode: ImageBootMode, diskBytes: number): BootLayout {
  const end = mode === 'BIOS' ? diskBytes : diskBytes - BACKUP_GPT;
  return { mode, diskBytes, rootBytes: Math.floor((end - ROOT_START) / MiB) * MiB };
}

/** sfdisk's script of the partition table: BIOS an MBR (p1 FAT32 LBA, active), the others a GPT (p1 ESP, LegacyBIOSBootable for UEFI-Preferred). */
export function partitionScript(layout: BootLayout, seed: string): string {
  const boot = `start=${BOOT_START / SECTOR}, size=${BOOT_BYTES / SECTOR}`;
  const root = `start=${ROOT_START / SECTOR}, size=${layout.rootBytes / SECTOR}`;
  if (layout.mode === 'BIOS') {
    const id = `0x${derivedUuid(seed, 'mbr disk id').slice(0, 8)}`;
    return ['label: dos', `label-id: ${id}`, 'unit: sectors', `${boot}, type=c, bootable`, `${root}, type=83`, ''].join('\n');
  }
  const legacy = layout.mode === 'UEFI-Preferred' ? ', attrs="LegacyBIOSBootable"' : '';
  return [
    'label: gpt',
    `label-id: ${derivedUuid(seed, 'gpt label')}`,
    'unit: sectors',
    'first-lba: 2048',
    `${boot}, type=${ESP_TYPE}, uuid=${derivedUuid(seed, 'gpt boot partition')}, name="EFI System Partition"${legacy}`,
    `${root}, type=${X86_64_ROOT_TYPE}, uuid=${derivedUuid(seed, 'gpt root partition')}, name="root"`,
    '',
  ].join('\n');
}

/**
 * Writes the partition table (sfdisk on the file: no kernel, no device) and, for the layouts
 * that boot by BIOS, syslinux's master boot record into the first 440 bytes (the partition
 * table and disk signature after them are sfdisk's).
 */
export async function writePartitions(file: string, layout: BootLayout, seed: string, signal?: AbortSignal): Promise<void> {
  await runTool('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '--wipe', 'never', file], { input: partitionScript(layout, seed), signal });
  if (layout.mode === 'UEFI') return;
  const code = Buffer.alloc(BOOT_CODE_BYTES);
  const from = await open(layout.mode === 'BIOS' ? SYSLINUX_MBR : SYSLINUX_GPTMBR, 'r');
  try {
    await from.read(code, 0, BOOT_CODE_BYTES, 0);
  } finally {
    await from.close();
  }
  const disk = await open(file, 'r+');
  try {
    await disk.write(code, 0, BOOT_CODE_BYTES, 0);
  } finally {
    await disk.close();
  }
}
