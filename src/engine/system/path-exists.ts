import { lstat, stat } from 'node:fs/promises';

/**
 * Whether `path` exists; any error reads as absent. Symlinks are followed unless
 * `followSymlinks` is false: then a symlink itself (even a dangling one, or one pointing out of
 * an image's tree) counts as there, and nothing outside the path is looked at.
 */
export async function pathExists(path: string, options: { followSymlinks?: boolean } = {}): Promise<boolean> {
  try {
    await (options.followSymlinks === false ? lstat(path) : stat(path));
    return true;
  } catch {
    return false;
  }
}
