/**
 * The disk image formats Kiln reads and writes (imports convert them with `qemu-img convert -f
 * <format>`, exports with `-O <format>`), named as the ECS API names them, lowercase.
 */
export const DISK_FORMATS = ['raw', 'qcow2', 'vhd', 'vmdk', 'vdi'] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];

/** A declared disk format in any case (`QCOW2`, `qcow2`), if it is one Kiln knows. */
export function parseDiskFormat(declared: string): DiskFormat | undefined {
  const d = declared.toLowerCase();
  return (DISK_FORMATS as readonly string[]).includes(d) ? (d as DiskFormat) : undefined;
}
