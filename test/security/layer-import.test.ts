import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { imagesImport } from '../../src/cli/images-import.js';
import { newAccountImage } from '../../src/domain/image.js';
import { ecsTime } from '../../src/domain/time.js';
import { initialConfig } from '../../src/engine/image-config.js';
import { writeImage } from '../../src/engine/image/oci-image.js';
import { LAYER_MEDIA_TYPE } from '../../src/engine/layers/capture-layer.js';
import { importImageOptions } from '../support/ecs-requests.js';
import { captured } from '../support/captured-output.js';
import { runCliOn } from '../support/child.js';
import { REGION } from '../support/kiln.js';
import { ossKilnFixture } from '../support/oss-kiln-fixture.js';
import { build, uniqueName, type Built } from '../support/builds.js';
import { file, symlink, tarOf } from './crafted-tar.js';
import { assertNothingRegistered, Canary, corpus, type Case, describeLayer, layerDirOf, ociArchive, sha256, swapTar, tarFor } from './support/layer-corpus.js';

/*
 * Issue 8, item 1: a layer never writes outside itself, on every path that imports a layer or
 * builds on one: `kiln images import` (its function and the CLI process, plain and OCI image
 * layout archives), a BaseImageType=OSS build through the SDK against s3rver, and a build on an
 * image whose layer is in the blob store. Each case of the corpus (support/layer-corpus.ts)
 * either gives exactly the expected tree inside the layer or is refused with
 * InvalidImage.UnsafeLayer, nothing registered, and the canary folder outside the layer is
 * identical afterwards. The extractor and the layer store themselves: layer-extraction.test.ts.
 */

const IMAGES = 'kiln-corpus';
const UNSAFE = 'InvalidImage.UnsafeLayer';

const oss = ossKilnFixture({ buckets: [IMAGES] });
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

/**
 * A build on a corpus case's layer: a safe case ends SUCCESS with exactly the expected tree; an
 * unsafe one ends FAILED with InvalidImage.UnsafeLayer, an `errorInfo` matching `refusal`, and
 * nothing registered.
 */
function assertBuildOutcome(item: Built['item'], c: Case, tar: Buffer, refusal: RegExp): void {
  if (c.layer) {
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.deepEqual(describeLayer(layerDirOf(oss.kiln.config.dataDir, tar)), c.layer);
  } else {
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, UNSAFE);
    assert.match(item.errorInfo ?? '', refusal);
    assertNothingRegistered(oss.kiln.config.dataDir, tar, c.name);
  }
}

