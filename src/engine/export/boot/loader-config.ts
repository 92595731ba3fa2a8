import type { FoundKernel } from './kernel.js';

/** Where the kernel and initrd are on the FAT partition (its root; /boot/efi in the running system). */
export function fatKernelNames(kernel: FoundKernel): { kernel: string; initrd: string } {
  return { kernel: `vmlinuz-${kernel.version}`, initrd: `initrd.img-${kernel.version}` };
}

/** syslinux.cfg (BIOS): boots the kernel at once, its own messages on the first serial port too. */
export function syslinuxConfig(kernel: FoundKernel, cmdline: string): string {
  const names = fatKernelNames(kernel);
  return [
    '# Kiln: the BIOS boot loader (syslinux) boots the image\'s kernel from this partition.',
    'SERIAL 0 115200',
    'DEFAULT kiln',
    'PROMPT 0',
    'TIMEOUT 0',
    '',
    'LABEL kiln',
    `  LINUX /${names.kernel}`,
    `  INITRD /${names.initrd}`,
    `  APPEND ${cmdline}`,
    '',
  ].join('\n');
}

/** loader/loader.conf (UEFI, systemd-boot): the one entry, no menu. */
export const LOADER_CONF = '# Kiln: boot the image\'s kernel at once.\ndefault kiln.conf\ntimeout 0\neditor no\n';

/** loader/entries/kiln.conf (UEFI, systemd-boot, Boot Loader Specification type 1). */
export function loaderEntry(kernel: FoundKernel, cmdline: string): string {
  const names = fatKernelNames(kernel);
  return [`title Kiln image (Linux ${kernel.version})`, `version ${kernel.version}`, `linux /${names.kernel}`, `initrd /${names.initrd}`, `options ${cmdline}`, ''].join('\n');
}
