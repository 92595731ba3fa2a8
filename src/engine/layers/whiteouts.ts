/**
 * The two ways a layer says "delete", on disk (overlayfs) and in a tar (OCI image spec):
 * - a removed file or directory `d/x`: overlay keeps a character device 0/0 at `d/x`;
 *   the tar holds an empty regular file `d/.wh.x`;
 * - a directory `d` that hides everything below it (replaced, not merged): overlay marks it
 *   with the xattr `trusted.overlay.opaque=y`; the tar holds `d/.wh..wh..opq` after `d/`.
 */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Overlay's own bookkeeping xattrs; never part of a layer's content. */
export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';

/** Xattrs that do not travel in layers: overlay bookkeeping and the host's SELinux labels. */
export function isLayerXattr(name: string): boolean {
  return !name.startsWith(OVERLAY_XATTR_PREFIX) && name !== 'security.selinux';
}
