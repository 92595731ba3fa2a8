/**
 * A file an export adds to the exported tree of a VM image (never to the image): helper units,
 * test agents. `path` is absolute, without `..` or empty segments; the export refuses one that
 * would leave the tree (through a symlink of the hostile tree) or replace a directory.
 */
export interface GuestFile {
  path: string;
  content: string | Buffer;
  /** Permission bits (e.g. 0o644, 0o755); owner root:root. */
  mode: number;
}
