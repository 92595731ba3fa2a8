import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { digestHex } from '../../src/blobs/digest.js';
import type { GcReport } from '../../src/engine/gc/collect-garbage.js';
import { imageBlobDigests } from '../../src/engine/image/oci-image.js';
import { blobStoreOf } from '../../src/main/blob-store.js';
import { build, buildExisting, uniqueName } from '../support/builds.js';
import { runCli } from '../support/child.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { startS3, type TestS3 } from '../support/s3.js';

/*
 * A Kiln whose blobs are on the S3 test server (KILN_BLOB_STORE=s3://…): a build on busybox puts
 * its layers in the bucket (nothing in the data dir's blob folder), an unchanged rebuild comes
 * from the step cache, and `kiln gc`, a process of its own on the same settings, deletes the
 * objects nothing references once past the grace and keeps the image's.
 */

const BUCKET = 'kiln-e2e-blobs';
let s3: TestS3;
let kiln: TestKiln;
let env: Record<string, string>;

before(async () => {
  s3 = await startS3();
  await s3.createBucket(BUCKET);
  env = s3.blobStoreEnv(BUCKET, 'team/kiln');
  kiln = await startKiln({ KILN_WORKERS: '1', ...env });
});
after(async () => {
  await kiln?.stop();
  await s3?.stop();
});

const objectKey = (digest: string) => `team/kiln/blobs/sha256/${digestHex(digest)}`;

async function kilnGc(...args: string[]): Promise<GcReport> {
  const r = await runCli(['gc', ...args], { KILN_DATA_DIR: kiln.config.dataDir, KILN_DATABASE_URL: kiln.config.databaseUrl ?? '', ...env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as GcReport;
}

describe('blobs on an S3-compatible store', () => {
  test('a build puts its layers in the bucket, a rebuild comes from the step cache, kiln gc deletes unreferenced objects past the grace', async () => {
    const first = await build(kiln.clients.v3, { buildContent: `RUN cat /proc/sys/kernel/random/uuid > /${uniqueName('s3')}` });
    assert.equal(first.item.status, 'SUCCESS', JSON.stringify(first.item));
    const image = await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: REGION }, first.item.imageId!);
    assert.ok(image?.manifestDigest);
    const blobs = blobStoreOf(kiln.config);
    const imageBlobs = await imageBlobDigests(blobs, image.manifestDigest);
    const keys = new Set(await s3.keys(BUCKET, 'team/kiln/'));
    for (const d of [image.manifestDigest, ...imageBlobs]) assert.ok(keys.has(objectKey(d)), `${d} is an object in the bucket`);
    assert.equal(existsSync(join(kiln.config.dataDir, 'blobs', 'sha256')), false, 'nothing in the local blob folder');

    const again = await buildExisting(kiln.clients.v3, first.pipelineId);
    assert.equal(again.item.status, 'SUCCESS', JSON.stringify(again.item));
    assert.match(again.item.message ?? '', /1 from the step cache/);

    const junk = await blobs.put(randomBytes(2000));
    const fresh = await kilnGc();
    assert.equal(fresh.deletedBlobs, 0, 'the grace keeps what was just written');
    assert.ok((await s3.keys(BUCKET, 'team/kiln/')).includes(objectKey(junk.digest)));
    const swept = await kilnGc('--grace-ms', '0');
    assert.ok(swept.deletedBlobs >= 1, JSON.stringify(swept));
    const left = new Set(await s3.keys(BUCKET, 'team/kiln/'));
    assert.equal(left.has(objectKey(junk.digest)), false, 'the unreferenced object is deleted');
    for (const d of [image.manifestDigest, ...imageBlobs]) assert.ok(left.has(objectKey(d)), `the image's ${d} is kept`);
  });
});
