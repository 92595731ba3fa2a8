import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { newAccountImage } from '../../src/domain/image.js';
import { ecsTime } from '../../src/domain/time.js';
import { runnableImage } from '../../src/engine/base-layers.js';
import { initialConfig } from '../../src/engine/image-config.js';
import { importArchive } from '../../src/engine/image/import-image.js';
import { writeImage } from '../../src/engine/image/oci-image.js';
import { LAYER_MEDIA_TYPE } from '../../src/engine/layers/capture-layer.js';
import { extractLayer, InvalidLayerError } from '../../src/engine/layers/extract-layer.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { REPO_ROOT } from '../support/child.js';
import { dir, file, member, paxHeader, tarOf } from './crafted-tar.js';

/*
 * Issue 8, item 1 (resources): a small layer cannot make extraction exhaust the process or the
 * host. Many device nodes with long names extract in a child process with a 48 MB heap; xattr
 * values are not all held until the end; past the layer limits (members, uncompressed bytes) a
 * layer is refused as InvalidImage.LayerTooLarge; an AbortSignal stops an extraction under way;
 * failed extractions leave no file descriptor open; hostile xattrs are InvalidLayerErrors (so a
 * stored image fails with an InvalidImage.* code); JSON documents of OCI archives are capped.
 */

const run = promisify(execFile);
let work: string;
let n = 0;
const fresh = (what: string): string => join(work, `${what}-${++n}`);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** `make` must reject with an error of this name (checked by name: the class is new). */
async function rejectsNamed(make: () => Promise<unknown>, name: string, message?: RegExp): Promise<Error> {
  try {
    await make();
  } catch (err) {
    assert.equal((err as Error).name, name, `expected ${name}, got ${(err as Error).name}: ${(err as Error).message}`);
    if (message) assert.match((err as Error).message, message);
    return err as Error;
  }
  assert.fail(`expected ${name}, but it succeeded`);
}

