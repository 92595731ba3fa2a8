import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { imageRegistryOf } from '../../src/app/image-registry.js';
import { createAccount } from '../../src/auth/accounts.js';
import { newAccountId } from '../../src/domain/ids.js';
import { exportImage } from '../../src/engine/export/export-image.js';
import { $Ecs, REGION } from '../support/builds.js';
import { expectError, type EcsClient } from '../support/kiln.js';
import { ossKilnFixture, type RunningOss } from '../support/oss-kiln-fixture.js';
import { BucketView, kilnStores, seedImage, sha256File, taskOutcome, waitTask } from './support/kiln-export.js';

/*
 * Issue 9, part X: ExportImage through the official SDK (V3 and V1) against a real Kiln and a
 * real S3-compatible server (s3rver). The owner's export lands under the service's object name
 * as the disk `kiln images export` writes (byte for byte), through the account's grant for the
 * default role; the task shows progress and its result names the object and says there is no
 * bootloader. Shared, system and unknown images, bad formats and prefixes get the documented
 * refusals and make no task; a bucket outside the role's grant, a missing bucket and a cancel
 * end the task with no object written.
 */

const run = promisify(execFile);
const EXPORTS = 'exports-owner';
const OTHER = 'other-bucket';
const ids = { owner: newAccountId(), sharee: newAccountId() };
const grants = { [ids.owner]: { buckets: [OTHER], roles: { AliyunECSImageExportDefaultRole: { buckets: ['exports-*'] } } } };
const oss = ossKilnFixture({ buckets: [EXPORTS, OTHER], env: { KILN_OSS_ACCOUNTS: JSON.stringify(grants) }, onStart: setUpAccounts });
let owner: EcsClient;
let ownerV1: EcsClient;
let sharee: EcsClient;
let bucket: BucketView;
let image: { imageId: string; manifestDigest: string };
let work: string;

/** The owner and the sharee, the owner's image shared with the sharee. */
async function setUpAccounts({ s3, kiln }: RunningOss): Promise<void> {
  const regions = kiln.config.regions.map((r) => r.regionId);
  const made = await createAccount(kiln.app.store, regions, { id: ids.owner, name: 'exporter' });
  const other = await createAccount(kiln.app.store, regions, { id: ids.sharee, name: 'sharee' });
  owner = kiln.clientsFor(made.accessKey.id, made.accessKey.secret).v3;
  ownerV1 = kiln.clientsFor(made.accessKey.id, made.accessKey.secret).v1;
  sharee = kiln.clientsFor(other.accessKey.id, other.accessKey.secret).v3;
  image = await seedImage(kiln, ids.owner, 'export-me');
  await owner.modifyImageSharePermission(new $Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId: image.imageId, addAccount: [ids.sharee] }));
  bucket = new BucketView(s3);
  work = mkdtempSync(join(tmpdir(), 'kiln-export-api-'));
}

