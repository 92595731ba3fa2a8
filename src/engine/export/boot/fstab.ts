/** The mount points a bootable export writes in /etc/fstab; other lines are kept. */
export const ROOT_MOUNT = '/';
export const BOOT_MOUNT = '/boot/efi';

/** fstab's escapes of a field (`\040` for a space…). */
const fstabField = (field: string) => field.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** The mount point of an fstab line, or undefined for a comment or blank line. */
function mountPoint(line: string): string | undefined {
  const fields = line.trim().split(/[ \t]+/);
  if (fields.length < 2 || fields[0]!.startsWith('#')) return undefined;
  return fstabField(fields[1]!).replace(/(.)\/+$/, '$1');
}

/**
 * The exported tree's /etc/fstab (Guest contract): the image's lines (`text`, undefined when it
 * has none) with its `/` and `/boot/efi` lines replaced, in place, by ones naming the disk's
 * filesystems by UUID (added at the end when the image has none); every other line kept.
 */
export function rewriteFstab(text: string | undefined, ids: { rootUuid: string; bootUuid: string }): string {
  const root = `UUID=${ids.rootUuid} / ext4 defaults,errors=remount-ro 0 1`;
  const boot = `UUID=${ids.bootUuid} /boot/efi vfat umask=0077,nofail 0 2`;
  const lines = (text ?? '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  let sawRoot = false;
  let sawBoot = false;
  const out: string[] = [];
  for (const line of lines) {
    const at = mountPoint(line);
    if (at === ROOT_MOUNT) {
      if (!sawRoot) out.push(root);
      sawRoot = true;
    } else if (at === BOOT_MOUNT) {
      if (!sawBoot) out.push(boot);
      sawBoot = true;
    } else {
      out.push(line);
    }
  }
  if (!sawRoot || !sawBoot) out.push('# Kiln: the disk\'s file systems by UUID (a bootable export)');
  if (!sawRoot) out.push(root);
  if (!sawBoot) out.push(boot);
  return `${out.join('\n')}\n`;
}
