import { readRegularFile } from '../../system/read-regular-file.js';
import { constants } from 'node:fs';
import { lstat, lutimes, mkdir, open, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KilnError } from '../../../domain/errors.js';

/** The most bytes read of a text file of the tree (fstab, kernel command line). */
export const MAX_TREE_TEXT = 64 * 1024;

/** Refuses the export: the tree cannot be made bootable safely. */
export function refuse(why: string): KilnError {
  return new KilnError('ExportImageFailed', `Exporting image is failed: ${why}`);
}

/** The segments of an absolute tree path (`/etc/fstab` → `etc`, `fstab`); refuses `..`, `.`, empty segments and NUL. */
export function treeSegments(path: string): string[] {
  if (!path.startsWith('/') || path.includes('\0')) throw refuse(`the path ${JSON.stringify(path)} is not absolute`);
  const parts = path.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw refuse(`the path ${JSON.stringify(path)} has an empty, . or .. segment`);
  return parts;
}

/**
 * Edits of the staged tree of an export. The tree is the image's, so it is hostile: any path in
 * it may be a symlink (to /etc/shadow of the host, to `..`), a folder where a file is expected,
 * or huge. Its regular files are hard links into the layer store (see `stageTree`), so nothing
 * here writes through one: a file is replaced by unlinking it and creating a new one (O_EXCL,
 * which never follows a link), and every folder on the way must be a real folder (a symlinked
 * folder is refused, a missing one made). What it changes gets the export's fixed time
 * (`settle`), so the same image still gives the same disk.
 */
export class TreeEditor {
  private readonly touched = new Set<string>();

  constructor(readonly root: string) {}

  /** Writes `content` as a new regular file (owner root) at `path`, replacing a file or symlink there, never a folder. */
  async writeFile(path: string, content: string | Buffer, mode: number): Promise<void> {
    const at = await this.freshPlace(path);
    const fh = await open(at, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      await fh.writeFile(content);
      await fh.chown(0, 0);
      await fh.chmod(mode);
    } finally {
      await fh.close();
    }
  }

  /** Makes a symlink at `path` to `target`, replacing a file or symlink there. */
  async writeLink(path: string, target: string): Promise<void> {
    await symlink(target, await this.freshPlace(path));
  }

  /** Makes the folder `path` and its parents, each a real folder. */
  async makeDir(path: string): Promise<void> {
    await this.ensureDirs(treeSegments(path), path);
  }

  /** Removes the file or symlink at `path` when there is one (a folder, or a path under a symlinked folder, is left). */
  async remove(path: string): Promise<void> {
    const at = await this.inRealFolders(path);
    const st = at ? await lstat(at).catch(() => undefined) : undefined;
    if (!at || !st || st.isDirectory()) return;
    await unlink(at);
    this.touched.add(dirname(at));
  }

  /**
   * The text of the regular file at `path`, or undefined when it is missing, not a regular file
   * (a symlink is not followed: it could name a file of the host) or lies under a symlinked
   * folder; refused past `MAX_TREE_TEXT` bytes. Only a regular file is opened: the tree holds the
   * image's device nodes and fifos, and opening a device as root on the host has effects of its
   * own (a watchdog starts, a tape rewinds).
   */
  async readText(path: string): Promise<string | undefined> {
    const at = await this.inRealFolders(path);
    const read = at ? await readRegularFile(at, MAX_TREE_TEXT) : undefined;
    if (read && 'tooLarge' in read) throw refuse(`${path} has ${read.tooLarge} bytes, more than the ${MAX_TREE_TEXT} Kiln reads`);
    return read?.text;
  }

  /** Whether `path` is a regular file (not a symlink) under real folders. */
  async isFile(path: string): Promise<boolean> {
    const at = await this.inRealFolders(path);
    return at !== undefined && ((await lstat(at).catch(() => undefined))?.isFile() ?? false);
  }

  /** Gives everything written or made, and each folder whose entries changed, the times `time` (seconds). */
  async settle(time: number): Promise<void> {
    for (const at of [...this.touched].sort()) await lutimes(at, time, time);
  }

  private async ensureDirs(dirs: string[], path: string): Promise<string> {
    let at = this.root;
    for (const part of dirs) {
      const parent = at;
      at = join(at, part);
      const st = await lstat(at).catch(() => undefined);
      if (st && !st.isDirectory()) throw refuse(`${path} cannot be written: ${at.slice(this.root.length)} in the image is ${st.isSymbolicLink() ? 'a symlink' : 'not a folder'}`);
      if (st) continue;
      await mkdir(at, { mode: 0o755 });
      this.touched.add(parent).add(at);
    }
    return at;
  }

  private async inRealFolders(path: string): Promise<string | undefined> {
    let at = this.root;
    const parts = treeSegments(path);
    for (const part of parts.slice(0, -1)) {
      at = join(at, part);
      if (!(await lstat(at).catch(() => undefined))?.isDirectory()) return undefined;
    }
    return join(at, parts.at(-1)!);
  }

  /** Makes the folders of `path` and returns where it goes, after removing the file or symlink there (never a folder). */
  private async freshPlace(path: string): Promise<string> {
    const parts = treeSegments(path);
    const parent = await this.ensureDirs(parts.slice(0, -1), path);
    const at = join(parent, parts.at(-1)!);
    const st = await lstat(at).catch(() => undefined);
    if (st?.isDirectory()) throw refuse(`${path} cannot be written: it is a folder in the image`);
    if (st) await unlink(at);
    this.touched.add(parent).add(at);
    return at;
  }
}
