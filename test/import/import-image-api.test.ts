import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { $Ecs, build, describeImages, uniqueName } from '../support/builds.js';
import { expectError, REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { ossKilnFixture, type RunningOss } from '../support/oss-kiln-fixture.js';
import { convertDisk, makeFilesystem, makeRawDisk } from './support/disks.js';
import { IMAGES_BUCKET, importRequest, newTenant, ociArchiveWithDigestMismatch, taskEnd } from './support/import-fixture.js';

/*
 * ImportImage through the official SDK (V3 and V1) against s3rver: a QCOW2 disk and a rootfs
 * tarball become Available images a build runs on; the image is listed at once as Creating with
 * its name taken; every failure ends the task Failed with its code and removes the image.
 */

const oss = ossKilnFixture({ buckets: [IMAGES_BUCKET], onStart: setUpObjects });
/** The same store and bucket, no worker: an import stays Creating. */
let idle: TestKiln;
let work: string;

/** The Kiln with no worker; a QCOW2 disk, a truncated one, a rootfs tarball and an OCI archive with a wrong digest in the bucket. */
async function setUpObjects({ s3 }: RunningOss): Promise<void> {
  idle = await startKiln({ KILN_WORKERS: '0', ...s3.env });
  work = mkdtempSync(join(tmpdir(), 'kiln-import-api-'));
  const base = await ensureBusyboxBase(new LayerStore(join(work, 'scratch'), new LocalBlobStore(join(work, 'scratch', 'blobs'))));
  const stage = join(work, 'rootfs');
  execFileSync('cp', ['-a', `${base.dir}/.`, stage]);
  writeFileSync(join(stage, 'etc', 'imported-from'), 'a disk\n');
  makeFilesystem(join(work, 'root.ext4'), 'ext4', stage, 64 * 1024 * 1024);
  makeRawDisk(join(work, 'disk.raw'), 'gpt', [join(work, 'root.ext4')]);
  convertDisk(join(work, 'disk.raw'), 'qcow2', join(work, 'disk.qcow2'));
  await s3.put(IMAGES_BUCKET, 'disks/root.qcow2', readFileSync(join(work, 'disk.qcow2')));
  const truncated = join(work, 'truncated.qcow2');
  execFileSync('cp', [join(work, 'disk.qcow2'), truncated]);
  truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
  await s3.put(IMAGES_BUCKET, 'disks/truncated.qcow2', readFileSync(truncated));
  execFileSync('tar', ['-C', stage, '-czf', join(work, 'rootfs.tar.gz'), '.']);
  await s3.put(IMAGES_BUCKET, 'archives/rootfs.tar.gz', readFileSync(join(work, 'rootfs.tar.gz')));
  await s3.put(IMAGES_BUCKET, 'archives/mismatch.tar', readFileSync(ociArchiveWithDigestMismatch(join(work, 'mismatch'))));
}

after(async () => {
  await idle?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** No download or raw disk left in the data dir's scratch folders. */
function assertNoScratch(k: TestKiln): void {
  for (const dir of ['tmp/oss', 'tmp/import']) {
    const path = join(k.config.dataDir, dir);
    assert.deepEqual(existsSync(path) ? readdirSync(path) : [], [], `${dir} is empty`);
  }
}

describe('ImportImage', () => {
  test('a QCOW2 disk (V3): ImageId and TaskId at once, the task Finished at 100%, the image Available with the request\'s attributes; a build runs on it', async () => {
    const name = uniqueName('imported-disk');
    const { body } = await oss.v3.importImage(importRequest({ object: 'disks/root.qcow2', format: 'QCOW2' }, {
      imageName: name, description: 'from a qcow2', architecture: 'x86_64', platform: 'Debian', bootMode: 'UEFI', licenseType: 'BYOL',
      tag: [new $Ecs.ImportImageRequestTag({ key: 'origin', value: 'qcow2' })], roleName: 'AliyunECSImageImportDefaultRole',
    }));
    assert.match(body!.imageId!, /^m-/);
    assert.match(body!.taskId!, /^t-/);
    assert.equal(body!.regionId, REGION);
    const end = await taskEnd(oss.v3, body!.taskId!);
    assert.equal(end.taskStatus, 'Finished', JSON.stringify(end));
    assert.equal(end.taskProcess, '100%');
    const [image] = await describeImages(oss.v3, { imageId: body!.imageId! });
    assert.equal(image?.status, 'Available');
    assert.equal(image?.imageName, name);
    assert.equal(image?.description, 'from a qcow2');
    assert.equal(image?.platform, 'Debian');
    assert.equal(image?.bootMode, 'UEFI');
    assert.deepEqual(image?.tags?.tag?.map((t) => [t.tagKey, t.tagValue]), [['origin', 'qcow2']]);
    const built = await build(oss.v3, { name: uniqueName('on-import'), baseImage: body!.imageId!, imageName: uniqueName('out'), buildContent: 'RUN test "$(cat /etc/imported-from)" = "a disk"' });
    assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));
    assertNoScratch(oss.kiln);
  });

  test('a rootfs tarball (V1, no Format): Available; the same ClientToken answers the same ImageId and TaskId', async () => {
    const request = importRequest({ object: 'archives/rootfs.tar.gz' }, { imageName: uniqueName('imported-tgz'), clientToken: uniqueName('token') });
    const { body } = await oss.kiln.clients.v1.importImage(request);
    const { body: again } = await oss.kiln.clients.v1.importImage(request);
    assert.deepEqual([again?.imageId, again?.taskId], [body?.imageId, body?.taskId]);
    const end = await taskEnd(oss.kiln.clients.v1, body!.taskId!);
    assert.equal(end.taskStatus, 'Finished', JSON.stringify(end));
    const [image] = await describeImages(oss.kiln.clients.v1, { imageId: body!.imageId! });
    assert.equal(image?.status, 'Available');
  });

  test('with no worker the image is listed at once as Creating, and its name is taken (InvalidImageName.Duplicated)', async () => {
    const name = uniqueName('creating');
    const { body } = await idle.clients.v3.importImage(importRequest({ object: 'disks/root.qcow2' }, { imageName: name }));
    const { body: listed } = await idle.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId: body!.imageId!, status: 'Creating' }));
    assert.equal(listed?.images?.image?.[0]?.status, 'Creating');
    const dup = await expectError(() => idle.clients.v3.importImage(importRequest({ object: 'disks/root.qcow2' }, { imageName: name })));
    assert.equal(dup.code, 'InvalidImageName.Duplicated');
  });

  test('an importing image cannot be deleted (DeleteImage: ImageIsImporting, V3 and V1); CancelTask of its Waiting task removes it at once', async () => {
    const first = await idle.clients.v3.importImage(importRequest({ object: 'disks/root.qcow2' }, { imageName: uniqueName('cancelled') }));
    const imageId = first.body!.imageId!;
    for (const client of [idle.clients.v3, idle.clients.v1]) {
      const refused = await expectError(() => client.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId, force: true })));
      assert.deepEqual([refused.code, refused.statusCode], ['ImageIsImporting', 403], refused.message);
    }
    await idle.clients.v3.cancelTask(new $Ecs.CancelTaskRequest({ regionId: REGION, taskId: first.body!.taskId! }));
    const { body: task } = await idle.clients.v3.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId: first.body!.taskId! }));
    assert.equal(task?.taskStatus, 'Deleted');
    const { body: listed } = await idle.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId, status: 'Creating,Available' }));
    assert.equal(listed?.totalCount, 0, 'the cancelled import\'s image is gone with its task');
  });

  test('DescribeImages shows a Creating image\'s Progress as its import task\'s TaskProcess (V3 and V1)', async () => {
    const { body } = await idle.clients.v3.importImage(importRequest({ object: 'disks/root.qcow2' }, { imageName: uniqueName('in-progress') }));
    const request = new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId: body!.imageId!, status: 'Creating' });
    assert.equal((await idle.clients.v3.describeImages(request)).body?.images?.image?.[0]?.progress, '0%', 'Waiting: 0%');
    // The test takes the task as a worker does (claim, then progress through its lease): held mid-way.
    const holder = uniqueName('holder');
    for (let i = 0; i < 20; i++) {
      const claimed = await idle.app.store.tasks.claim(holder, 600_000);
      if (!claimed || claimed.task.taskId === body!.taskId) break;
    }
    assert.ok(await idle.app.store.tasks.progress(body!.taskId!, holder, 37, 'downloading'), 'the test holds the task');
    const { body: task } = await idle.clients.v3.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId: body!.taskId! }));
    assert.equal(task?.taskProcess, '37%');
    for (const client of [idle.clients.v3, idle.clients.v1]) {
      const [image] = (await client.describeImages(request)).body?.images?.image ?? [];
      assert.deepEqual([image?.status, image?.progress], ['Creating', '37%']);
    }
    const listing = (await idle.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'self', status: 'Creating', pageSize: 100 }))).body?.images?.image ?? [];
    assert.ok(listing.length > 1, 'a page of several Creating images');
    assert.deepEqual(listing.map((i) => i.progress), listing.map((i) => (i.imageId === body!.imageId ? '37%' : '0%')));
  });

  for (const [what, object, format, code] of [
    ['a missing object', 'disks/no-such.qcow2', undefined, 'InvalidOSSObject.NotFound'],
    ['a truncated disk', 'disks/truncated.qcow2', 'QCOW2', 'InvalidImage.DiskCorrupt'],
    ['an OCI archive whose blob does not match its digest', 'archives/mismatch.tar', undefined, 'InvalidImage.ArchiveCorrupt'],
    ['a QCOW2 declared VHD', 'disks/root.qcow2', 'VHD', 'InvalidImage.FormatMismatch'],
  ] as const) {
    test(`${what}: the task ends Failed with ${code} and the image is gone`, async () => {
      const { body } = await oss.v3.importImage(importRequest({ object, ...(format ? { format } : {}) }, { imageName: uniqueName('failing') }));
      const end = await taskEnd(oss.v3, body!.taskId!);
      assert.equal(end.taskStatus, 'Failed', JSON.stringify(end));
      const text = JSON.stringify(end);
      assert.ok(text.includes(code), text);
      const { body: listed } = await oss.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId: body!.imageId!, status: 'Creating,Available' }));
      assert.equal(listed?.totalCount, 0, 'no image row is left');
      assertNoScratch(oss.kiln);
    });
  }

  test('a missing bucket: InvalidOSSBucket.NotFound; a bucket the account is not granted: NoSetRoletoECSServiceAcount', async () => {
    const noBucket = await oss.v3.importImage(importRequest({ bucket: 'no-such-bucket', object: 'x.qcow2' }));
    assert.ok(JSON.stringify(await taskEnd(oss.v3, noBucket.body!.taskId!)).includes('InvalidOSSBucket.NotFound'));
    const stranger = await newTenant(oss.kiln, 'import-stranger');
    const denied = await stranger.v3.importImage(importRequest({ object: 'disks/root.qcow2' }));
    assert.ok(JSON.stringify(await taskEnd(stranger.v3, denied.body!.taskId!)).includes('NoSetRoletoECSServiceAcount'));
  });

  test('past the account\'s image storage quota: the task ends Failed with QuotaExceed.ImageStorage and the image is gone', async () => {
    const small = await startKiln({ KILN_WORKERS: '1', ...oss.s3.env, KILN_ACCOUNT_IMAGE_BYTES_QUOTA: '65536' });
    try {
      const { body } = await small.clients.v3.importImage(importRequest({ object: 'disks/root.qcow2' }));
      const end = await taskEnd(small.clients.v3, body!.taskId!);
      assert.equal(end.taskStatus, 'Failed');
      assert.ok(JSON.stringify(end).includes('QuotaExceed.ImageStorage'), JSON.stringify(end));
      const { body: listed } = await small.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId: body!.imageId!, status: 'Creating,Available' }));
      assert.equal(listed?.totalCount, 0);
    } finally {
      await small.stop();
    }
  });

  test('refused requests: DryRun, no OSSObject, windows, an unknown Format', async () => {
    const cases: [Partial<$Ecs.ImportImageRequest>, string][] = [
      [{ dryRun: true }, 'DryRunOperation'],
      [{ diskDeviceMapping: [new $Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: IMAGES_BUCKET })] }, 'MissingParameter.DiskDeviceMapping.1.OSSObject'],
      [{ OSType: 'windows' }, 'InvalidImage.OsTypeUnsupported'],
      [{ diskDeviceMapping: [new $Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: IMAGES_BUCKET, OSSObject: 'a', format: 'ISO' })] }, 'InvalidParameter'],
    ];
    for (const [fields, code] of cases) {
      const err = await expectError(() => oss.v3.importImage(importRequest({ object: 'disks/root.qcow2' }, fields)));
      assert.equal(err.code, code, err.message);
    }
  });
});
