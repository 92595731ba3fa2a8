import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXPORT_FORMATS, exportImage } from '../../src/engine/export/export-image.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { makeTestImage, type TestImage } from './support/test-image.js';

/*
 * Issue 9, part X: exports are deterministic (the same image exported twice gives byte-identical
 * files, in every format, even when its layers were extracted anew in between: no time, inode
 * order or random id of the host leaks into them) and atomic (an export that fails or is
 * cancelled leaves nothing under the final name and no temporary file or staging directory).
 */

let img: TestImage;
before(async () => {
  img = await makeTestImage();
});
after(() => img.close());

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const stagingLeft = () => readdirSync(join(img.work, 'data', 'layers', 'tmp'));

describe('kiln export: deterministic', () => {
  test('every format twice gives the same bytes, the layers extracted anew in between', async () => {
    const first = join(img.work, 'first');
    const second = join(img.work, 'second');
    mkdirSync(first);
    mkdirSync(second);
    for (const format of EXPORT_FORMATS) {
      await exportImage(img.deps, { manifestDigest: img.manifestDigest, format, file: join(first, `image.${format}`), tag: 'kiln/t:1', sizeGiB: 1 });
    }
    for (const l of (await readImage(img.deps.blobs, img.manifestDigest)).layers) await img.deps.layers.remove(l.diffId);
    await new Promise((r) => setTimeout(r, 1100)); // a new second: a leaked clock would show
    for (const format of EXPORT_FORMATS) {
      await exportImage(img.deps, { manifestDigest: img.manifestDigest, format, file: join(second, `image.${format}`), tag: 'kiln/t:1', sizeGiB: 1 });
      assert.equal(await sha256(join(second, `image.${format}`)), await sha256(join(first, `image.${format}`)), `${format}: the two exports differ`);
    }
    assert.deepEqual(stagingLeft(), []);
  });
});

describe('kiln export: atomic', () => {
  const cases = [['oci', ''], ['rootfs', ''], ['raw', ''], ['raw', 'making the disk'], ['qcow2', 'converting']] as const;
  for (const [format, phase] of cases) {
    test(`${format}: cancelled at ${phase ? `"${phase}"` : 'its first progress report'}, it leaves nothing behind`, async () => {
      const dir = join(img.work, `cancel-${format}-${phase.length}`);
      mkdirSync(dir);
      const abort = new AbortController();
      const file = join(dir, `image.${format}`);
      await assert.rejects(
        exportImage(img.deps, { manifestDigest: img.manifestDigest, format, file, sizeGiB: 1, signal: abort.signal, onProgress: (_p, now) => now.startsWith(phase) && abort.abort(new Error('cancelled by the test')) }),
        /cancelled by the test/,
      );
      assert.deepEqual(readdirSync(dir), []);
      assert.deepEqual(stagingLeft(), []);
    });
  }

  test('an image whose blobs are gone fails and writes nothing', async () => {
    const dir = join(img.work, 'missing');
    mkdirSync(dir);
    const gone = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(exportImage(img.deps, { manifestDigest: gone, format: 'oci', file: join(dir, 'x.tar') }), /not in the blob store/);
    assert.ok(!existsSync(join(dir, 'x.tar')));
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a disk export that fails part-way (a size no filesystem of the host can hold) writes nothing', async () => {
    const dir = join(img.work, 'tool-fails');
    mkdirSync(dir);
    await assert.rejects(exportImage(img.deps, { manifestDigest: img.manifestDigest, format: 'raw', file: join(dir, 'x.raw'), sizeGiB: 1 << 30 }));
    assert.deepEqual(readdirSync(dir), []);
    assert.deepEqual(stagingLeft(), []);
  });
});
