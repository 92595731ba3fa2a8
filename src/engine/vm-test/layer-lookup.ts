import { lstat, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { newestKernel } from '../export/boot/kernel.js';
import { OVERLAY_OPAQUE_XATTR } from '../layers/whiteouts.js';
import { runCommand } from '../system/run-command.js';

/**
 * A few paths of an image looked up in its extracted layers (overlay lower dirs, bottom first)
 * as the merged tree shows them, without merging it: the topmost layer that has the path wins,
 * a whiteout (character device 0/0) or a non-directory on the way hides the layers below, and
 * so does an opaque directory. Symlinks are never followed (the layers are the tenant's).
 */

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

async function isOpaque(dir: string): Promise<boolean> {
  const r = await runCommand('getfattr', ['--only-values', '-h', '-n', OVERLAY_OPAQUE_XATTR, dir], { allowFailure: true });
  return r.code === 0 && r.stdout === 'y';
}

/** The topmost entry for `path` (absolute, in the image), or undefined when the merged tree has none. */
export async function lookupInLayers(dirs: readonly string[], path: string): Promise<{ file: string; stat: Stats } | undefined> {
  const parts = path.split('/').filter((p) => p !== '');
  for (let i = dirs.length - 1; i >= 0; i--) {
    let hidesBelow = false;
    for (let k = 1; k <= parts.length; k++) {
      const file = join(dirs[i]!, ...parts.slice(0, k));
      const stat = await lstat(file).catch(() => undefined);
      if (!stat) break;
      if (isWhiteout(stat)) return undefined;
      if (k === parts.length) return { file, stat };
      if (!stat.isDirectory()) return undefined;
      if (await isOpaque(file)) hidesBelow = true;
    }
    if (hidesBelow) return undefined;
  }
  return undefined;
}

/** The names the merged directory `path` holds (whiteouts applied), or undefined when it is not a directory there. */
async function namesInLayers(dirs: readonly string[], path: string): Promise<Set<string> | undefined> {
  const top = await lookupInLayers(dirs, path);
  if (!top?.stat.isDirectory()) return undefined;
  const names = new Set<string>();
  const gone = new Set<string>();
  for (let i = dirs.length - 1; i >= 0; i--) {
    const dir = join(dirs[i]!, path);
    const here = await lstat(dir).catch(() => undefined);
    if (!here) continue;
    if (!here.isDirectory()) break;
    for (const name of await readdir(dir)) {
      if (names.has(name) || gone.has(name)) continue;
      if (isWhiteout(await lstat(join(dir, name)))) gone.add(name);
      else names.add(name);
    }
    if (await isOpaque(dir)) break;
  }
  return names;
}

/** The kernel release of a VM image, chosen by the Guest contract's rule (`newestKernel`, as the export chooses it) from its layers. */
export async function kernelInLayers(dirs: readonly string[]): Promise<string | undefined> {
  const names = await namesInLayers(dirs, '/boot');
  if (!names) return undefined;
  const found = await newestKernel(names, async (name) => (await lookupInLayers(dirs, `/boot/${name}`))?.stat);
  return found?.version;
}
