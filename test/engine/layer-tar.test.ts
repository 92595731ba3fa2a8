import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, link, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile, lutimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { digestBytes } from '../../src/blobs/digest.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { captureLayer } from '../../src/engine/layers/capture-layer.js';
import { extractLayer, UnsafeLayerPathError } from '../../src/engine/layers/extract-layer.js';
import { readTar } from '../../src/engine/layers/tar/tar-reader.js';
import { writeTar } from '../../src/engine/layers/tar/tar-writer.js';
import { decodePaxRecords, encodeHeader, encodePaxRecords, type TarHeader } from '../../src/engine/layers/tar/tar-header.js';
import { splitRdev } from '../../src/engine/layers/diff-tar.js';
import { describeTree } from './helpers/tree.js';

const LONG_DIR = `deep/${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(90)}`;
const LONG_NAME = `${LONG_DIR}/${'n'.repeat(120)}.txt`;

/** A tree with everything a layer must carry, built the same way every time. */
async function buildSampleTree(root: string): Promise<void> {
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/hello.txt'), 'hello\n');
  await writeFile(join(root, 'setuid-bin'), Buffer.alloc(3000, 7));
  await chmod(join(root, 'setuid-bin'), 0o4755);
  await writeFile(join(root, 'owned'), 'owned by 1234:5678\n');
  await chown(join(root, 'owned'), 1234, 5678);
  await chmod(join(root, 'owned'), 0o640);
  await writeFile(join(root, 'big-uid'), 'x');
  await chown(join(root, 'big-uid'), 3_000_000, 3_000_001);
  await symlink('/etc/hello.txt', join(root, 'abs-link'));
  await symlink('../etc/hello.txt', join(root, 'etc/rel-link'));
  await writeFile(join(root, 'hard-a'), 'shared inode\n');
  await link(join(root, 'hard-a'), join(root, 'hard-b'));
  await link(join(root, 'hard-a'), join(root, 'etc/hard-c'));
  await mkdir(join(root, LONG_DIR), { recursive: true });
  await writeFile(join(root, LONG_NAME), 'long name\n');
  await symlink(`/${LONG_NAME}`, join(root, 'long-target-link'));
  await writeFile(join(root, 'naïve-ünïcode.txt'), 'utf-8 name\n');
  execFileSync('mkfifo', [join(root, 'fifo')]);
  execFileSync('mknod', [join(root, 'null-dev'), 'c', '1', '3']);
  // overlay deletions: a whiteout and an opaque directory
  execFileSync('mknod', [join(root, 'etc/removed'), 'c', '0', '0']);
  await mkdir(join(root, 'opaque-dir'));
  await writeFile(join(root, 'opaque-dir/kept'), 'only me\n');
  execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(root, 'opaque-dir')]);
  // overlay bookkeeping that must not travel
  execFileSync('setfattr', ['-n', 'trusted.overlay.origin', '-v', '0x00fb', join(root, 'etc')]);
  // a file capability-like binary xattr
  execFileSync('setfattr', ['-n', 'user.binary', '-v', '0x000102ff', join(root, 'setuid-bin')]);
  await mkdir(join(root, 'empty-dir'));
  await chmod(join(root, 'empty-dir'), 0o1777);
  // stable times, deepest first so directory times stick
  const t = 1_600_000_000;
  for (const p of ['etc/hello.txt', 'setuid-bin', 'owned', 'big-uid', 'hard-a', LONG_NAME, 'naïve-ünïcode.txt', 'fifo', 'null-dev', 'etc/removed', 'opaque-dir/kept']) {
    await utimes(join(root, p), t + 1, t + 1);
  }
  for (const p of ['abs-link', 'etc/rel-link', 'long-target-link']) await lutimes(join(root, p), t + 2, t + 2);
  const dirs = [LONG_DIR, `deep/${'d'.repeat(90)}/${'e'.repeat(90)}`, `deep/${'d'.repeat(90)}`, 'deep', 'etc', 'opaque-dir', 'empty-dir'];
  for (const d of dirs) await utimes(join(root, d), t + 3, t + 3);
}

async function collect(input: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of input) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

