import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockDev, charDev, dir, fifo, file, gnuLongName, hardlink, member, paxHeader, symlink, tarOf } from '../crafted-tar.js';

/*
 * The layer-extraction corpus (issue 8, item 1): crafted tars (`..`, absolute names, writes
 * through symlinks, hardlinks out of the layer, the deferred-entry swap, device nodes, symlink
 * loops, 4 KB names, PAX renames, xattr names, duplicates), each with the tree it must give
 * inside the layer or none (refused); a canary folder outside the layer whose every detail
 * (types, modes, owners, link counts, inodes, times, contents, xattrs) is compared after each
 * case; and the checks that a refused layer left nothing registered.
 */

/** What a case must give: `refused`, or exactly this tree (path → description) in the layer. */
export interface Case {
  name: string;
  tar: Buffer;
  layer?: Record<string, string>;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Everything about a folder an escaping write could change (atime aside), one line per entry. */
function listing(root: string): string {
  const lines: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    const st = lstatSync(abs, { bigint: true });
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'other';
    const what = type === 'file' ? sha256(readFileSync(abs)) : type === 'symlink' ? readlinkSync(abs) : '';
    lines.push(`${rel || '.'} ${type} mode=${st.mode.toString(8)} owner=${st.uid}:${st.gid} nlink=${st.nlink} ino=${st.ino} size=${st.size} rdev=${st.rdev} mtime=${st.mtimeNs} ctime=${st.ctimeNs} ${what}`);
    if (type === 'dir') for (const name of readdirSync(abs).sort()) walk(rel === '' ? name : `${rel}/${name}`);
  };
  walk('');
  const xattrs = execFileSync('getfattr', ['--absolute-names', '-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', root], { encoding: 'utf8' });
  return `${lines.join('\n')}\n--- xattrs\n${xattrs}`;
}

/** A folder outside every layer that no case may change, and what it looked like when (re)made. */
export class Canary {
  private baseline = '';

  constructor(readonly dir: string) {}

  /**
   * A fresh canary folder (at the same path) and its listing: each case starts from an intact
   * one, so a case that damages it fails alone.
   */
  reset(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(join(this.dir, 'sub'), { recursive: true });
    writeFileSync(join(this.dir, 'victim.txt'), 'original victim\n');
    writeFileSync(join(this.dir, 'secret'), 'secret\n', { mode: 0o600 });
    writeFileSync(join(this.dir, 'sub', 'inner.txt'), 'inner\n');
    writeFileSync(join(this.dir, 'hard-a'), 'shared\n');
    linkSync(join(this.dir, 'hard-a'), join(this.dir, 'hard-b'));
    symlinkSync('victim.txt', join(this.dir, 'link'));
    execFileSync('mkfifo', [join(this.dir, 'existing-fifo')]);
    execFileSync('setfattr', ['-n', 'user.canary', '-v', 'intact', join(this.dir, 'victim.txt')]);
    this.baseline = listing(this.dir);
  }

  assertIntact(where: string): void {
    assert.equal(listing(this.dir), this.baseline, `${where}: the canary folder outside the layer changed`);
  }
}

/** The layer as path → `dir`, `file:<content>`, `symlink:<target>`, `char:M:m`, `block:M:m`, `fifo` (` nlink=N` when shared). */
export function describeLayer(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, path);
      const st = lstatSync(abs);
      const dev = `${(st.rdev >> 8) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`;
      let d = st.isDirectory() ? 'dir' : st.isFile() ? `file:${readFileSync(abs, 'utf8')}` : st.isSymbolicLink() ? `symlink:${readlinkSync(abs)}` : st.isCharacterDevice() ? `char:${dev}` : st.isBlockDevice() ? `block:${dev}` : st.isFIFO() ? 'fifo' : 'other';
      if (!st.isDirectory() && st.nlink > 1) d += ` nlink=${st.nlink}`;
      out[path] = d;
      if (st.isDirectory()) walk(path);
    }
  };
  walk('');
  return out;
}

/** The directories leading to `path` (a relative name), as `describeLayer` lists them. */
export function dirsTo(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) out[parts.slice(0, i).join('/')] = 'dir';
  return out;
}

/** The swap: deferred members under `a/`, then `a` becomes a symlink to the canary, then the hardlink's target. */
export function swapTar(target: string, ...more: Buffer[]): Buffer {
  return tarOf(
    dir('a'),
    hardlink('a/victim.txt', 'payload'),
    fifo('a/pwned-fifo'),
    charDev('a/pwned-chr', 1, 3),
    symlink('a', target),
    file('payload', 'PWNED'),
    ...more,
  );
}

