import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { createAccount } from '../../src/auth/accounts.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { newAccountId } from '../../src/domain/ids.js';
import type { StepCacheEntry } from '../../src/domain/step-cache.js';
import { collectGarbage } from '../../src/engine/gc/collect-garbage.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { assertNoLeftovers, build, clientAt, describeImages, uniqueName, type Built } from '../support/builds.js';

/*
 * Issue 8, item 5: per-account storage quotas, with real builds on busybox through the SDK.
 * Every account may hold IMAGE_QUOTA bytes of distinct image layers and CACHE_QUOTA bytes of
 * distinct step-cache blobs; two accounts have no image quota (KILN_ACCOUNT_STORAGE_QUOTAS).
 * Steps write random bytes, so every layer is as large as what it wrote (plus tar headers) and
 * no two are alike.
 */

const MiB = 1024 * 1024;
const IMAGE_QUOTA = 24 * MiB;
const CACHE_QUOTA = 12 * MiB;
const UNLIMITED = newAccountId();
const CACHER = newAccountId();

let kiln: TestKiln;
let blobs: LocalBlobStore;

before(async () => {
  kiln = await startKiln({
    KILN_WORKERS: '1',
    KILN_ACCOUNT_IMAGE_BYTES_QUOTA: String(IMAGE_QUOTA),
    KILN_ACCOUNT_CACHE_BYTES_QUOTA: String(CACHE_QUOTA),
    KILN_ACCOUNT_STORAGE_QUOTAS: JSON.stringify({ [UNLIMITED]: { imageBytes: 0 }, [CACHER]: { imageBytes: 0 } }),
  });
  blobs = new LocalBlobStore(join(kiln.config.dataDir, 'blobs'));
});
after(async () => {
  await kiln?.stop();
});

async function tenant(id?: string): Promise<{ accountId: string; client: EcsClient }> {
  const made = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'quota-tenant', ...(id ? { id } : {}) });
  return { accountId: made.account.id, client: clientAt(kiln.endpoint, { accessKeyId: made.accessKey.id, accessKeySecret: made.accessKey.secret }) };
}

/** A template on busybox whose one step writes `mib` MiB of random bytes to `/file`, built to its end. */
async function writing(client: EcsClient, mib: number, file = uniqueName('f')): Promise<Built> {
  return build(client, { buildContent: `RUN head -c ${mib * MiB} /dev/urandom > /${file}` });
}

function succeeded(b: Built): void {
  assert.equal(b.item.status, 'SUCCESS', JSON.stringify(b.item));
}

function quotaFailure(b: Built): void {
  assert.equal(b.item.status, 'FAILED', JSON.stringify(b.item));
  assert.equal(b.item.errorCode, 'QuotaExceed.ImageStorage', JSON.stringify(b.item));
  assert.equal(b.item.imageId ?? '', '', 'no image id on a refused build');
}

/** The account's own images as DescribeImages lists them. */
async function ownImages(client: EcsClient): Promise<string[]> {
  return (await describeImages(client, { imageOwnerAlias: 'self' })).map((i) => i.imageId!).sort();
}

/** The distinct blob bytes of an account's cache entries, in every region. */
async function cacheBytes(accountId: string): Promise<{ bytes: number; entries: StepCacheEntry[] }> {
  const entries = (await kiln.app.store.stepCache.listAll()).filter((e) => e.accountId === accountId);
  const sizes = new Map<string, number>();
  for (const e of entries) if (e.layerDigest) sizes.set(e.layerDigest, e.layerSize);
  return { bytes: [...sizes.values()].reduce((a, b) => a + b, 0), entries };
}

