import { readRegularFile } from '../system/read-regular-file.js';
import { chmod, chown, lstat, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerBlob } from '../layers/capture-layer.js';
import type { LayerStore } from '../layers/layer-store.js';

/** The most bytes of /etc/fstab read (a real one is a few hundred). */
const MAX_FSTAB_BYTES = 64 * 1024;
const NOTE = '# Kiln: this image\'s /boot is on its root file system (ImportImage; the disk had a separate /boot): ';

/** The mount point of an fstab line (its escapes, e.g. `\040`, decoded), or undefined for a comment or blank line. */
function mountPoint(line: string): string | undefined {
  const fields = line.trim().split(/[ \t]+/);
  if (fields.length < 2 || fields[0]!.startsWith('#')) return undefined;
  return fields[1]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8))).replace(/(.)\/+$/, '$1');
}

/**
 * `text` (an /etc/fstab) with every line mounting a file system on `/boot` commented out (with a
 * note), or undefined when it has none. Other lines, `/boot/efi` included, are kept as they are.
 */
export function withoutBootMount(text: string): string | undefined {
  let changed = false;
  const out = text.split('\n').map((line) => {
    if (mountPoint(line) !== '/boot') return line;
    changed = true;
    return `${NOTE}${line}`;
  });
  return changed ? out.join('\n') : undefined;
}

/**
 * For a disk with a separate /boot file system (merged into the root's tree when the root's
 * /boot was empty, else the root's own /boot kept: either way /boot is in the root now): a layer
 * holding the image's /etc/fstab with its `/boot` line commented out (`withoutBootMount`), or
 * undefined when there is nothing to change. Without it, a bootable export of the image (which
 * has /boot on its root, and no such file system) would wait for that device at boot and end in
 * emergency mode. `treeDir` is the imported layer (extracted by the safe extractor); /etc and
 * /etc/fstab count only as a real directory and a regular file (never through a link). The
 * new layer keeps /etc's and the file's modes, owners and times.
 */
export async function bootFstabLayer(layers: LayerStore, treeDir: string): Promise<LayerBlob | undefined> {
  const etc = await lstat(join(treeDir, 'etc')).catch(() => undefined);
  if (!etc?.isDirectory()) return undefined;
  const read = await readRegularFile(join(treeDir, 'etc', 'fstab'), MAX_FSTAB_BYTES);
  if (!read || !('text' in read)) return undefined;
  const file = await lstat(join(treeDir, 'etc', 'fstab'));
  const fixed = withoutBootMount(read.text);
  if (fixed === undefined) return undefined;
  const { dir, top } = await layers.staging('import-fstab-');
  try {
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc', 'fstab'), fixed);
    for (const [path, st] of [[join(dir, 'etc', 'fstab'), file], [join(dir, 'etc'), etc]] as const) {
      await chown(path, st.uid, st.gid);
      await chmod(path, st.mode & 0o7777);
      await utimes(path, st.atime, st.mtime);
    }
    const blob = await layers.capture(dir);
    await layers.adopt(dir, blob.diffId);
    return blob;
  } finally {
    await rm(top, { recursive: true, force: true });
  }
}
