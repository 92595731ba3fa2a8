/** umount2(2) flag: detach now, clean up once the mount is no longer busy. */
export const MNT_DETACH = 2;

/** mount_setattr(2) flags (`struct mount_attr.attr_set`). */
export const MOUNT_ATTR = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8 } as const;
