import type { ImageBootMode } from '../../../domain/image.js';
import type { StoredImage } from '../image-blobs.js';
import type { RawDiskSpec } from '../raw-disk.js';
import type { GuestFile } from './guest-files.js';
import type { FoundKernel } from './kernel.js';

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

/**
 * Writes a raw disk that boots on its own to `file` (Guest contract, docs/vm-images.md): the tree
 * edited for booting (fstab, kernel command line, units), a FAT boot/EFI partition with the
 * boot loaders of `spec.bootMode`, the kernel and initrd, and the ext4 root.
 */
export async function writeBootDisk(_file: string, _spec: BootDiskSpec, _signal?: AbortSignal): Promise<{ bytes: number; note: string }> {
  throw new Error('bootable disks are not written yet (issue 10, part B in progress)');
}