after(() => {
  bucket?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const request = (fields: Record<string, unknown>) => new $Ecs.ExportImageRequest({ regionId: REGION, imageId: image.imageId, OSSBucket: EXPORTS, ...fields });

async function exportedTask(client: EcsClient, fields: Record<string, unknown>) {
  const res = await client.exportImage(request(fields));
  assert.match(res.body?.taskId ?? '', /^t-/);
  assert.equal(res.body?.regionId, REGION);
  return waitTask(owner, res.body!.taskId!);
}

describe('ExportImage', () => {
  test('V3, qcow2 with a prefix: Finished at 100%, the object is <prefix>_<ImageId>_system.qcow2, byte for byte what kiln images export writes', async () => {
    const { task, seen } = await exportedTask(owner, { OSSPrefix: 'EcsExport', imageFormat: 'qcow2' });
    assert.equal(task.taskStatus, 'Finished', JSON.stringify(task));
    assert.equal(task.taskAction, 'ExportImage');
    assert.equal(task.taskProcess, '100%');
    assert.equal(seen.at(-1), '100%');
    const key = `EcsExport_${image.imageId}_system.qcow2`;
    const { items } = taskOutcome(task);
    assert.equal(items.OSSObject, key);
    assert.equal(items.OSSBucket, EXPORTS);
    assert.equal(items.Bootable, 'false');
    assert.match(items.Note ?? '', /no bootloader/);
    const downloaded = join(work, 'downloaded.qcow2');
    writeFileSync(downloaded, (await oss.s3.get(EXPORTS, key))!);
    const local = join(work, `${key}`);
    await exportImage(kilnStores(oss.kiln), { manifestDigest: image.manifestDigest, format: 'qcow2', file: local, sizeGiB: 1 });
    assert.equal(await sha256File(downloaded), await sha256File(local));
    assert.equal(JSON.parse((await run('qemu-img', ['info', '--output=json', downloaded])).stdout).format, 'qcow2');
  });

  test('V1, no ImageFormat: raw (the documented default) as <ImageId>_system.raw, a whole disk uploaded in parts', async () => {
    const from = oss.s3.requests.length;
    const { task } = await exportedTask(ownerV1, {});
    assert.equal(task.taskStatus, 'Finished', JSON.stringify(task));
    const key = `${image.imageId}_system.raw`;
    assert.equal(taskOutcome(task).items.OSSObject, key);
    assert.equal(await bucket.size(EXPORTS, key), 1024 ** 3);
    assert.deepEqual((await bucket.keys(EXPORTS)).filter((k) => k.includes('.kiln-upload-')), [], 'the upload\'s temporary objects are removed');
    const parts = oss.s3.requests.slice(from).filter((r) => r.method === 'PUT' && r.path.includes('partNumber='));
    assert.equal(parts.length, 16, 'a 1 GiB disk goes up in 16 parts of 64 MiB');
    const local = join(work, 'local.raw');
    await exportImage(kilnStores(oss.kiln), { manifestDigest: image.manifestDigest, format: 'raw', file: local, sizeGiB: 1 });
    assert.equal(await bucket.sha256(EXPORTS, key), await sha256File(local), 'the parts add up to the disk');
    rmSync(local);
  });

  test('refusals: unknown image, system image, alias of one, image shared with the caller, bad format, bad prefix, DryRun; none makes a task', async () => {
    const tasksBefore = (await owner.describeTasks(new $Ecs.DescribeTasksRequest({ regionId: REGION, taskAction: 'ExportImage' }))).body?.totalCount;
    const cases: Array<[EcsClient, Record<string, unknown>, string]> = [
      [owner, { imageId: 'm-doesnotexist000000000' }, 'InvalidImageId.NotFound'],
      [owner, { imageId: 'busybox_x64_20G_kiln_base.vhd' }, 'ImageNotSupported'],
      [owner, { imageId: 'ubuntu_22_04_x64_20G_alibase_20230515.vhd' }, 'ImageNotSupported'], // an alias of a Kiln base
      [sharee, {}, 'ImageNotSupported'],
      [owner, { imageFormat: 'iso' }, 'InvalidImageFormat.Malformed'],
      [owner, { OSSPrefix: 'not/a-prefix' }, 'InvalidParameter'],
      [owner, { OSSPrefix: 'x'.repeat(31) }, 'InvalidParameter'],
      [owner, { dryRun: true }, 'DryRunOperation'],
    ];
    for (const [client, fields, code] of cases) {
      const err = await expectError(() => client.exportImage(request(fields)));
      assert.equal(err.code, code, `${JSON.stringify(fields)}: ${err.message}`);
    }
    const tasksAfter = (await owner.describeTasks(new $Ecs.DescribeTasksRequest({ regionId: REGION, taskAction: 'ExportImage' }))).body?.totalCount;
    assert.equal(tasksAfter, tasksBefore);
  });

  test('a bucket outside the role\'s grant and a missing bucket: the task ends Failed with the documented code, no object anywhere', async () => {
    const denied = await exportedTask(owner, { OSSBucket: OTHER, imageFormat: 'qcow2' });
    assert.equal(denied.task.taskStatus, 'Failed');
    assert.equal(taskOutcome(denied.task).errorCode, 'NoSetRoletoECSServiceAcount');
    const otherRole = await exportedTask(owner, { imageFormat: 'qcow2', roleName: 'SomeOtherRole' });
    assert.equal(otherRole.task.taskStatus, 'Failed');
    assert.equal(taskOutcome(otherRole.task).errorCode, 'NoSetRoletoECSServiceAcount');
    const missing = await exportedTask(owner, { OSSBucket: 'exports-missing', imageFormat: 'qcow2' });
    assert.equal(missing.task.taskStatus, 'Failed');
    assert.equal(taskOutcome(missing.task).errorCode, 'InvalidOSSBucket.NotFound');
    assert.deepEqual(await bucket.keys(OTHER), []);
  });

  test('an image whose content is gone from the blob store: the task ends Failed with ExportImageFailed, no object', async () => {
    const broken = await imageRegistryOf(oss.kiln.app).registerImported({
      scope: { accountId: ids.owner, regionId: REGION }, imageName: 'no-content', description: 'its manifest is not stored', tags: [],
      manifestDigest: `sha256:${'0'.repeat(64)}`, layers: [], what: 'the export tests',
    });
    const { task } = await exportedTask(owner, { imageId: broken.imageId, OSSPrefix: 'Broken', imageFormat: 'qcow2' });
    assert.equal(task.taskStatus, 'Failed');
    assert.equal(taskOutcome(task).errorCode, 'ExportImageFailed');
    assert.deepEqual((await bucket.keys(EXPORTS)).filter((k) => k.startsWith('Broken')), []);
  });

  test('CancelTask during the upload: the task ends Deleted and no object is written', async () => {
    const key = `Cancelled_${image.imageId}_system.raw`;
    const res = await owner.exportImage(request({ OSSPrefix: 'Cancelled', imageFormat: 'raw' }));
    const taskId = res.body!.taskId!;
    for (;;) {
      const now = (await owner.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId }))).body!;
      assert.equal(now.taskStatus === 'Waiting' || now.taskStatus === 'Processing', true, `the task ended before it was cancelled: ${JSON.stringify(now)}`);
      if (Number.parseInt(now.taskProcess ?? '0', 10) >= 80) break;
      await sleep(20);
    }
    await owner.cancelTask(new $Ecs.CancelTaskRequest({ regionId: REGION, taskId }));
    const { task } = await waitTask(owner, taskId);
    assert.equal(task.taskStatus, 'Deleted', JSON.stringify(task));
    assert.deepEqual((await bucket.keys(EXPORTS)).filter((k) => k.startsWith('Cancelled')), [], `no ${key}`);
    assert.ok(oss.s3.requests.some((r) => r.method === 'DELETE' && r.path.startsWith(`/${EXPORTS}/${key}?uploadId=`)), 'the multipart upload was aborted');
  });
});
