import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../../../src/blobs/local-blob-store.js';
import { initialConfig } from '../../../src/engine/image-config.js';
import { importArchive } from '../../../src/engine/image/import-image.js';
import { readImage, writeImage } from '../../../src/engine/image/oci-image.js';
import { LAYER_MEDIA_TYPE } from '../../../src/engine/layers/capture-layer.js';
import { LayerStore } from '../../../src/engine/layers/layer-store.js';
import type { TarHeader } from '../../../src/engine/layers/tar/tar-header.js';
import { writeTar, type TarWriteEntry } from '../../../src/engine/layers/tar/tar-writer.js';
import type { ExportDeps } from '../../../src/engine/export/export-image.js';

/*
 * The image the export tests write: two crafted layers (a rootfs imported with the engine's
 * importArchive, then a layer with whiteouts and an opaque directory) and a config with
 * CMD/ENTRYPOINT/ENV/WORKDIR/USER/LABEL, in a throwaway data dir. `EXPECTED_TREE` is the merged
 * tree any reader of an export must find.
 */

const T = 1_700_000_000;
const base = { mode: 0o644, uid: 0, gid: 0, size: 0, mtime: T };
const dir = (name: string, more: Partial<TarHeader> = {}): TarWriteEntry => ({ header: { ...base, mode: 0o755, name, type: 'directory', ...more } });
const file = (name: string, text: string, more: Partial<TarHeader> = {}): TarWriteEntry => ({ header: { ...base, name, type: 'file', size: Buffer.byteLength(text), ...more }, body: Buffer.from(text) });

/** The first layer: every kind of member, owners, modes and xattrs. */
const LAYER1: TarWriteEntry[] = [
  dir('bin'),
  file('bin/tool', 'binary\n', { mode: 0o4755, xattrs: new Map([['security.capability', Buffer.from('0100000200040000000000000000000000000000', 'hex')]]) }),
  file('bin/tool-link', '', { type: 'hardlink', linkname: 'bin/tool', size: 0 }),
  { header: { ...base, name: 'bin/sh', type: 'symlink', linkname: '/bin/tool', mode: 0o777 } },
  dir('dev'),
  { header: { ...base, name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 } },
  { header: { ...base, name: 'dev/sda', type: 'block', mode: 0o660, gid: 6, devmajor: 8, devminor: 0 } },
  { header: { ...base, name: 'dev/pipe', type: 'fifo', mode: 0o600 } },
  dir('home'),
  dir('home/user', { uid: 1000, gid: 1000, mode: 0o700 }),
  file('home/user/notes.txt', 'hello from user\n', { uid: 1000, gid: 1000, mode: 0o600, xattrs: new Map([['user.comment', Buffer.from('kept')]]) }),
  dir('etc'),
  file('etc/victim', 'removed by layer 2\n'),
  dir('etc/old'),
  file('etc/old/a', 'hidden by the opaque dir\n'),
  dir('opt'),
  file('opt/kept', 'merged\n'),
];

/** The second layer: a whiteout, an opaque directory, a file replaced by a directory, a new file. */
const LAYER2: TarWriteEntry[] = [
  dir('etc'),
  file('etc/.wh.victim', ''),
  dir('etc/old', { mode: 0o750 }),
  file('etc/old/.wh..wh..opq', ''),
  file('etc/old/b', 'only this\n'),
  dir('opt'),
  file('opt/added', 'added in layer 2\n', { uid: 33, gid: 33 }),
];

/** One line per path of the merged tree: `path type mode uid:gid extra` (extra: link target, device, content, xattrs). */
export const EXPECTED_TREE = [
  'bin directory 755 0:0',
  'bin/sh symlink 777 0:0 ->/bin/tool',
  'bin/tool file 4755 0:0 binary\\n xattr:security.capability links:2',
  'bin/tool-link file 4755 0:0 binary\\n xattr:security.capability links:2',
  'dev directory 755 0:0',
  'dev/null char 666 0:0 1,3',
  'dev/pipe fifo 600 0:0',
  'dev/sda block 660 0:6 8,0',
  'etc directory 755 0:0',
  'etc/old directory 750 0:0',
  'etc/old/b file 644 0:0 only this\\n',
  'home directory 755 0:0',
  'home/user directory 700 1000:1000',
  'home/user/notes.txt file 600 1000:1000 hello from user\\n xattr:user.comment=kept',
  'opt directory 755 0:0',
  'opt/added file 644 33:33 added in layer 2\\n',
  'opt/kept file 644 0:0 merged\\n',
];

export const IMAGE_CONFIG = { cmd: ['/bin/sh', '-c', 'echo hi'], entrypoint: ['/bin/tool'], env: [['PATH', '/bin'], ['GREETING', 'hello world']] as Array<[string, string]>, workingDir: '/home/user', user: '1000', labels: { 'org.example.role': 'test' } };

async function tarBuffer(entries: TarWriteEntry[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const piece of writeTar(entries)) out.push(piece);
  return Buffer.concat(out);
}

export interface TestImage {
  deps: ExportDeps;
  manifestDigest: string;
  work: string;
  close(): void;
}

/** Makes the test image in a fresh data dir (under `tmpdir()`). */
export async function makeTestImage(): Promise<TestImage> {
  const work = mkdtempSync(join(tmpdir(), 'kiln-export-'));
  const blobs = new LocalBlobStore(join(work, 'data', 'blobs'));
  const layers = new LayerStore(join(work, 'data'), blobs);
  const rootfs = join(work, 'rootfs.tar');
  writeFileSync(rootfs, await tarBuffer(LAYER1));
  const first = await readImage(blobs, await importArchive({ blobs, layers }, rootfs));
  const second = await blobs.put(await tarBuffer(LAYER2));
  const { diffId } = await layers.ensure(second.digest);
  const { manifestDigest } = await writeImage(blobs, {
    layers: [...first.layers, { mediaType: LAYER_MEDIA_TYPE, digest: second.digest, diffId, size: second.size }],
    config: initialConfig(IMAGE_CONFIG),
    created: new Date(T * 1000).toISOString(),
    history: ['import rootfs.tar', 'layer 2'],
  });
  return { deps: { blobs, layers }, manifestDigest, work, close: () => rmSync(work, { recursive: true, force: true }) };
}