/** A tar of one regular file of `size` zero bytes, generated as it is read (256 KiB pieces); `read` counts bytes handed out. */
function* bigFileTar(size: number, read: { bytes: number }): Generator<Buffer> {
  const head = member({ name: 'big', type: '0', body: Buffer.alloc(0) });
  // the header says size 0: patch in the real size and checksum
  head.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  head.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of head) sum += b;
  head.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  read.bytes += head.length;
  yield head;
  const piece = Buffer.alloc(256 * 1024);
  for (let left = size; left > 0; left -= piece.length) {
    const p = left >= piece.length ? piece : piece.subarray(0, left);
    read.bytes += p.length;
    yield p;
  }
  yield Buffer.alloc(1024);
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'kiln-layer-resources-'));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('layer extraction is bounded in memory, disk, time and descriptors', () => {
  test('12,000 fifos with 2 KB names and 1,200 long-named directories extract in a process with a 48 MB heap', async () => {
    const target = fresh('nodes');
    const script = join(REPO_ROOT, 'test', 'security', 'support', 'extract-many-nodes.ts');
    const { stdout } = await run(process.execPath, ['--max-old-space-size=48', '--import', 'tsx', script, target, '12000'], { cwd: REPO_ROOT, maxBuffer: 1 << 20 })
      .catch((err: { code?: number; signal?: string; stderr?: string; stdout?: string }) => {
        assert.fail(`the extracting process died (exit ${err.code ?? err.signal}): ${(err.stderr ?? '').split('\n').filter((l) => /heap|memory/i.test(l)).slice(0, 3).join(' | ')}`);
      });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { ok: boolean; name?: string; message?: string };
    assert.equal(result.ok, true, `extraction failed: ${result.name}: ${result.message}`);
    const deep = readdirSync(target, { recursive: true }) as string[];
    assert.equal(deep.filter((p) => p.includes('ffff')).length, 10_800);
  });

  test('xattr values are written in batches, not all held until the last member', async () => {
    // 20,000 files, each with a 3,500-byte xattr value (ext4 keeps one block of xattrs per file): 67 MiB of values
    const value = 'v'.repeat(3500);
    let peak = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
    };
    global.gc?.();
    sample();
    const before = peak;
    const members = function* (): Generator<Buffer> {
      for (let i = 0; i < 20_000; i++) {
        sample();
        yield Buffer.concat([paxHeader({ 'SCHILY.xattr.user.big': value }), file(`f${i}`, 'x')]);
      }
      yield Buffer.alloc(1024);
    };
    const target = fresh('xattrs');
    await extractLayer(members(), target);
    sample();
    const { stdout } = await run('getfattr', ['--only-values', '-n', 'user.big', join(target, 'f19999')]);
    assert.equal(stdout.length, value.length);
    assert.ok(peak - before < 40 * 1024 ** 2, `extraction held ${Math.round((peak - before) / 1024 ** 2)} MiB for 67 MiB of xattr values`);
  });

  test('hardlinks waiting for a later target count against the 64 MiB of pending metadata (default limits)', async () => {
    // 30,000 links with 2 KB names to 2 KB targets that never come: 75 MiB counted, all held until the end without the limit
    const long = (c: string, i: number) => `${String(i).padStart(8, '0')}${c.repeat(240)}`;
    const deep = (c: string, i: number) => Array.from({ length: 8 }, (_, k) => (k === 7 ? long(c, i) : `${k}${c.repeat(240)}`)).join('/');
    const members = function* (): Generator<Buffer> {
      const parts = deep('l', 0).split('/');
      for (let k = 1; k < parts.length; k++) yield dir(parts.slice(0, k).join('/'));
      for (let i = 0; i < 30_000; i++) yield member({ name: deep('l', i), type: '1', linkname: deep('t', i) });
      yield Buffer.alloc(1024);
    };
    await rejectsNamed(() => extractLayer(members(), fresh('links')), 'LayerTooLargeError', /waiting to be written/);
  });

  test('a layer past the member limit is refused (LayerTooLarge), with nothing kept', async () => {
    const dataDir = fresh('members');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs, { maxMembers: 100 });
    const tar = tarOf(...Array.from({ length: 150 }, (_, i) => file(`f${i}`)));
    const { digest } = await blobs.put(tar);
    await rejectsNamed(() => layers.ensure(digest), 'LayerTooLargeError', /more than 100 members/);
    assert.deepEqual(readdirSync(join(dataDir, 'layers')).filter((e) => /^[0-9a-f]{64}$/.test(e)), []);
    assert.deepEqual(readdirSync(join(dataDir, 'layers', 'tmp')), []);
  });

  test('a gzip bomb stops at the uncompressed byte limit: LayerTooLarge from the store, InvalidImage.LayerTooLarge from an import', async () => {
    const dataDir = fresh('bomb');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs, { maxTarBytes: 8 * 1024 ** 2 });
    const read = { bytes: 0 };
    const bomb = gzipSync(Buffer.concat([...bigFileTar(96 * 1024 ** 2, read)]), { level: 9 });
    assert.ok(bomb.length < 200 * 1024);
    const { digest } = await blobs.put(bomb);
    await rejectsNamed(() => layers.ensure(digest), 'LayerTooLargeError', /bytes uncompressed/);
    assert.deepEqual(readdirSync(join(dataDir, 'layers', 'tmp')), []);

    mkdirSync(dataDir, { recursive: true });
    const archive = join(dataDir, 'bomb.tar.gz');
    writeFileSync(archive, bomb);
    await assert.rejects(importArchive({ blobs, layers }, archive), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'InvalidImage.LayerTooLarge', err.message);
      return true;
    });
  });

  test('an AbortSignal stops an extraction as the tar is read', async () => {
    const read = { bytes: 0 };
    const controller = new AbortController();
    const input = (async function* () {
      for (const piece of bigFileTar(512 * 1024 ** 2, read)) {
        if (read.bytes > 4 * 1024 ** 2) controller.abort(new Error('build cancelled'));
        yield piece;
      }
    })();
    await assert.rejects(extractLayer(input, fresh('abort'), { signal: controller.signal } as never), /build cancelled/);
    assert.ok(read.bytes < 16 * 1024 ** 2, `${read.bytes} bytes were read after the signal`);
  });

  test('the layer store: a caller that gives up stops its extraction; one that still waits gets the layer', async () => {
    const dataDir = fresh('shared');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    const tar = Buffer.concat([...bigFileTar(32 * 1024 ** 2, { bytes: 0 })]);
    const { digest } = await blobs.put(tar);

    const alone = new AbortController();
    const p = layers.ensure(digest, { signal: alone.signal } as never);
    alone.abort(new Error('timed out'));
    await assert.rejects(p, /timed out/);
    assert.equal(await layers.has(`sha256:${sha256(tar)}`), false, 'the abandoned extraction went on');

    const leaving = new AbortController();
    const a = layers.ensure(digest, { signal: leaving.signal } as never);
    const b = layers.ensure(digest);
    leaving.abort(new Error('cancelled'));
    await assert.rejects(a, /cancelled/);
    assert.equal((await b).diffId, `sha256:${sha256(tar)}`);
  });

  test('failed extractions leave no file descriptor open (extractor, layer store, import)', async () => {
    const dataDir = fresh('fds');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    const unsafe = tarOf(file('ok', 'x'), file('../escape', 'x'), ...Array.from({ length: 400 }, (_, i) => file(`pad${i}`, 'y'.repeat(2048))));
    mkdirSync(dataDir, { recursive: true });
    const plain = join(dataDir, 'unsafe.tar');
    writeFileSync(plain, unsafe);
    const { digest } = await blobs.put(unsafe);
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      await assert.rejects(extractLayer(createReadStream(plain, { highWaterMark: 1024 }), fresh('fd')), InvalidLayerError);
      await assert.rejects(layers.ensure(digest), InvalidLayerError);
      await assert.rejects(importArchive({ blobs, layers }, plain), /UnsafeLayer|unsafe path/);
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(openFds(), before, 'descriptors left open after 60 failed extractions');
  });

  test('hostile xattrs are InvalidLayerErrors, and a stored image with one fails InvalidImage.LayerUnreadable', async () => {
    const cases: Array<[string, Buffer]> = [
      ['a bad %-escape in a LIBARCHIVE.xattr name', tarOf(paxHeader({ 'LIBARCHIVE.xattr.user.%E0%A4%A': 'eA==' }), file('f'))],
      ['an xattr namespace Linux refuses', tarOf(paxHeader({ 'SCHILY.xattr.bogus.name': 'x' }), file('f'))],
      ['an xattr value larger than Linux takes', tarOf(paxHeader({ 'SCHILY.xattr.user.big': 'v'.repeat(100 * 1024) }), file('f'))],
    ];
    const dataDir = fresh('xattr-codes');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    for (const [name, tar] of cases) {
      await assert.rejects(extractLayer([tar], fresh('x')), (err: Error) => {
        assert.ok(err instanceof InvalidLayerError, `${name}: ${err.name}: ${err.message}`);
        return true;
      });
      const blob = await blobs.put(Buffer.concat([tar, Buffer.from(name)]));
      const { manifestDigest } = await writeImage(blobs, {
        layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: blob.digest, diffId: blob.digest, size: blob.size }],
        config: initialConfig(), created: new Date().toISOString(), history: ['crafted'],
      });
      const image = newAccountImage({ imageId: `m-${n}`, regionId: 'cn-hangzhou', accountId: '1', imageName: `x${n}`, description: '', size: 20, creationTime: ecsTime(), tags: [], manifestDigest });
      await assert.rejects(runnableImage(image, layers, blobs), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'InvalidImage.LayerUnreadable', `${name}: ${err.name}: ${err.message}`);
        return true;
      });
    }
  });

  test('an OCI archive\'s index.json past 4 MiB is refused before it is parsed', async () => {
    const dataDir = fresh('json');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    const index = `{"schemaVersion":2,"manifests":[]${' '.repeat(5 * 1024 ** 2)}}`;
    mkdirSync(dataDir, { recursive: true });
    const archive = join(dataDir, 'oci.tar');
    writeFileSync(archive, tarOf(file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'), file('index.json', index), dir('blobs')));
    await assert.rejects(importArchive({ blobs, layers }, archive), /index\.json has \d+ bytes, more than the 4194304/);
    assert.equal(existsSync(join(dataDir, 'layers', 'by-digest')), false);
  });
});
