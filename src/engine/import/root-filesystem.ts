import { open } from 'node:fs/promises';
import { KilnError } from '../../domain/errors.js';
import { probeFilesystem, type FoundFilesystem } from './filesystem-probe.js';
import { probeRoot, type FilesystemTop } from './filesystem-reader.js';
import { diskRegions } from './partition-table.js';

/** The most file systems of one disk that are mounted to look for the root. */
const MAX_PROBED = 16;

/**
 * The root file system of a raw disk. Its regions (partitions, or the whole disk) are read in
 * table order; those with an ext2/3/4 or XFS superblock are mounted read-only one at a time
 * (see `filesystem-reader.ts`). The root is the first whose top holds a directory `etc`; when
 * none does, the first with a directory `usr` (a root with a merged, separate /etc is rare, a
 * separate /usr partition holds `bin` and `lib` at its top, not `usr`). None:
 * `InvalidImage.NoRootFilesystem`. `boot` is the first other file system whose top holds a
 * kernel (`vmlinuz*`) or a bootloader folder (`grub`, `grub2`, `loader`) and no `etc` or `usr`:
 * a separate /boot, merged in when the root's /boot is empty (`filesystem-reader.ts`).
 */
export async function findRootFilesystem(rawFile: string, mountDir: string, signal?: AbortSignal): Promise<{ root: FoundFilesystem; boot?: FoundFilesystem }> {
  const found: FoundFilesystem[] = [];
  const fh = await open(rawFile, 'r');
  try {
    const { size } = await fh.stat();
    for (const region of await diskRegions(fh, size)) {
      const fs = await probeFilesystem(fh, region);
      if (fs) found.push(fs);
    }
  } finally {
    await fh.close();
  }
  const tops = new Map<FilesystemTop, FoundFilesystem>();
  for (const fs of found.slice(0, MAX_PROBED)) {
    const top = await probeRoot(fs, rawFile, mountDir, signal);
    if (!tops.has(top)) tops.set(top, fs);
  }
  const root = tops.get('etc') ?? tops.get('usr');
  if (root) {
    const boot = tops.get('boot');
    return boot ? { root, boot } : { root };
  }
  const seen = found.length === 0 ? 'no ext2/3/4 or XFS file system' : `${found.length} file system(s) (${found.map((f) => `${f.kind} in ${f.name}`).join(', ')}), none with /etc or /usr at its top`;
  throw new KilnError('InvalidImage.NoRootFilesystem', `The disk image has no root file system Kiln recognizes: it holds ${seen}.`);
}
