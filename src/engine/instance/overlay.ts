import { lstat, mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../system/run-command.js';
import { withSysHelper } from '../system/sys-helper.js';

/** The kernel's limit on overlay's lower dirs. */
export const MAX_LOWER_DIRS = 500;
/** mount(2) copies its option string into one page. */
const MAX_OPTIONS_BYTES = 4095;

export interface OverlayMount {
  /** Folder the mount command runs in; `links`, `upper` and `work` are relative to it. */
  cwd: string;
  /** Folder name (relative to `cwd`) holding one short symlink per lower dir. */
  links: string;
  /** Absolute lower dirs, bottom first. */
  lowers: string[];
  /** Upper and work dirs, relative to `cwd` (same filesystem as each other). */
  upper: string;
  work: string;
  /** Absolute mount point. */
  target: string;
  /**
   * Links already made by earlier mounts of the same `links` folder (name → lower dir), trusted
   * without a look; the links this mount makes or checks are added. Saves two calls per lower
   * dir per mount for a caller that owns the folder.
   */
  madeLinks?: Map<string, string>;
  /**
   * overlayfs `volatile` (Linux ≥ 5.10; quietly left out where the kernel refuses it): no sync of
   * the upper filesystem, neither for the processes' fsync/syncfs nor when unmounting. For an
   * upper dir whose contents need not survive a crash of the machine.
   */
  volatile?: boolean;
  /** `nodev`: device nodes in the layers cannot be opened through the mount. */
  nodev?: boolean;
}

/** mount(2)'s MS_NODEV. */
const MS_NODEV = 4;

/** Whether the kernel takes `volatile` (unknown until a mount asked for it). */
let volatileWorks: boolean | undefined;

/**
 * Mounts an overlay whose option string stays short however long the layer paths are: each
 * lower dir gets a symlink `<links>/<index in base 36>` and the options name the links relative
 * to `cwd`, where `mount` runs (the kernel resolves relative paths against the caller's working
 * directory and follows the symlinks). That is ~5 bytes per layer, so the kernel's own limit of
 * 500 lower dirs is reached long before the page-sized option limit (unlike `l/<26 chars>`
 * names or absolute paths, which overflow at ~60–140 layers).
 *
 * `index=off,redirect_dir=off,metacopy=off` keep the upper dir a plain diff: renamed directories
 * are copied up whole instead of leaving redirect xattrs, and no file is metadata-only, so an
 * upper dir can always be archived as a layer by itself.
 */
export async function mountOverlay(m: OverlayMount): Promise<void> {
  if (m.lowers.length === 0) throw new Error('an overlay needs at least one lower dir');
  if (m.lowers.length > MAX_LOWER_DIRS) throw new Error(`${m.lowers.length} lower dirs: overlayfs stacks at most ${MAX_LOWER_DIRS}`);
  const linkDir = join(m.cwd, m.links);
  if (!m.madeLinks?.size) await mkdir(linkDir, { recursive: true });
  const names: string[] = [];
  const ensure: Promise<void>[] = [];
  for (let i = 0; i < m.lowers.length; i++) {
    const name = i.toString(36);
    const target = m.lowers[i]!;
    if (m.madeLinks?.get(name) !== target) {
      ensure.push(ensureSymlink(join(linkDir, name), target).then(() => void m.madeLinks?.set(name, target)));
    }
    names.push(`${m.links}/${name}`);
  }
  await Promise.all(ensure);
  const options = `lowerdir=${names.reverse().join(':')},upperdir=${m.upper},workdir=${m.work},index=off,redirect_dir=off,metacopy=off`;
  if (Buffer.byteLength(options) > MAX_OPTIONS_BYTES - ',volatile'.length) throw new Error('overlay options exceed a page');
  if (m.volatile && volatileWorks !== false) {
    try {
      await mount(m, `${options},volatile`);
      volatileWorks = true;
      return;
    } catch (err) {
      if (volatileWorks) throw err;
      await mount(m, options); // an older kernel; a failure for another reason fails again here
      volatileWorks = false;
      return;
    }
  }
  await mount(m, options);
}

async function mount(m: OverlayMount, options: string): Promise<void> {
  let done: { value: unknown } | undefined;
  try {
    // mount(2) through the system-call helper: no `mount` process per step
    done = await withSysHelper((h) => h.mount({ source: 'overlay', target: m.target, fstype: 'overlay', flags: m.nodev ? MS_NODEV : 0, data: options, cwd: m.cwd }));
  } catch (err) {
    throw new Error(`mount -t overlay on ${m.target}: ${(err as Error).message}`, { cause: err });
  }
  if (!done) await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', m.nodev ? `nodev,${options}` : options, m.target], { cwd: m.cwd });
}

async function ensureSymlink(path: string, target: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink() && (await readlink(path)) === target) return;
    await rm(path, { recursive: true, force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await symlink(target, path);
}
