import { runTool } from './run-tool.js';

/** What makes an ext4 filesystem the same each time: its UUID, its directory hash seed and its clock. */
export interface Ext4Identity {
  uuid: string;
  hashSeed: string;
  /** Seconds since the epoch: the filesystem's times (made, written) and every inode's ctime and atime. */
  time: number;
  /** The filesystem label (default `root`). */
  label?: string;
}

/** The first inode number that is not reserved (ext4's `EXT2_GOOD_OLD_FIRST_INO`). */
const FIRST_INO = 11;
const ROOT_INO = 2;

/**
 * Makes an ext4 filesystem of `fsBytes` (4 KiB blocks) at byte `offset` of the file `disk`,
 * holding a copy of the directory `srcDir` (mke2fs -d: owners, modes, mtimes, xattrs, symlinks,
 * hard links, device nodes), with no mount and no loop device. mke2fs copies each inode's
 * ctime (and atime) from the source tree, which differ each time it is written, so both are
 * then set to `id.time` with debugfs; with the fixed UUID, hash seed and E2FSPROGS_FAKE_TIME,
 * the same tree gives the same bytes.
 */
export async function makeExt4(disk: string, offset: number, fsBytes: number, srcDir: string, id: Ext4Identity, signal?: AbortSignal): Promise<void> {
  const env = { E2FSPROGS_FAKE_TIME: String(id.time) };
  const options = [`offset=${offset}`, `hash_seed=${id.hashSeed}`, 'nodiscard', 'lazy_itable_init=1', 'lazy_journal_init=1', 'root_owner=0:0'];
  await runTool('mkfs.ext4', ['-q', '-F', '-b', '4096', '-L', id.label ?? 'root', '-U', id.uuid, '-E', options.join(','), '-d', srcDir, disk, `${Math.floor(fsBytes / 4096)}`], { env, signal });
  const spec = `${disk}?offset=${offset}`;
  const inodes = await usedInodes(spec, signal);
  const script = inodes.flatMap((i) => [`sif <${i}> ctime ${id.time}`, `sif <${i}> atime ${id.time}`]).join('\n');
  await runTool('debugfs', ['-w', '-f', '-', spec], { env, input: `${script}\n`, signal });
}

/** Every inode in use (the root and the non-reserved ones), read from the inode bitmaps that dumpe2fs prints. */
async function usedInodes(spec: string, signal?: AbortSignal): Promise<number[]> {
  const out = await runTool('dumpe2fs', [spec], { signal });
  const perGroup = Number(/^Inodes per group:\s+(\d+)/m.exec(out)?.[1]);
  const count = Number(/^Inode count:\s+(\d+)/m.exec(out)?.[1]);
  if (!(perGroup > 0 && count > 0)) throw new Error(`dumpe2fs printed no inode geometry for ${spec}`);
  const free = new Uint8Array(count + 1);
  for (const m of out.matchAll(/^\s+Free inodes: (.*)$/gm)) {
    for (const range of m[1]!.split(',').map((r) => r.trim()).filter(Boolean)) {
      const [a, b] = range.split('-').map(Number);
      for (let i = a!; i <= (b ?? a!) && i <= count; i++) free[i] = 1;
    }
  }
  const used: number[] = [ROOT_INO];
  for (let i = FIRST_INO; i <= count; i++) if (!free[i]) used.push(i);
  return used;
}
