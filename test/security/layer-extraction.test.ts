import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { extractLayer, UnsafeLayerPathError } from '../../src/engine/layers/extract-layer.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { assertNothingRegistered, Canary, corpus, describeLayer, sha256, swapTar, tarFor } from './support/layer-corpus.js';

/*
 * Issue 8, item 1: a layer never writes outside itself. The corpus of crafted tars
 * (support/layer-corpus.ts) goes through the extractor and the layer store (a blob): each case
 * either extracts exactly the expected tree inside the layer or is refused with a clear error,
 * and a canary folder outside the layer is identical afterwards. The paths that import or
 * build on a layer: layer-import.test.ts.
 */

let work: string;
let canary: Canary;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'kiln-sec-'));
  canary = new Canary(join(work, 'canary'));
  canary.reset();
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('layer extraction never writes outside the layer', () => {
  test('the deferred-entry swap of issue 8: no hardlink, fifo or device lands in the host folder', async () => {
    canary.reset();
    const out = join(work, 'swap');
    await extractLayer([swapTar(canary.dir)], out);
    canary.assertIntact('extractLayer');
    assert.deepEqual(describeLayer(out), { a: `symlink:${canary.dir}`, payload: 'file:PWNED' }, 'the members below the replaced directory went with it');
  });

  test('the extractor: every case extracts inside the layer or is refused with UnsafeLayerPathError', async (t) => {
    for (const c of corpus(canary.dir)) {
      await t.test(c.name, async () => {
        canary.reset();
        const out = join(work, 'direct', sha256(Buffer.from(c.name)).slice(0, 12));
        const done = extractLayer([c.tar], out);
        if (c.layer) {
          await done;
          assert.deepEqual(describeLayer(out), c.layer);
        } else {
          await assert.rejects(done, (err: unknown) => err instanceof UnsafeLayerPathError && /unsafe path in layer/.test(err.message));
        }
        canary.assertIntact(c.name);
      });
    }
  });

  test('the layer store, from a blob: refused layers leave no layer dir, digest record or staging', async (t) => {
    const dataDir = join(work, 'store');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    for (const c of corpus(canary.dir)) {
      await t.test(c.name, async () => {
        canary.reset();
        const tar = tarFor(c, 'layer store');
        const { digest } = await blobs.put(tar);
        const done = layers.ensure(digest);
        if (c.layer) {
          assert.deepEqual(describeLayer((await done).dir), c.layer);
        } else {
          await assert.rejects(done, UnsafeLayerPathError);
          assertNothingRegistered(dataDir, tar, c.name);
        }
        canary.assertIntact(c.name);
      });
    }
  });
});
