import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { exportImage } from '../../src/engine/export/export-image.js';
import { $Ecs, REGION } from '../support/builds.js';
import { ossKilnFixture } from '../support/oss-kiln-fixture.js';
import { kilnStores, seedImage, taskOutcome, waitTask } from './support/kiln-export.js';
import { readTree } from './support/read-tree.js';
import { EXPECTED_TREE } from './support/test-image.js';

/*
 * Issue 9 (import/export round trip): an image exported as qcow2 with ExportImage and imported
 * back with ImportImage from that object has the same file tree (names, modes, owners, xattrs,
 * symlinks, hard links, device nodes) as the original, exactly (the empty /lost+found of the
 * exported ext4 is the file system's own: the importer leaves it out).
 */

const run = promisify(execFile);
const BUCKET = 'round-trip';
const oss = ossKilnFixture({ buckets: [BUCKET] });
let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'kiln-round-trip-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('ExportImage qcow2, then ImportImage of that object: the same file tree', async () => {
  const v3 = oss.v3;
  const original = await seedImage(oss.kiln, oss.kiln.credentials.accountId, 'round-trip-source');
  const exported = await v3.exportImage(new $Ecs.ExportImageRequest({ regionId: REGION, imageId: original.imageId, OSSBucket: BUCKET, imageFormat: 'qcow2' }));
  const exportTask = (await waitTask(v3, exported.body!.taskId!)).task;
  assert.equal(exportTask.taskStatus, 'Finished', JSON.stringify(exportTask));
  const object = taskOutcome(exportTask).items.OSSObject!;

  const imported = await v3.importImage(new $Ecs.ImportImageRequest({
    regionId: REGION, imageName: 'round-trip-back',
    diskDeviceMapping: [new $Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: BUCKET, OSSObject: object, format: 'QCOW2' })],
  }));
  const importTask = (await waitTask(v3, imported.body!.taskId!)).task;
  assert.equal(importTask.taskStatus, 'Finished', JSON.stringify(importTask));
  const back = await oss.kiln.app.store.images.getOwned({ accountId: oss.kiln.credentials.accountId, regionId: REGION }, imported.body!.imageId!);
  assert.ok(back?.manifestDigest, 'the imported image has content');

  const file = join(work, 'back.tar');
  await exportImage(kilnStores(oss.kiln), { manifestDigest: back.manifestDigest, format: 'rootfs', file });
  const tree = join(work, 'back');
  mkdirSync(tree);
  await run('tar', ['--xattrs', '--xattrs-include=*', '--same-owner', '-xpf', file, '-C', tree]);
  const lines = await readTree(tree);
  // Exactly: the importer leaves out the empty /lost+found that the export's mkfs.ext4 made.
  assert.deepEqual(lines, EXPECTED_TREE);
});
