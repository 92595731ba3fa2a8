import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readXattrTree } from '../../../src/engine/layers/xattrs.js';

/** One file of a tree, everything a layer must preserve (inode numbers replaced by hardlink groups). */
export interface TreeEntry {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  sha256?: string;
  link?: string;
  rdev?: number;
  xattrs?: Record<string, string>;
  hardlinkGroup?: string;
}

/** A sorted description of every file below `root` (the root excluded). */
export async function describeTree(root: string): Promise<TreeEntry[]> {
  const xattrs = await readXattrTree(root);
  const out: TreeEntry[] = [];
  const inodes = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const st = await lstat(abs);
      const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other';
      const e: TreeEntry = { path, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), size: type === 'file' ? st.size : 0 };
      if (type === 'symlink') e.mode = 0; // symlink modes are meaningless
      if (type === 'file') e.sha256 = createHash('sha256').update(await readFile(abs)).digest('hex');
      if (type === 'symlink') e.link = await readlink(abs);
      if (type === 'char' || type === 'block') e.rdev = st.rdev;
      if (type === 'dir') e.mtime = Math.floor(st.mtimeMs / 1000);
      const x = xattrs.get(path);
      if (x && x.size > 0) e.xattrs = Object.fromEntries([...x].map(([k, v]) => [k, v.toString('hex')]).sort());
      if (type === 'file' && st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (!inodes.has(key)) inodes.set(key, path);
        e.hardlinkGroup = inodes.get(key);
      }
      out.push(e);
      if (type === 'dir') await walk(path);
    }
  }
  await walk('');
  return out;
}