describe('layer tar', () => {
  let work: string;
  let blobs: LocalBlobStore;
  let layers: LayerStore;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-tar-'));
    blobs = new LocalBlobStore(join(work, 'data/blobs'));
    layers = new LayerStore(join(work, 'data'), blobs);
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('PAX headers carry long names, long link targets, big ids and binary xattrs', async () => {
    const header: TarHeader = {
      name: `${'a'.repeat(150)}/ü/${'b'.repeat(200)}`,
      type: 'symlink',
      mode: 0o777,
      uid: 5_000_000,
      gid: 7,
      size: 0,
      mtime: 1_700_000_000,
      linkname: `/${'t'.repeat(300)}`,
      xattrs: new Map([['security.capability', Buffer.from([0, 1, 2, 0xff, 0x0a, 0x3d])]]),
    };
    const tar = await collect(writeTar([{ header }]));
    const entries = [];
    for await (const e of readTar([tar])) entries.push(e.header);
    assert.equal(entries.length, 1);
    const got = entries[0]!;
    assert.equal(got.name, header.name);
    assert.equal(got.linkname, header.linkname);
    assert.equal(got.uid, 5_000_000);
    assert.equal(got.type, 'symlink');
    assert.deepEqual(got.xattrs?.get('security.capability'), header.xattrs!.get('security.capability'));
    // GNU tar reads the same archive
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', '-'], { input: tar }).toString();
    assert.match(listing, new RegExp(`${'b'.repeat(200)} -> /${'t'.repeat(300)}`));
  });

  test('PAX record lengths count their own digits', () => {
    for (const size of [1, 85, 90, 95, 96, 97, 98, 99, 100, 990, 995, 996, 9990]) {
      const records = new Map([['k', Buffer.alloc(size, 0x61)]]);
      const encoded = encodePaxRecords(records);
      assert.equal(Number(encoded.toString('latin1').split(' ')[0]), encoded.length);
      assert.deepEqual(decodePaxRecords(encoded).get('k'), records.get('k'));
    }
  });

  test('a plain short header is one ustar block', () => {
    const block = encodeHeader({ name: 'a/b', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 5, mtime: 1 });
    assert.equal(block.length, 512);
    assert.equal(block.subarray(257, 263).toString('latin1'), 'ustar\0');
  });

  test('splitRdev decodes major and minor numbers', () => {
    assert.deepEqual(splitRdev(0x103), [1, 3]); // /dev/null
    assert.deepEqual(splitRdev((259 << 8) | 5), [259, 5]);
    assert.deepEqual(splitRdev(0), [0, 0]);
  });

  test('capture turns overlay whiteouts and opaque dirs into .wh. members and keeps metadata', async () => {
    const tree = join(work, 'sample');
    await mkdir(tree);
    await buildSampleTree(tree);
    const layer = await captureLayer(tree, blobs);
    assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar');
    assert.equal(layer.diffId, layer.digest);
    const bytes = await collect(await blobs.get(layer.digest));
    assert.equal(digestBytes(bytes), layer.digest);
    assert.equal(bytes.length, layer.size);

    const members = new Map<string, TarHeader>();
    const order: string[] = [];
    for await (const { header } of readTar([bytes])) {
      members.set(header.name, header);
      order.push(header.name);
    }
    assert.ok(members.has('etc/.wh.removed'), 'whiteout member');
    assert.equal(members.get('etc/.wh.removed')!.type, 'file');
    assert.ok(!members.has('etc/removed'));
    assert.ok(members.has('opaque-dir/.wh..wh..opq'), 'opaque marker');
    assert.equal(order.indexOf('opaque-dir/.wh..wh..opq'), order.indexOf('opaque-dir') + 1, 'marker right after its dir');
    assert.equal(members.get('opaque-dir')!.xattrs, undefined, 'overlay xattrs are not layer xattrs');
    assert.equal(members.get('etc')!.xattrs, undefined, 'trusted.overlay.origin dropped');
    assert.equal(members.get('setuid-bin')!.mode, 0o4755);
    assert.deepEqual(members.get('setuid-bin')!.xattrs?.get('user.binary'), Buffer.from([0, 1, 2, 0xff]));
    assert.equal(members.get('owned')!.uid, 1234);
    assert.equal(members.get('owned')!.gid, 5678);
    assert.equal(members.get('big-uid')!.uid, 3_000_000);
    assert.equal(members.get('abs-link')!.linkname, '/etc/hello.txt');
    // the first name in archive order holds the content; the others link to it
    assert.equal(members.get('etc/hard-c')!.type, 'file');
    assert.equal(members.get('hard-a')!.type, 'hardlink');
    assert.equal(members.get('hard-a')!.linkname, 'etc/hard-c');
    assert.equal(members.get('hard-b')!.linkname, 'etc/hard-c');
    assert.equal(members.get(LONG_NAME)!.size, 'long name\n'.length);
    assert.equal(members.get('null-dev')!.type, 'char');
    assert.equal(members.get('null-dev')!.devmajor, 1);
    assert.equal(members.get('null-dev')!.devminor, 3);
    assert.equal(members.get('fifo')!.type, 'fifo');
    assert.equal(members.get('etc/hello.txt')!.mtime, 1_600_000_001);
    // GNU tar can list it and sees the whiteout as a plain file
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', '-'], { input: bytes, maxBuffer: 1 << 24 }).toString();
    assert.match(listing, /etc\/\.wh\.removed/);
    assert.match(listing, /1234\/5678/);
  });

  test('whiteouts, opaque dirs, hardlinks, symlinks and long names round trip through extract', async () => {
    const tree = join(work, 'roundtrip-src');
    await mkdir(tree);
    await buildSampleTree(tree);
    const layer = await captureLayer(tree, blobs);
    const out = join(work, 'roundtrip-out');
    const result = await extractLayer(await blobs.get(layer.digest), out);
    assert.equal(result.diffId, layer.diffId);
    const want = await describeTree(tree);
    const got = await describeTree(out);
    // trusted.overlay.origin is bookkeeping that is not carried
    for (const e of want) if (e.xattrs) delete e.xattrs['trusted.overlay.origin'];
    for (const e of [...want, ...got]) if (e.xattrs && Object.keys(e.xattrs).length === 0) delete e.xattrs;
    assert.deepEqual(got, want);
    // and capturing the extracted tree gives the same bytes
    const again = await captureLayer(out, blobs);
    assert.equal(again.digest, layer.digest);
  });

  test('identical trees give identical digests', async () => {
    const a = join(work, 'same-a');
    const b = join(work, 'same-b');
    await mkdir(a);
    await mkdir(b);
    await buildSampleTree(a);
    await buildSampleTree(b);
    const la = await captureLayer(a, blobs);
    const lb = await captureLayer(b, blobs);
    assert.equal(la.digest, lb.digest);
    await writeFile(join(b, 'etc/hello.txt'), 'hellO\n');
    await utimes(join(b, 'etc/hello.txt'), 1_600_000_001, 1_600_000_001);
    await utimes(join(b, 'etc'), 1_600_000_003, 1_600_000_003);
    const lc = await captureLayer(b, blobs);
    assert.notEqual(lc.digest, la.digest);
  });

  test('the layer store imports plain and gzip tars under the same diffID', async () => {
    const tree = join(work, 'import-src');
    await mkdir(tree);
    await buildSampleTree(tree);
    const layer = await captureLayer(tree, blobs);
    const plain = await layers.ensure(layer.digest);
    assert.equal(plain.diffId, layer.diffId);
    assert.equal(plain.dir, layers.dirOf(layer.diffId));
    assert.equal((await readFile(join(plain.dir, 'etc/hello.txt'), 'utf8')), 'hello\n');
    const gz = gzipSync(await collect(await blobs.get(layer.digest)));
    const gzBlob = await blobs.put(gz);
    const fromGz = await layers.ensure(gzBlob.digest);
    assert.equal(fromGz.diffId, layer.diffId);
    assert.equal(fromGz.dir, plain.dir);
  });

  test('a tar written by GNU tar (PAX, long names, xattrs) imports', async () => {
    const src = join(work, 'gnu-src');
    await mkdir(src);
    await buildSampleTree(src);
    await rm(join(src, 'etc/removed')); // GNU tar would archive a whiteout as a device
    await writeFile(join(src, 'etc/.wh.gone'), '');
    const tar = execFileSync('tar', ['--format=pax', '--xattrs', "--xattrs-include=user.*", '--numeric-owner', '-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
    const imported = await layers.importTar([tar]);
    const got = await describeTree(imported.dir);
    const byPath = new Map(got.map((e) => [e.path, e]));
    assert.equal(byPath.get('etc/gone')?.type, 'char', '.wh.gone became a whiteout');
    assert.equal(byPath.get('etc/gone')?.rdev, 0);
    assert.equal(byPath.get(LONG_NAME)?.sha256 !== undefined, true);
    assert.equal(byPath.get('setuid-bin')?.mode, 0o4755);
    assert.equal(byPath.get('setuid-bin')?.xattrs?.['user.binary'], '000102ff');
    assert.equal(byPath.get('hard-b')?.hardlinkGroup, byPath.get('hard-a')?.hardlinkGroup);
    assert.equal(byPath.get('owned')?.uid, 1234);
  });

  test('members that escape the layer are refused', async () => {
    const evil = await collect(
      writeTar([{ header: { name: '../escape', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0 }, body: Buffer.from('x') }]),
    );
    await assert.rejects(extractLayer([evil], join(work, 'evil1')), UnsafeLayerPathError);
    const through = await collect(
      writeTar([
        { header: { name: 'etc', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 0, linkname: join(work, 'outside') } },
        { header: { name: 'etc/passwd', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0 }, body: Buffer.from('x') },
      ]),
    );
    await mkdir(join(work, 'outside'));
    await assert.rejects(extractLayer([through], join(work, 'evil2')), UnsafeLayerPathError);
    await assert.rejects(readFile(join(work, 'outside/passwd')), { code: 'ENOENT' });
  });

  test("overlay's own xattrs in a tar member are not restored", async () => {
    const tar = await collect(
      writeTar([
        {
          header: {
            name: 'd',
            type: 'directory',
            mode: 0o755,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: 0,
            xattrs: new Map([
              ['trusted.overlay.redirect', Buffer.from('/elsewhere')],
              ['user.kept', Buffer.from('yes')],
            ]),
          },
        },
      ]),
    );
    const out = join(work, 'xattr-filter');
    await extractLayer([tar], out);
    const [entry] = await describeTree(out);
    assert.deepEqual(entry?.xattrs, { 'user.kept': Buffer.from('yes').toString('hex') });
  });
});
