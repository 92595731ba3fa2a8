import { relative } from 'node:path';
import { runCommand } from '../system/run-command.js';
import { withSysHelper } from '../system/sys-helper.js';

/**
 * Extended attributes of whole trees: read through the system-call helper (`sys-helper.ts`), or
 * `getfattr` where it cannot run; written with `setfattr` (Debian's `attr`). Node's fs has no
 * xattr calls. Symlinks are never followed.
 */

/** Path (relative to the root, '' for the root) → attribute name → raw value. */
export type XattrTree = Map<string, Map<string, Buffer>>;

/** Every extended attribute (all namespaces, as root) of every file under `root`. */
export async function readXattrTree(root: string): Promise<XattrTree> {
  // llistxattr/lgetxattr through the system-call helper when it runs (no process per tree)
  const viaHelper = await withSysHelper((h) => h.xattrTree(root));
  if (viaHelper) return viaHelper.value;
  // fails loudly (e.g. getfattr missing): a silently empty result would drop opaque dirs
  const { stdout } = await runCommand('getfattr', ['--absolute-names', '-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', root]);
  const tree: XattrTree = new Map();
  let current: Map<string, Buffer> | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      const abs = unescapeName(line.slice('# file: '.length));
      current = new Map();
      tree.set(relative(root, abs), current);
    } else if (line !== '' && current) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      current.set(line.slice(0, eq), decodeValue(line.slice(eq + 1)));
    }
  }
  return tree;
}

/**
 * An attribute name `setfattr --restore` reads back as written: printable ASCII without `=`
 * or spaces, at most 255 bytes (the kernel's limit). Names travel raw in its dump, so a newline
 * in one would start a line of the dump's own (another `# file:`).
 */
export function isPlainXattrName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && /^[\x21-\x3c\x3e-\x7e]+$/.test(name);
}

/** Sets attributes on many files in one `setfattr --restore` (paths absolute; names must be plain). */
export async function writeXattrs(entries: Iterable<[string, Map<string, Buffer>]>): Promise<void> {
  let dump = '';
  for (const [path, attrs] of entries) {
    if (attrs.size === 0) continue;
    dump += `# file: ${escapeName(path)}\n`;
    for (const [name, value] of attrs) {
      if (!isPlainXattrName(name)) throw new Error(`xattr name ${JSON.stringify(name)} cannot be written (not plain printable ASCII)`);
      dump += `${name}=0s${value.toString('base64')}\n`;
    }
    dump += '\n';
  }
  if (dump === '') return;
  await runCommand('setfattr', ['-h', '--restore=-'], { input: dump });
}

/** getfattr's value encodings: `0s` base64, `0x` hex, or a quoted string. */
function decodeValue(text: string): Buffer {
  if (text.startsWith('0s')) return Buffer.from(text.slice(2), 'base64');
  if (text.startsWith('0x')) return Buffer.from(text.slice(2), 'hex');
  if (text.startsWith('"') && text.endsWith('"')) return unescapeBytes(text.slice(1, -1));
  return Buffer.from(text, 'utf8');
}

/** getfattr writes unusual bytes of names as `\ooo` (octal). */
function unescapeName(text: string): string {
  return unescapeBytes(text).toString('utf8');
}

function unescapeBytes(text: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  const re = /\\([0-7]{3})/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1]!, 8) & 0xff]));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** The inverse for setfattr: control bytes, space-like bytes, backslash and non-ASCII as `\ooo`. */
function escapeName(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    out += byte <= 0x20 || byte >= 0x7f || byte === 0x5c ? `\\${byte.toString(8).padStart(3, '0')}` : String.fromCharCode(byte);
  }
  return out;
}
