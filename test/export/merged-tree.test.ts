import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { mergedTreeEntries } from '../../src/engine/export/merged-tree.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import type { TarHeader } from '../../src/engine/layers/tar/tar-header.js';
import { writeTar, type TarWriteEntry } from '../../src/engine/layers/tar/tar-writer.js';

/*
 * Issue 9, part X: the merge of layers an export reads, without a mount, against what overlayfs
 * shows: a file replaced by a directory and a directory by a file, a whited-out directory, an
 * opaque directory over two lower layers, a hard link whose other name a later layer replaced
 * (the survivor is a plain file), and a hard link pair that survives whole.
 */

const run = promisify(execFile);
const base = { mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 };
const dir = (name: string): TarWriteEntry => ({ header: { ...base, mode: 0o755, name, type: 'directory' } });
const file = (name: string, text: string, more: Partial<TarHeader> = {}): TarWriteEntry => ({ header: { ...base, name, type: 'file', size: text.length, ...more }, body: Buffer.from(text) });
const link = (name: string, target: string): TarWriteEntry => ({ header: { ...base, name, type: 'hardlink', linkname: target } });

let work: string;
let layers: LayerStore;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'kiln-merge-'));
  layers = new LayerStore(work, new LocalBlobStore(join(work, 'blobs')));
});
after(() => rmSync(work, { recursive: true, force: true }));

async function layerDir(entries: TarWriteEntry[]): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const p of writeTar(entries)) pieces.push(p);
  return (await layers.importTar([Buffer.concat(pieces)])).dir;
}

test('the merged tree is what overlayfs would show', async () => {
  const l1 = await layerDir([
    file('was-file', 'x'), dir('was-dir'), file('was-dir/inner', 'y'), dir('gone'), file('gone/deep', 'z'),
    dir('opq'), file('opq/l1', '1'), file('pair-a', 'shared'), link('pair-b', 'pair-a'), file('keep-a', 'kept'), link('keep-b', 'keep-a'),
  ]);
  const l2 = await layerDir([dir('opq'), file('opq/l2', '2')]);
  const l3 = await layerDir([
    dir('was-file'), file('was-file/now', 'n'), file('was-dir', 'now a file'), file('.wh.gone', ''),
    dir('opq'), file('opq/.wh..wh..opq', ''), file('opq/l3', '3'), file('pair-a', 'replaced'),
  ]);
  const seen: string[] = [];
  for await (const { header: h } of mergedTreeEntries([l1, l2, l3])) seen.push(`${h.name} ${h.type}${h.linkname ? ` ->${h.linkname}` : ''}${h.type === 'file' ? ` ${h.size}` : ''}`);
  assert.deepEqual(seen, [
    'keep-a file 4',
    'keep-b hardlink ->keep-a',
    'opq directory',
    'opq/l3 file 1',
    'pair-a file 8',
    'pair-b file 6',
    'was-dir file 10',
    'was-file directory',
    'was-file/now file 1',
  ]);

  // the same names and kinds as a read-only overlay mount of the three layers
  const mnt = join(work, 'mnt');
  mkdirSync(mnt);
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${l3}:${l2}:${l1}`, mnt]);
  try {
    const kind = (p: string) => (lstatSync(p).isDirectory() ? 'directory' : 'file');
    const walk = (rel: string): string[] =>
      readdirSync(join(mnt, rel)).sort().flatMap((n) => {
        const path = rel ? `${rel}/${n}` : n;
        return [`${path} ${kind(join(mnt, path))}`, ...(kind(join(mnt, path)) === 'directory' ? walk(path) : [])];
      });
    assert.deepEqual(walk(''), seen.map((l) => l.split(' ').slice(0, 2).join(' ').replace(' hardlink', ' file')));
  } finally {
    await run('umount', [mnt]);
  }
});