/** The crafted tars, each with what it must give, around the canary folder `canary`. */
export function corpus(canary: string): Case[] {
  const up = '../'.repeat(24);
  const rel = `${up}${canary.slice(1)}`; // from any layer dir, up to / and down to the canary
  const absName = `${canary.slice(1)}/abs-name.txt`;
  const longName = `${Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'n'.repeat(198)}`).join('/')}/${'f'.repeat(100)}`;
  return [
    { name: '.. in a name', tar: tarOf(file('../escape.txt', 'out')) },
    { name: '.. deep in a name', tar: tarOf(dir('x'), file(`x/${up}${canary.slice(1)}/escape.txt`, 'out')) },
    { name: 'an absolute name lands inside the layer', tar: tarOf(file(`${canary}/abs-name.txt`, 'in')), layer: { ...dirsTo(absName), [absName]: 'file:in' } },
    { name: 'symlink to an absolute host folder, then a file through it', tar: tarOf(symlink('esc', canary), file('esc/pwned.txt', 'out')) },
    { name: 'symlink to a relative path out, then a file through it', tar: tarOf(symlink('esc', rel), file('esc/pwned.txt', 'out')) },
    { name: 'symlink out, then a directory through it', tar: tarOf(symlink('esc', canary), dir('esc/newdir')) },
    { name: 'symlink out, then a whiteout through it', tar: tarOf(symlink('esc', canary), file('esc/.wh.victim.txt', '')) },
    { name: 'symlink out, then an opaque marker through it', tar: tarOf(symlink('esc', canary), file('esc/.wh..wh..opq', '')) },
    { name: 'symlink out, then a fifo through it', tar: tarOf(symlink('esc', canary), fifo('esc/pwned-fifo')) },
    { name: 'symlink out, then a hardlink named through it', tar: tarOf(file('payload', 'PWNED'), symlink('esc', canary), hardlink('esc/victim.txt', 'payload')) },
    { name: 'hardlink to an absolute host file', tar: tarOf(hardlink('h', `${canary}/victim.txt`)) },
    { name: 'hardlink to a .. target', tar: tarOf(hardlink('h', `${rel}/victim.txt`)) },
    { name: 'hardlink to a target through a symlink', tar: tarOf(symlink('esc', canary), hardlink('h', 'esc/victim.txt')) },
    { name: 'hardlink to a symlink links the symlink, never its target', tar: tarOf(symlink('s', `${canary}/victim.txt`), hardlink('h', 's')), layer: { s: `symlink:${canary}/victim.txt nlink=2`, h: `symlink:${canary}/victim.txt nlink=2` } },
    { name: 'the deferred-entry swap (absolute symlink)', tar: swapTar(canary), layer: { a: `symlink:${canary}`, payload: 'file:PWNED' } },
    { name: 'the deferred-entry swap (relative symlink)', tar: swapTar(rel), layer: { a: `symlink:${rel}`, payload: 'file:PWNED' } },
    { name: 'a deferred hardlink whose target directory becomes a symlink', tar: tarOf(dir('b'), hardlink('x', 'b/victim.txt'), symlink('b', canary), file('payload', 'p')) },
    {
      name: 'xattrs, opaque marks and times of a directory replaced by a symlink',
      tar: tarOf(
        dir('a', { pax: { 'SCHILY.xattr.user.pwn': 'dir' }, mtime: 12345 }),
        file('a/victim.txt', 'PWNED', { pax: { 'SCHILY.xattr.user.pwn': 'file' } }),
        file('a/.wh..wh..opq', ''),
        charDev('a/.wh.gone', 0, 0),
        file('a/.wh.secret', ''),
        symlink('a', canary),
      ),
      layer: { a: `symlink:${canary}` },
    },
    {
      name: 'device nodes, fifos and whiteouts inside the layer',
      tar: tarOf(charDev('dev/null', 1, 3), blockDev('dev/loop0', 7, 0), fifo('run/fifo'), dir('etc'), file('etc/.wh.gone', '')),
      layer: { dev: 'dir', 'dev/null': 'char:1:3', 'dev/loop0': 'block:7:0', run: 'dir', 'run/fifo': 'fifo', etc: 'dir', 'etc/gone': 'char:0:0' },
    },
    { name: 'a symlink loop used as a directory', tar: tarOf(symlink('loop-a', 'loop-b'), symlink('loop-b', 'loop-a'), symlink('self', 'self'), file('loop-a/x', 'out')) },
    { name: 'a self-referencing symlink used as a directory', tar: tarOf(symlink('self', '.'), file('self/self/x', 'x')) },
    { name: 'a 4 KB name (PAX path)', tar: tarOf(file(longName, 'long')) },
    { name: 'a 4 KB name component (GNU long name)', tar: tarOf(gnuLongName('n'.repeat(4096)), file('short', 'long')) },
    { name: 'a PAX header renames a member to ..', tar: tarOf(file('innocent.txt', 'out', { pax: { path: '../pax-escape.txt' } })) },
    { name: 'a PAX header renames a member through a symlink', tar: tarOf(symlink('esc', canary), file('innocent.txt', 'out', { pax: { path: 'esc/pax-pwned.txt' } })) },
    { name: 'a PAX linkpath sends a hardlink out', tar: tarOf(hardlink('h', 'innocent', { pax: { linkpath: `${rel}/victim.txt` } })) },
    { name: 'a GNU long name with ..', tar: tarOf(gnuLongName(`${up}gnu-escape.txt`), file('innocent.txt', 'out')) },
    { name: 'a global PAX header renames every later member', tar: tarOf(paxGlobal({ path: '../global-escape.txt' }), file('innocent.txt', 'out')) },
    { name: 'an xattr name that smuggles another file into the xattr batch', tar: tarOf(file('f', 'x', { pax: { [`SCHILY.xattr.user.a\n\n# file: ${canary}/victim.txt\nuser.pwned`]: 'yes' } })) },
    { name: 'a PAX rename inside the layer is honoured', tar: tarOf(file('wrong-name.txt', 'renamed', { pax: { path: 'right/name.txt' } })), layer: { right: 'dir', 'right/name.txt': 'file:renamed' } },
    {
      name: 'duplicate entries: the last one wins, replacing files, directories and symlinks themselves',
      tar: tarOf(
        file('dup', 'one'), file('dup', 'two'),
        dir('d'), file('d/child', 'c'), fifo('d/fifo'), file('d', 'now a file'),
        symlink('s', `${canary}/victim.txt`), file('s', 'replaced the symlink'),
        symlink('x', canary), dir('x'), file('x/inside', 'in'),
        dir('e', { mode: 0o700 }), dir('e', { mode: 0o755 }),
        fifo('f'), file('f', 'not a fifo'),
        hardlink('hl', 'later'), file('hl', 'not a link'), file('later', 'l'),
      ),
      layer: { dup: 'file:two', d: 'file:now a file', s: 'file:replaced the symlink', x: 'dir', 'x/inside': 'file:in', e: 'dir', f: 'file:not a fifo', hl: 'file:not a link', later: 'file:l' },
    },
  ];
}