describe('security: per-account storage quotas', () => {
  test('a build that would take its account past its image quota ends FAILED with QuotaExceed.ImageStorage and leaves nothing behind', async () => {
    const a = await tenant();
    const first = await writing(a.client, 8);
    succeeded(first);
    const image = await kiln.app.store.images.getOwned({ accountId: a.accountId, regionId: 'cn-hangzhou' }, first.item.imageId!);
    const held = (await readImage(blobs, image!.manifestDigest!)).layers.reduce((n, l) => n + l.size, 0);
    assert.ok(held > 8 * MiB && held < 12 * MiB, `the first image holds ${held} bytes`);

    // 16 MiB more: this image alone fits (busybox + 16 MiB), the account's images together do not.
    const second = await writing(a.client, 16);
    quotaFailure(second);
    assert.match(second.item.errorInfo ?? '', /image storage quota of account/);
    await assertNoLeftovers(kiln.config.dataDir, second.executionId);

    // 32 MiB in one step: more than the whole quota, refused as the layer is captured.
    const third = await writing(a.client, 32);
    quotaFailure(third);
    assert.match(third.item.errorInfo ?? '', /line 1: the step's changes are larger than the image storage quota/);
    await assertNoLeftovers(kiln.config.dataDir, third.executionId);
    for await (const blob of blobs.list()) assert.ok(blob.size <= IMAGE_QUOTA + MiB, `a ${blob.size}-byte blob was written past the quota`);

    assert.deepEqual(await ownImages(a.client), [first.item.imageId], 'only the first image exists');
    // What the refused builds wrote is garbage: once collected, no blob of 16 MiB or more is left.
    await collectGarbage({ store: kiln.app.store, blobs, layers: new LayerStore(kiln.config.dataDir, blobs), maxCacheBytes: 1024 ** 4, graceMs: 0 });
    for await (const blob of blobs.list()) assert.ok(blob.size < 16 * MiB, `a ${blob.size}-byte blob of a refused build is still stored`);
  });

  test('another account is not affected: its own images count against its own quota; an account without an image quota builds past it', async () => {
    const a = await tenant();
    succeeded(await writing(a.client, 8));
    const b = await tenant();
    // What `a` holds does not count for `b`: 16 MiB (18 with busybox) fits in b's 24 MiB.
    const ok = await writing(b.client, 16);
    succeeded(ok);
    assert.deepEqual(await ownImages(b.client), [ok.item.imageId]);
    quotaFailure(await writing(b.client, 8));
    // `a` still builds within what it has left.
    succeeded(await writing(a.client, 8));

    const free = await tenant(UNLIMITED);
    const big = await writing(free.client, 32);
    succeeded(big);
    assert.deepEqual(await ownImages(free.client), [big.item.imageId]);
  });

  test('the step cache stays within the account\'s cache quota: least recently used entries are evicted, other accounts keep theirs', async () => {
    const other = await tenant();
    const kept = await writing(other.client, 4);
    succeeded(kept);
    const before = (await cacheBytes(other.accountId)).entries.map((e) => e.key).sort();
    assert.ok(before.length > 0);

    const c = await tenant(CACHER);
    const built: Built[] = [];
    for (let i = 0; i < 5; i++) {
      built.push(await writing(c.client, 4));
      succeeded(built.at(-1)!);
      const { bytes } = await cacheBytes(c.accountId);
      assert.ok(bytes <= CACHE_QUOTA, `after build ${i + 1} the account's cache holds ${bytes} bytes, over its ${CACHE_QUOTA}`);
    }
    // 20 MiB were cached in all; the newest build's step is there, the oldest one's was evicted.
    const { entries } = await cacheBytes(c.accountId);
    const layerOf = async (b: Built) => {
      const image = await kiln.app.store.images.getOwned({ accountId: c.accountId, regionId: 'cn-hangzhou' }, b.item.imageId!);
      return (await readImage(blobs, image!.manifestDigest!)).layers.at(-1)!.digest;
    };
    const cachedLayers = new Set(entries.map((e) => e.layerDigest));
    assert.ok(cachedLayers.has(await layerOf(built.at(-1)!)), 'the last build\'s step is cached');
    assert.ok(!cachedLayers.has(await layerOf(built[0]!)), 'the first build\'s step was evicted');

    // A step larger than the whole cache quota is not cached (and pushes nothing else out).
    const huge = await writing(c.client, 16);
    succeeded(huge);
    assert.deepEqual((await cacheBytes(c.accountId)).entries.map((e) => e.key).sort(), entries.map((e) => e.key).sort());

    assert.deepEqual((await cacheBytes(other.accountId)).entries.map((e) => e.key).sort(), before, 'another account\'s cache is untouched');
  });
});
