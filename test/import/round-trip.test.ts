import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { exportImage } from '../../src/engine/export/export-image.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { REGION } from '../support/kiln.js';
import { ossKilnFixture, type RunningOss } from '../support/oss-kiln-fixture.js';
import { $Ecs, uniqueName } from '../support/builds.js';
import { makeRootTree } from './support/disks.js';
import { IMAGES_BUCKET, importRequest, taskEnd } from './support/import-fixture.js';
import { snapshotTree, type TreeEntry } from './support/tree-snapshot.js';

/*
 * The round trip: a tree with varied modes and owners, xattrs, symlinks, hard links, device
 * nodes and a /boot is imported (ImportImage of a GNU tar of it), exported as a QCOW2 disk by
 * the export engine (GPT + ext4), and imported back with ImportImage: the image has the same
 * tree (names, modes, owners, xattrs, link targets, hard-link groups, device numbers, contents)
 * as the first image and as the source directory. Once with the export engine called directly,
 * once through ExportImage (the object in the bucket) between the two ImportImage calls.
 */

const oss = ossKilnFixture({ buckets: [IMAGES_BUCKET], onStart: putTree });
let work: string;
let source: string;

/** The source tree, and its tar in the bucket. */
async function putTree({ s3 }: RunningOss): Promise<void> {
  work = mkdtempSync(join(tmpdir(), 'kiln-round-trip-'));
  source = join(work, 'tree');
  mkdirSync(source);
  makeRootTree(source);
  execFileSync('tar', ['-C', source, '--xattrs', '--xattrs-include=*', '--numeric-owner', '-cf', join(work, 'tree.tar'), '.']);
  await s3.put(IMAGES_BUCKET, 'round-trip/tree.tar', readFileSync(join(work, 'tree.tar')));
}

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const stores = () => {
  const blobs = new LocalBlobStore(join(oss.kiln.config.dataDir, 'blobs'));
  return { blobs, layers: new LayerStore(oss.kiln.config.dataDir, blobs) };
};

/** ImportImage of an object of the bucket; returns the Available image's manifest digest (and its id). */
async function importedImage(object: string, format?: string): Promise<{ imageId: string; manifestDigest: string }> {
  const { body } = await oss.v3.importImage(importRequest({ object, ...(format ? { format } : {}) }, { imageName: uniqueName('round-trip') }));
  const end = await taskEnd(oss.v3, body!.taskId!);
  assert.equal(end.taskStatus, 'Finished', JSON.stringify(end));
  const image = await oss.kiln.app.store.images.getOwned({ accountId: oss.kiln.credentials.accountId, regionId: REGION }, body!.imageId!);
  assert.equal(image?.status, 'Available');
  return { imageId: image!.imageId, manifestDigest: image!.manifestDigest! };
}

async function imported(object: string, format?: string): Promise<string> {
  return (await importedImage(object, format)).manifestDigest;
}

/** The image's one layer, as a tree (exactly: the importer leaves out the empty /lost+found the export's mkfs made). */
async function treeOf(manifestDigest: string): Promise<TreeEntry[]> {
  const { blobs, layers } = stores();
  const { layers: [layer, ...more] } = await readImage(blobs, manifestDigest);
  assert.equal(more.length, 0, 'one layer');
  return snapshotTree((await layers.ensure(layer!.digest)).dir);
}

describe('round trip', () => {
  test('import (tar) → export (qcow2) → ImportImage: the same tree', async () => {
    const first = await imported('round-trip/tree.tar');
    const expected = snapshotTree(source);
    assert.deepEqual(await treeOf(first), expected, 'the first import has the source tree');

    const qcow2 = join(work, 'exported.qcow2');
    const result = await exportImage(stores(), { manifestDigest: first, format: 'qcow2', file: qcow2, sizeGiB: 1 });
    assert.equal(result.format, 'qcow2');
    assert.equal(execFileSync('qemu-img', ['info', '-f', 'qcow2', '--output=json', qcow2]).toString().includes('"format": "qcow2"'), true);
    await oss.s3.put(IMAGES_BUCKET, 'round-trip/exported.qcow2', readFileSync(qcow2));

    const second = await imported('round-trip/exported.qcow2', 'QCOW2');
    const back = await treeOf(second);
    assert.deepEqual(back, expected, 'the image imported from the exported disk has the same tree');
    const at = (p: string) => back.find((e) => e.path === p)!;
    assert.deepEqual(at('usr/bin/tool').links, ['usr/bin/tool', 'usr/bin/tool-link', 'usr/lib/tool-again']);
    assert.equal(at('dev/sda').type, 'block');
    assert.ok(at('usr/bin/tool').xattrs['security.capability'], 'the file capability is kept');
    assert.equal(at('boot/vmlinuz-6.1.0-kiln').type, 'file');
  });

  test('through the API: ImportImage (tar) → ExportImage (QCOW2, to the bucket) → ImportImage: the same tree', async () => {
    const first = await importedImage('round-trip/tree.tar');
    const { body } = await oss.v3.exportImage(new $Ecs.ExportImageRequest({ regionId: REGION, imageId: first.imageId, OSSBucket: IMAGES_BUCKET, OSSPrefix: 'api', imageFormat: 'qcow2' }));
    const end = await taskEnd(oss.v3, body!.taskId!);
    assert.equal(end.taskStatus, 'Finished', JSON.stringify(end));
    const object = `api_${first.imageId}_system.qcow2`;
    assert.ok(await oss.s3.get(IMAGES_BUCKET, object), `ExportImage wrote ${object}`);
    const back = await treeOf(await imported(object, 'QCOW2'));
    assert.deepEqual(back, snapshotTree(source));
  });
});
