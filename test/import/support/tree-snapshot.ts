import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A file tree as plain data, for comparing an imported layer with its source: per path its type,
 * mode, owner, content digest, link target, device numbers, every xattr (read with getfattr,
 * an independent reader), and its hard-link group (the sorted paths sharing its inode).
 */
export interface TreeEntry {
  path: string;
  type: string;
  mode: string;
  owner: string;
  content?: string;
  target?: string;
  rdev?: string;
  xattrs: Record<string, string>;
  links?: string[];
}

type Stat = NonNullable<ReturnType<typeof lstatSync>>;
const TYPES: [string, (s: Stat) => boolean][] = [
  ['dir', (s) => s.isDirectory()], ['file', (s) => s.isFile()], ['symlink', (s) => s.isSymbolicLink()],
  ['char', (s) => s.isCharacterDevice()], ['block', (s) => s.isBlockDevice()], ['fifo', (s) => s.isFIFO()],
];

/** The tree under `root` (the root itself excluded), sorted by path; `skip` names top-level entries left out. */
export function snapshotTree(root: string, skip: string[] = []): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const inodes = new Map<string, string[]>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (!rel && skip.includes(name)) continue;
      const abs = join(root, path);
      const st = lstatSync(abs);
      const type = TYPES.find(([, is]) => is(st))?.[0] ?? 'other';
      const entry: TreeEntry = { path, type, mode: (st.mode & 0o7777).toString(8), owner: `${st.uid}:${st.gid}`, xattrs: xattrsOf(abs) };
      if (type === 'file') {
        entry.content = createHash('sha256').update(readFileSync(abs)).digest('hex');
        if (st.nlink > 1) inodes.set(String(st.ino), [...(inodes.get(String(st.ino)) ?? []), path]);
      }
      if (type === 'symlink') entry.target = readlinkSync(abs);
      if (type === 'char' || type === 'block') entry.rdev = String(st.rdev);
      entries.push(entry);
      if (type === 'dir') walk(path);
    }
  };
  walk('');
  for (const group of inodes.values()) for (const e of entries) if (group.includes(e.path)) e.links = [...group].sort();
  return entries;
}

function xattrsOf(abs: string): Record<string, string> {
  const out = execFileSync('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', '-e', 'hex', abs], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const xattrs: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (line.startsWith('#') || eq < 0) continue;
    xattrs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return xattrs;
}
