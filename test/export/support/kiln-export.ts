import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { imageRegistryOf } from '../../../src/app/image-registry.js';
import { LocalBlobStore } from '../../../src/blobs/local-blob-store.js';
import { exportImage } from '../../../src/engine/export/export-image.js';
import { importArchive } from '../../../src/engine/image/import-image.js';
import { readImage } from '../../../src/engine/image/oci-image.js';
import { LayerStore } from '../../../src/engine/layers/layer-store.js';
import { $Ecs, REGION } from '../../support/builds.js';
import type { EcsClient, TestKiln } from '../../support/kiln.js';
import { S3_KEY, type TestS3 } from '../../support/s3.js';
import { makeTestImage } from './test-image.js';

/*
 * The ExportImage tests' helpers: the crafted test image registered as an account's image in a
 * running Kiln (exported as an OCI archive from a scratch store, then imported into Kiln's data
 * dir with the engine's importArchive: the same manifest), the task's progress read back through
 * the SDK, and a look at the S3 server's buckets.
 */

/** The export engine's stores on a Kiln's data dir. */
export function kilnStores(kiln: TestKiln): { blobs: LocalBlobStore; layers: LayerStore } {
  const blobs = new LocalBlobStore(join(kiln.config.dataDir, 'blobs'));
  return { blobs, layers: new LayerStore(kiln.config.dataDir, blobs) };
}

/** Registers the test image (see test-image.ts) as an Available image of `accountId`, its Size 1 GiB (its disks 1 GiB); returns its id and manifest. */
export async function seedImage(kiln: TestKiln, accountId: string, imageName: string): Promise<{ imageId: string; manifestDigest: string }> {
  const scratch = await makeTestImage();
  try {
    const archive = join(scratch.work, 'seed.oci.tar');
    await exportImage(scratch.deps, { manifestDigest: scratch.manifestDigest, format: 'oci', file: archive });
    const stores = kilnStores(kiln);
    const manifestDigest = await importArchive(stores, archive);
    const { layers } = await readImage(stores.blobs, manifestDigest);
    const image = await imageRegistryOf(kiln.app).registerImported({
      scope: { accountId, regionId: REGION }, imageName, description: 'the export tests\' image', tags: [], manifestDigest, layers, what: 'the export tests',
    });
    await kiln.app.store.images.update({ accountId, regionId: REGION }, image.imageId, { size: 1 });
    return { imageId: image.imageId, manifestDigest };
  } finally {
    scratch.close();
  }
}

export type TaskAttribute = $Ecs.DescribeTaskAttributeResponseBody;

/** DescribeTaskAttribute until the task ends (Finished, Failed or Deleted); every TaskProcess seen on the way. */
export async function waitTask(client: EcsClient, taskId: string, timeoutMs = 120_000): Promise<{ task: TaskAttribute; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (await client.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId }))).body!;
    if (seen.at(-1) !== task.taskProcess) seen.push(task.taskProcess ?? '');
    if (['Finished', 'Failed', 'Deleted'].includes(task.taskStatus ?? '')) return { task, seen };
    assert.ok(Date.now() < deadline, `task ${taskId} did not end: ${JSON.stringify(task)}`);
    await sleep(100);
  }
}

/** The task's result (`RelatedItem`s) by name, and its error code. */
export function taskOutcome(task: TaskAttribute): { items: Record<string, string>; errorCode: string } {
  const op = task.operationProgressSet?.operationProgress?.[0];
  const items: Record<string, string> = {};
  for (const i of op?.relatedItemSet?.relatedItem ?? []) items[i.name ?? ''] = i.value ?? '';
  return { items, errorCode: op?.errorCode ?? '' };
}

/** The test's own view of the S3 server (its root key). */
export class BucketView {
  private readonly client: S3Client;
  constructor(s3: TestS3) {
    this.client = new S3Client({
      endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: S3_KEY.accessKeyId, secretAccessKey: S3_KEY.accessKeySecret },
    });
  }

  async keys(bucket: string): Promise<string[]> {
    const res = await this.client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (res.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  async size(bucket: string, key: string): Promise<number> {
    return (await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? -1;
  }

  /** The sha256 of an object, streamed (not held in memory). */
  async sha256(bucket: string, key: string): Promise<string> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const h = createHash('sha256');
    for await (const c of res.Body as Readable) h.update(c as Buffer);
    return h.digest('hex');
  }

  close(): void {
    this.client.destroy();
  }
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}