describe('layers imported or built on never write outside the layer', () => {
  test('kiln images import (the command\'s function): refused with InvalidImage.UnsafeLayer and exit code 1, no image', async (t) => {
    for (const c of corpus(canary.dir)) {
      await t.test(c.name, async () => {
        canary.reset();
        const tar = tarFor(c, 'import');
        const path = join(work, 'import', `${sha256(tar)}.tar`);
        mkdirSync(join(work, 'import'), { recursive: true });
        writeFileSync(path, tar);
        const { code, stdout, stderr } = await captured(() => imagesImport(oss.kiln.config, [path, '--name', uniqueName('corpus'), '--region', REGION]));
        if (c.layer) {
          assert.equal(code, 0, stderr);
          assert.match(stdout.trim(), /^m-[a-z0-9]+$/);
          assert.deepEqual(describeLayer(layerDirOf(oss.kiln.config.dataDir, tar)), c.layer);
        } else {
          assert.equal(code, 1, `exit code (stdout ${stdout}, stderr ${stderr})`);
          assert.equal(stdout, '', 'no ImageId printed');
          assert.match(stderr, /^kiln: InvalidImage\.UnsafeLayer: .*unsafe path in layer/);
          assertNothingRegistered(oss.kiln.config.dataDir, tar, c.name);
        }
        canary.assertIntact(c.name);
      });
    }
  });

  test('kiln images import (the CLI process): the swap imports inside the layer; a write through a symlink exits 1 with the code', async () => {
    const cli = (file: string) => runCliOn(oss.kiln.config, ['images', 'import', file, '--name', uniqueName('cli'), '--region', REGION]);
    canary.reset();
    const swap = swapTar(canary.dir);
    writeFileSync(join(work, 'cli-swap.tar'), swap);
    const ok = await cli(join(work, 'cli-swap.tar'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(describeLayer(layerDirOf(oss.kiln.config.dataDir, swap)), { a: `symlink:${canary.dir}`, payload: 'file:PWNED' });
    canary.assertIntact('CLI swap');

    canary.reset();
    const through = tarOf(symlink('esc', canary.dir), file('esc/pwned.txt', 'out'));
    writeFileSync(join(work, 'cli-through.tar'), through);
    const refused = await cli(join(work, 'cli-through.tar'));
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^kiln: InvalidImage\.UnsafeLayer: The archive has a layer member that Kiln will not write, so nothing was imported: unsafe path in layer: "esc\/pwned\.txt" \(esc is a symlink, used as a directory\)/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    assertNothingRegistered(oss.kiln.config.dataDir, through, 'CLI refused');
    canary.assertIntact('CLI refused');
  });

  test('OCI image layout archives: their layers go through the same checks (kiln images import and BaseImageType=OSS)', async () => {
    canary.reset();
    const swap = swapTar(canary.dir, file('oci-marker', 'swap'));
    const through = tarOf(symlink('esc', canary.dir), file('esc/pwned.txt', 'out'), file('oci-marker', 'through'));
    const archive = (layer: Buffer, tag: string): string => {
      const path = join(work, `oci-${tag}.tar`);
      writeFileSync(path, ociArchive(layer));
      return path;
    };
    const ok = await captured(() => imagesImport(oss.kiln.config, [archive(swap, 'swap'), '--name', uniqueName('oci-swap'), '--region', REGION]));
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(describeLayer(layerDirOf(oss.kiln.config.dataDir, swap)), { a: `symlink:${canary.dir}`, payload: 'file:PWNED', 'oci-marker': 'file:swap' });
    canary.assertIntact('OCI swap');

    const refused = await captured(() => imagesImport(oss.kiln.config, [archive(through, 'through'), '--name', uniqueName('oci-through'), '--region', REGION]));
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^kiln: InvalidImage\.UnsafeLayer: .*unsafe path in layer: "esc\/pwned\.txt"/);
    assertNothingRegistered(oss.kiln.config.dataDir, through, 'OCI refused');
    canary.assertIntact('OCI refused');

    await oss.s3.put(IMAGES, 'oci/through.tar', ociArchive(through));
    const { item } = await build(oss.v3, {
      baseImageType: 'OSS', baseImage: undefined,
      importImageOptions: importImageOptions({ mappings: [{ bucket: IMAGES, object: 'oci/through.tar' }] }),
      buildContent: 'LABEL corpus=yes',
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, UNSAFE);
    assertNothingRegistered(oss.kiln.config.dataDir, through, 'OSS OCI refused');
    canary.assertIntact('OSS OCI refused');
  });

  test('BaseImageType=OSS builds through the SDK: refused layers end FAILED with InvalidImage.UnsafeLayer', async (t) => {
    for (const c of corpus(canary.dir)) {
      await t.test(c.name, async () => {
        canary.reset();
        const tar = tarFor(c, 'oss');
        const object = `corpus/${sha256(tar)}.tar`;
        await oss.s3.put(IMAGES, object, tar);
        const { item } = await build(oss.v3, {
          baseImageType: 'OSS', baseImage: undefined,
          importImageOptions: importImageOptions({ mappings: [{ bucket: IMAGES, object }] }),
          buildContent: 'LABEL corpus=yes',
        });
        assertBuildOutcome(item, c, tar, /^BaseImageType=OSS: oss:\/\/kiln-corpus\/corpus\/[0-9a-f]+\.tar: .*unsafe path in layer/);
        canary.assertIntact(c.name);
      });
    }
  });

  test('a build on an image whose layer was put in the blob store: refused layers end FAILED with InvalidImage.UnsafeLayer', async (t) => {
    // As an image imported by a Kiln that did not check its layers would be: the blob and an
    // image record, never extracted on this machine.
    const blobs = new LocalBlobStore(join(oss.kiln.config.dataDir, 'blobs'));
    for (const c of corpus(canary.dir)) {
      await t.test(c.name, async () => {
        canary.reset();
        const tar = tarFor(c, 'stored image');
        const blob = await blobs.put(tar);
        const { manifestDigest } = await writeImage(blobs, {
          layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: blob.digest, diffId: blob.digest, size: blob.size }],
          config: initialConfig(), created: new Date().toISOString(), history: ['crafted'],
        });
        const imageId = `m-corpus${sha256(Buffer.from(c.name + Math.random())).slice(0, 12)}`;
        await oss.kiln.app.store.images.insert(newAccountImage({
          imageId, regionId: REGION, accountId: oss.kiln.credentials.accountId, imageName: uniqueName('stored'),
          size: 20, creationTime: ecsTime(), tags: [], manifestDigest,
        }));
        const { item } = await build(oss.v3, { baseImage: imageId, buildContent: 'LABEL corpus=yes' });
        assertBuildOutcome(item, c, tar, new RegExp(`^The image ${imageId} cannot be used: its layer ${blob.digest} has a member Kiln will not write \\(unsafe path in layer`));
        canary.assertIntact(c.name);
      });
    }
  });
});
