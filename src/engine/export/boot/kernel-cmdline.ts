import { refuse } from './safe-tree.js';

/** The console options when the image has no /etc/kernel/cmdline: the screen, and the serial console last (it becomes /dev/console). */
export const DEFAULT_CMDLINE = 'console=tty0 console=ttyS0,115200n8';
/** x86's COMMAND_LINE_SIZE, less the terminating NUL. */
const MAX_CMDLINE = 2047;

/**
 * The kernel command line of a bootable export (Guest contract): `root=UUID=<rootUuid> ro`, then
 * the words of the image's `/etc/kernel/cmdline` (its text, `undefined` when absent) without its
 * own root=, ro and rw; the default console options when it has none. Words with control
 * characters are dropped (a newline would start another line of the boot loader's config).
 */
export function kernelCmdline(rootUuid: string, imageCmdline: string | undefined): string {
  const words = (imageCmdline ?? DEFAULT_CMDLINE)
    .split(/[ \t\r\n]+/)
    .filter((w) => w !== '' && !/[\u0000-\u001f\u007f]/.test(w))
    .filter((w) => !w.startsWith('root=') && w !== 'ro' && w !== 'rw');
  const line = [`root=UUID=${rootUuid}`, 'ro', ...words].join(' ');
  if (line.length > MAX_CMDLINE) throw refuse(`the kernel command line from /etc/kernel/cmdline has ${line.length} characters, more than the kernel's ${MAX_CMDLINE}`);
  return line;
}
