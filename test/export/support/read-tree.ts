import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readXattrTree } from '../../../src/engine/layers/xattrs.js';

/** Linux's dev_t split (glibc major()/minor()). */
function majorMinor(rdev: number): string {
  const r = BigInt(rdev);
  return `${Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn))},${Number((r & 0xffn) | ((r >> 12n) & ~0xffn))}`;
}

/** One line per path under `root` in the form of `EXPECTED_TREE` (what an unpacked export holds), sorted by path. */
export async function readTree(root: string): Promise<string[]> {
  const xattrs = await readXattrTree(root);
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(rel ? join(root, rel) : root).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const st = lstatSync(abs);
      const type = st.isDirectory() ? 'directory' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other';
      const parts = [path, type, (st.mode & 0o7777).toString(8), `${st.uid}:${st.gid}`];
      if (type === 'symlink') parts.push(`->${readlinkSync(abs)}`);
      if (type === 'char' || type === 'block') parts.push(majorMinor(st.rdev));
      if (type === 'file') parts.push(JSON.stringify(readFileSync(abs, 'utf8')).slice(1, -1));
      for (const [k, v] of [...(xattrs.get(path) ?? [])].sort()) {
        if (k === 'security.selinux' || k.startsWith('trusted.overlay.')) continue;
        parts.push(k.startsWith('user.') ? `xattr:${k}=${v.toString()}` : `xattr:${k}`);
      }
      if (type === 'file' && st.nlink > 1) parts.push(`links:${st.nlink}`);
      out.push(parts.join(' '));
      if (type === 'directory') walk(path);
    }
  };
  walk('');
  return out.sort();
}