/** A global PAX header (`g`): its records apply to every later member. */
export function paxGlobal(records: Record<string, string>): Buffer {
  const local = paxHeader(records);
  local[156] = 'g'.charCodeAt(0);
  let sum = 0;
  local.fill(0x20, 148, 156);
  for (let i = 0; i < 512; i++) sum += local[i]!;
  local.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return local;
}

/**
 * The case's archive with a block after its end marker naming `path`: the same members, but
 * its own digest, so a layer another path already extracted is not simply reused.
 */
export function tarFor(c: Case, path: string): Buffer {
  const trailer = Buffer.alloc(512);
  trailer.write(`kiln security corpus: ${path}`);
  return Buffer.concat([c.tar, trailer]);
}

/** An OCI image layout archive (oci-layout, index.json, blobs) whose one layer is `layer`. */
export function ociArchive(layer: Buffer): Buffer {
  const blob = (b: Buffer) => ({ digest: `sha256:${sha256(b)}`, size: b.length, bytes: b });
  const l = blob(layer);
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [l.digest] } })));
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size }],
  })));
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifest.digest, size: manifest.size }] };
  return tarOf(
    file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' })),
    file('index.json', JSON.stringify(index)),
    dir('blobs'), dir('blobs/sha256'),
    ...[l, config, manifest].map((b) => member({ name: `blobs/sha256/${b.digest.slice(7)}`, type: '0', body: b.bytes })),
  );
}

/** Nothing of a refused layer is registered in `dataDir`: no layer dir, no digest record, no staging left. */
export function assertNothingRegistered(dataDir: string, tar: Buffer, where: string): void {
  const hex = sha256(tar);
  assert.equal(existsSync(join(dataDir, 'layers', hex)), false, `${where}: a layer dir was registered`);
  assert.equal(existsSync(join(dataDir, 'layers', 'by-digest', hex)), false, `${where}: a digest record was written`);
  const staging = join(dataDir, 'layers', 'tmp');
  assert.deepEqual(existsSync(staging) ? readdirSync(staging) : [], [], `${where}: staging left behind`);
}

/** The extracted layer of `tar` in `dataDir`'s layer store. */
export function layerDirOf(dataDir: string, tar: Buffer): string {
  return join(dataDir, 'layers', sha256(tar), 'diff');
}
