import { mkdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageBootMode } from '../../../domain/image.js';
import { makeExt4 } from '../ext4-image.js';
import { derivedUuid } from '../fixed-ids.js';
import type { StoredImage } from '../image-blobs.js';
import { diskBytes, type RawDiskSpec } from '../raw-disk.js';
import type { CommandConfig } from './cmd-unit.js';
import { BOOT_BYTES, BOOT_START, bootLayout, ROOT_START, writePartitions } from './disk-layout.js';
import { fatSource, fatSourceCopy, makeFatPartition, type FatFile } from './fat-partition.js';
import type { GuestFile } from './guest-files.js';
import type { FoundKernel } from './kernel.js';
import { fatKernelNames, LOADER_CONF, loaderEntry, syslinuxConfig } from './loader-config.js';
import { prepareTree } from './prepare-tree.js';
import { refuse } from './safe-tree.js';

/** What a bootable disk is made from: the plain disk's spec plus the kernel, the image and the boot mode. */
export interface BootDiskSpec extends RawDiskSpec {
  kernel: FoundKernel;
  image: StoredImage;
  /** A private folder (the export's staging top) for the FAT partition's sources and temporary files. */
  scratch: string;
  bootMode: ImageBootMode;
  guestFiles: readonly GuestFile[];
  enableUnits: readonly string[];
}

/** systemd-boot, as Debian's systemd-boot-efi installs it. */
export const SYSTEMD_BOOT_EFI = '/usr/lib/systemd/boot/efi/systemd-bootx64.efi';
export const ROOT_LABEL = 'kiln-root';
export const BOOT_LABEL = 'KILN-BOOT';
/** The FAT partition's room for the kernel and initrd (the rest: boot loaders, FAT tables). */
const MAX_KERNEL_BYTES = BOOT_BYTES - 32 * 1024 * 1024;
/** FAT dates start in 1980. */
const FAT_EPOCH = 315532800;

/** The identifiers of a bootable disk, derived from the image (so the same image gives the same disk). */
export function bootIds(seed: string) {
  const fat = derivedUuid(seed, 'fat volume id').slice(0, 8);
  return {
    rootUuid: derivedUuid(seed, 'ext4 uuid'),
    hashSeed: derivedUuid(seed, 'ext4 hash seed'),
    fatVolumeId: fat,
    bootUuid: `${fat.slice(0, 4)}-${fat.slice(4)}`.toUpperCase(),
  };
}

/**
 * Writes a raw disk that boots on its own to `file` (Guest contract, docs/vm-images.md): the
 * staged tree made bootable (`prepareTree`), the partition table of `spec.bootMode`, the FAT
 * boot/EFI partition with the boot loaders, the kernel and the initrd, and the ext4 root
 * (`makeExt4`, label kiln-root). Sparse; sized as the image asks, or more when its files need it.
 */
export async function writeBootDisk(file: string, spec: BootDiskSpec, signal?: AbortSignal): Promise<{ bytes: number; note: string }> {
  const { kernel } = spec;
  if (kernel.kernelBytes + kernel.initrdBytes > MAX_KERNEL_BYTES) {
    throw refuse(`the kernel and initrd of ${kernel.version} have ${kernel.kernelBytes + kernel.initrdBytes} bytes, more than the ${MAX_KERNEL_BYTES} the ${BOOT_BYTES / 2 ** 20} MiB boot partition holds`);
  }
  const ids = bootIds(spec.seed);
  const config = ((spec.image.configJson as { config?: CommandConfig }).config ?? {}) as CommandConfig;
  const { cmdline, addedBytes } = await prepareTree(spec.treeDir, { ...ids, config, guestFiles: spec.guestFiles, enableUnits: spec.enableUnits, time: spec.time });
  signal?.throwIfAborted();
  const size = diskBytes({ treeBytes: spec.treeBytes + addedBytes + ROOT_START, sizeGiB: spec.sizeGiB });
  await truncate(file, size);
  const layout = bootLayout(spec.bootMode, size);
  await writePartitions(file, layout, spec.seed, signal);
  await makeFatPartition(await fatSpec(file, spec, ids.fatVolumeId, cmdline), signal);
  await makeExt4(file, ROOT_START, layout.rootBytes, spec.treeDir, { uuid: ids.rootUuid, hashSeed: ids.hashSeed, time: spec.time, label: ROOT_LABEL }, signal);
  const loaders = { BIOS: 'an MBR with syslinux', UEFI: 'a GPT with systemd-boot', 'UEFI-Preferred': 'a GPT with systemd-boot and syslinux' }[spec.bootMode];
  return { bytes: size, note: `${spec.bootMode}: ${loaders} on a FAT32 boot partition with Linux ${kernel.version}, and the ext4 root` };
}

/** The FAT partition's folders and files for the boot mode. */
async function fatSpec(file: string, spec: BootDiskSpec, volumeId: string, cmdline: string) {
  const src = join(spec.scratch, 'fat-sources');
  await mkdir(src);
  const time = Math.max(spec.time, FAT_EPOCH);
  const names = fatKernelNames(spec.kernel);
  const dirs: string[] = [];
  const files: FatFile[] = [];
  const bios = spec.bootMode !== 'UEFI';
  const uefi = spec.bootMode !== 'BIOS';
  if (uefi) {
    dirs.push('/EFI', '/EFI/BOOT', '/EFI/systemd', '/loader', '/loader/entries');
    const efi = await fatSourceCopy(src, 'systemd-bootx64.efi', SYSTEMD_BOOT_EFI, time);
    files.push({ from: efi, to: '/EFI/BOOT/BOOTX64.EFI' }, { from: efi, to: '/EFI/systemd/systemd-bootx64.efi' });
    files.push({ from: await fatSource(src, 'loader.conf', LOADER_CONF, time), to: '/loader/loader.conf' });
    files.push({ from: await fatSource(src, 'kiln.conf', loaderEntry(spec.kernel, cmdline), time), to: '/loader/entries/kiln.conf' });
  }
  if (bios) {
    dirs.push('/syslinux');
    files.push({ from: await fatSource(src, 'syslinux.cfg', syslinuxConfig(spec.kernel, cmdline), time), to: '/syslinux/syslinux.cfg' });
  }
  // the image's own files, with their own (the image's) times
  files.push({ from: spec.kernel.kernel, to: `/${names.kernel}` }, { from: spec.kernel.initrd, to: `/${names.initrd}` });
  return { disk: file, offset: BOOT_START, bytes: BOOT_BYTES, volumeId, label: BOOT_LABEL, dirs, files, ...(bios ? { syslinuxDir: '/syslinux' } : {}), time, scratch: spec.scratch };
}
