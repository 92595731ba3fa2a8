import { readFile } from 'node:fs/promises';

/**
 * The units a bootable export adds (Guest contract): files under /etc/systemd/system and
 * /usr/lib/kiln, enabled by symlinks in multi-user.target.wants. The scripts are POSIX sh
 * (guest/*.sh, run by Debian's dash).
 */

/** Where the units go in the exported tree, and where `enable` links them from. */
export const UNIT_DIR = '/etc/systemd/system';
export const WANTS_DIR = `${UNIT_DIR}/multi-user.target.wants`;
export const SCRIPT_DIR = '/usr/lib/kiln';

/** A file the export writes into the tree. */
export interface TreeFile {
  path: string;
  content: string | Buffer;
  mode: number;
}

const GROWROOT_UNIT = `# Kiln: grows the root partition and file system to the disk at each boot (the OnlineResizeFS hook).
[Unit]
Description=Grow the root partition and file system to the disk (Kiln)
After=local-fs.target
Before=kiln-boot-report.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${SCRIPT_DIR}/growroot

[Install]
WantedBy=multi-user.target
`;

const BOOT_REPORT_UNIT = `# Kiln: writes the KILN-BOOT-REPORT line to the serial console once the system is up.
[Unit]
Description=Report the boot on the serial console (Kiln)
After=multi-user.target network-online.target kiln-growroot.service kiln-cmd.service
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=${SCRIPT_DIR}/boot-report

[Install]
WantedBy=multi-user.target
`;

const script = (name: string) => readFile(new URL(`./guest/${name}.sh`, import.meta.url));

/** The files of kiln-growroot and kiln-boot-report (units and scripts) and the kernel hook. */
export async function baseUnitFiles(): Promise<TreeFile[]> {
  return [
    { path: `${SCRIPT_DIR}/growroot`, content: await script('growroot'), mode: 0o755 },
    { path: `${SCRIPT_DIR}/boot-report`, content: await script('boot-report'), mode: 0o755 },
    { path: `${UNIT_DIR}/kiln-growroot.service`, content: GROWROOT_UNIT, mode: 0o644 },
    { path: `${UNIT_DIR}/kiln-boot-report.service`, content: BOOT_REPORT_UNIT, mode: 0o644 },
    { path: KERNEL_HOOK, content: await script('kernel-hook'), mode: 0o755 },
  ];
}

/**
 * The hook that keeps the boot partition in step with /boot when a kernel is installed or
 * removed, or an initramfs remade, inside a VM (guest/kernel-hook.sh), and where it is linked
 * from: the hook folders of Debian's kernel packages and of initramfs-tools (run-parts, in
 * name order: `zz-` runs after initramfs-tools has made the initrd).
 */
export const KERNEL_HOOK = `${SCRIPT_DIR}/kernel-hook`;
export const KERNEL_HOOK_LINKS = ['/etc/kernel/postinst.d/zz-kiln-boot', '/etc/kernel/postrm.d/zz-kiln-boot', '/etc/initramfs/post-update.d/zz-kiln-boot'];

/** A unit name that may be enabled: `name.service` and the other unit kinds, no path, no odd characters. */
export const UNIT_NAME = /^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,200}\.(service|socket|timer|path|target|mount)$/;
