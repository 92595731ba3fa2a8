import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { digestHex } from '../../src/blobs/digest.js';
import { loadConfig } from '../../src/config/config.js';
import { collectGarbage } from '../../src/engine/gc/collect-garbage.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { blobStoreOf } from '../../src/main/blob-store.js';
import { startExecution } from '../support/builds.js';
import { createPipeline } from '../support/ecs-requests.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { startS3, type TestS3 } from '../support/s3.js';

/*
 * Garbage collection on a bucket that several hosts share, with the rules of the local folder:
 * a blob nothing references is deleted once its last write is older than the grace; a blob a
 * running execution pinned is kept; and a blob another host has just put again (its upload
 * skipped: the bucket had it) counts as just written, so the collection of any host keeps it
 * until that host's build has recorded it. Ages come from the bucket's LastModified.
 */

const BUCKET = 'kiln-gc-blobs';
const PREFIX = 'shared';
const GRACE = 10 * 60_000;
let s3: TestS3;
let kiln: TestKiln;
let otherHost: string;

before(async () => {
  s3 = await startS3();
  await s3.createBucket(BUCKET);
  kiln = await startKiln(s3.blobStoreEnv(BUCKET, PREFIX));
  otherHost = await mkdtemp(join(tmpdir(), 'kiln-other-host-'));
});
after(async () => {
  await kiln?.stop();
  await s3?.stop();
  if (otherHost) await rm(otherHost, { recursive: true, force: true });
});

const key = (digest: string) => `${PREFIX}/blobs/sha256/${digestHex(digest)}`;
const HOUR = 3_600_000;

describe('garbage collection on a shared bucket', () => {
  test('deletes old unreferenced blobs; keeps pinned ones, fresh ones, and old ones another host has just put again', async () => {
    const blobs = blobStoreOf(kiln.config);
    const [old, pinned, reput, fresh] = await Promise.all([0, 1, 2, 3].map(async () => (await blobs.put(randomBytes(3000))).digest));
    for (const d of [old, pinned, reput]) s3.backdate(BUCKET, key(d!), HOUR);

    const queued = await startExecution(kiln.clients.v3, await createPipeline(kiln.clients.v3, { buildContent: 'RUN true' }));
    await kiln.app.store.blobPins.pin(queued, [pinned!]);
    // another host (its own data dir and cache, the same bucket) builds a layer the bucket already has
    const other = blobStoreOf(loadConfig({ KILN_DATA_DIR: otherHost, ...s3.blobStoreEnv(BUCKET, PREFIX) }));
    const from = s3.requests.length;
    assert.equal((await other.put(await blobs.get(reput!))).digest, reput);
    assert.equal(s3.requests.slice(from).filter((r) => r.method === 'PUT' && r.path.includes(key(reput!))).length, 0, 'not uploaded again');

    const report = await collectGarbage({
      store: kiln.app.store, blobs, layers: new LayerStore(kiln.config.dataDir, blobs, {}, kiln.app.store.baseImages),
      maxCacheBytes: kiln.config.cacheMaxBytes, graceMs: GRACE,
    });
    assert.equal(report.deletedBlobs, 1, JSON.stringify(report));
    const left = new Set(await s3.keys(BUCKET, `${PREFIX}/blobs/`));
    assert.equal(left.has(key(old!)), false, 'old and unreferenced: deleted');
    for (const d of [pinned, reput, fresh]) assert.ok(left.has(key(d!)), `${d} kept`);

    // Once the grace has passed for the other host's put too (and its pin is gone), nothing keeps them.
    await kiln.app.store.blobPins.unpin(queued);
    const later = await collectGarbage({
      store: kiln.app.store, blobs, layers: new LayerStore(kiln.config.dataDir, blobs, {}, kiln.app.store.baseImages),
      maxCacheBytes: kiln.config.cacheMaxBytes, graceMs: GRACE, now: () => Date.now() + GRACE + 60_000,
    });
    assert.equal(later.deletedBlobs, 3, JSON.stringify(later));
    assert.deepEqual(await s3.keys(BUCKET, `${PREFIX}/`), [], 'no blob and no refresh marker left');
  });

  test('keeps an old blob another host puts again while the collection is listing the bucket', async () => {
    const blobs = blobStoreOf(kiln.config);
    const bytes = randomBytes(2000);
    const { digest } = await blobs.put(bytes);
    s3.backdate(BUCKET, key(digest), HOUR);
    const other = blobStoreOf(loadConfig({ KILN_DATA_DIR: otherHost, ...s3.blobStoreEnv(BUCKET, PREFIX) }));
    // the other host's put lands after the listing began (a large bucket takes minutes to list), before this blob's turn
    const listing: BlobStore = Object.assign(Object.create(blobs) as BlobStore, {
      async *list() {
        for await (const b of blobs.list()) {
          if (b.digest === digest) await other.put(bytes);
          yield b;
        }
      },
    });
    await collectGarbage({
      store: kiln.app.store, blobs: listing, layers: new LayerStore(kiln.config.dataDir, blobs, {}, kiln.app.store.baseImages),
      maxCacheBytes: kiln.config.cacheMaxBytes, graceMs: GRACE,
    });
    assert.ok((await s3.keys(BUCKET, `${PREFIX}/blobs/`)).includes(key(digest)), 'the blob the other host has just put is kept');
    assert.equal(await other.has(digest), true);
  });
});
