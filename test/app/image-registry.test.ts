import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app/app.js';
import { distributeImage } from '../../src/app/image-registry-distribution.js';
import { ImageRegistry } from '../../src/app/image-registry.js';
import { copyImage } from '../../src/app/images-copy.js';
import { MAX_SHARE_ACCOUNTS } from '../../src/domain/image-rules.js';
import { newAccountImage, type Image } from '../../src/domain/image.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import type { LayerRef } from '../../src/domain/storage-quota.js';
import { createStore } from '../../src/store/create-store.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';

/*
 * The image registry, the one place an image row is written, on real SQLite and PostgreSQL: the
 * name rule and the image quota refuse with nothing written; distribution copies exactly as
 * CopyImage copies and shares under ModifyImageSharePermission's share-list rules.
 */

const QUOTA = 1000;
let n = 0;
const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

function builtImage(scope: Scope, over: Partial<Image> = {}): Image {
  return {
    ...newAccountImage({
      imageId: `m-reg-${process.pid}-${++n}`, ...scope, imageName: `built-${n}`, imageFamily: 'fam', description: 'built by a test',
      size: 40, creationTime: '2024-01-02T03:04:05Z', tags: [{ key: 'team', value: 'a' }], manifestDigest: digest(), sourceExecutionId: `exec-reg-${n}`,
    }),
    ...over,
  };
}

async function newAccount(store: Store): Promise<string> {
  const id = String(7_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
  await store.accounts.insert({ id, name: 'registry-test', creationTime: '2024-01-01T00:00:00Z' });
  return id;
}

function registrySuite(name: string, open: () => Promise<{ store: Store; dispose(): Promise<void> }>): void {
  describe(`image registry on ${name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let registry: ImageRegistry;
    before(async () => {
      ({ store, dispose } = await open());
      registry = new ImageRegistry({ store, quotas: () => ({ imageBytes: QUOTA, cacheBytes: 0 }) });
    });
    after(async () => {
      await store.close();
      await dispose();
    });

    const register = (image: Image, layers: LayerRef[]) => store.transaction((tx) => registry.register(tx, image, layers, `image ${image.imageId}`));

    test('a taken name is refused (InvalidImageName.Duplicated) and nothing of the image is written', async () => {
      const scope = { accountId: await newAccount(store), regionId: 'cn-hangzhou' };
      const first = builtImage(scope);
      await register(first, [{ digest: digest(), size: 100 }]);
      const second = builtImage(scope, { imageName: first.imageName });
      await assert.rejects(register(second, [{ digest: digest(), size: 200 }]), (e: Error & { code?: string }) => e.code === 'InvalidImageName.Duplicated' && e.message.includes(first.imageName));
      assert.equal(await store.images.getOwned(scope, second.imageId), undefined);
      assert.equal(await store.images.storageBytes(scope.accountId), 100, 'the refused image\'s layers are not recorded');
      // The same name in another region, or of another account, is free.
      await register(builtImage({ ...scope, regionId: 'cn-beijing' }, { imageName: first.imageName }), [{ digest: digest(), size: 1 }]);
    });

    test('past the image quota: QuotaExceed.ImageStorage, neither the image nor its layers are written', async () => {
      const scope = { accountId: await newAccount(store), regionId: 'cn-hangzhou' };
      await register(builtImage(scope), [{ digest: digest(), size: 900 }]);
      const big = builtImage(scope);
      await assert.rejects(register(big, [{ digest: digest(), size: 101 }]), (e: Error & { code?: string }) => e.code === 'QuotaExceed.ImageStorage');
      assert.equal(await store.images.getOwned(scope, big.imageId), undefined);
      assert.equal(await store.images.storageBytes(scope.accountId), 900);
      assert.equal(await store.images.nameTaken(scope, big.imageName), false);
    });

    test('a distributed copy is what CopyImage makes: a new creation time, no tags, the source\'s name and description', async () => {
      const owner = await newAccount(store);
      const scope = { accountId: owner, regionId: 'cn-hangzhou' };
      const source = builtImage(scope);
      await register(source, [{ digest: digest(), size: 10 }]);
      const before = Date.now() - 1000;
      const done = await store.transaction((tx) => distributeImage(registry, tx, source, { toRegionIds: ['cn-beijing', 'cn-hangzhou'], addAccounts: [] }));
      assert.deepEqual(done.problems, []);
      assert.equal(done.copies.length, 1, 'the source\'s own region needs no copy');
      const distributed = await store.images.getOwned({ accountId: owner, regionId: 'cn-beijing' }, done.copies[0]!.imageId);
      assert.ok(distributed);

      const app = { store, regions: [{ regionId: 'cn-hangzhou' }, { regionId: 'cn-shanghai' }], config: { accountImageBytesQuota: QUOTA, accountCacheBytesQuota: 0, accountStorageQuotas: {} } } as unknown as App;
      const { imageId } = await copyImage(app, scope, { imageId: source.imageId, destinationRegionId: 'cn-shanghai', tags: [] });
      const copied = await store.images.getOwned({ accountId: owner, regionId: 'cn-shanghai' }, imageId);
      assert.ok(copied);

      const comparable = (i: Image) => ({ ...i, imageId: '-', regionId: '-', creationTime: '-', registeredAt: '-' });
      assert.deepEqual(comparable(distributed), comparable(copied));
      assert.deepEqual(distributed.tags, []);
      assert.equal(distributed.imageName, source.imageName);
      assert.equal(distributed.description, source.description);
      assert.deepEqual(distributed.copiedFrom, { imageId: source.imageId, regionId: source.regionId });
      assert.equal(distributed.sourceExecutionId, source.sourceExecutionId, 'the owner\'s own copy keeps the build id, as CopyImage\'s');
      for (const copy of [distributed, copied]) {
        assert.notEqual(copy.creationTime, source.creationTime);
        assert.ok(Date.parse(copy.creationTime) >= before, copy.creationTime);
      }
      assert.equal(await store.images.storageBytes(owner), 10, 'copies cost no byte more');
    });

    test('refused targets are problems and the rest goes on; shares follow the share-list rules', async () => {
      const owner = await newAccount(store);
      const friend = await newAccount(store);
      const missing = '9999999999999';
      const scope = { accountId: owner, regionId: 'cn-hangzhou' };
      const source = builtImage(scope);
      await register(source, [{ digest: digest(), size: 10 }]);
      // A name taken in cn-beijing: no copy there.
      await register(builtImage({ accountId: owner, regionId: 'cn-beijing' }, { imageName: source.imageName }), [{ digest: digest(), size: 1 }]);

      const done = await store.transaction((tx) => distributeImage(registry, tx, source, { toRegionIds: ['cn-beijing', 'cn-shanghai'], addAccounts: [friend, missing, owner] }));
      assert.deepEqual(done.copies.map((c) => c.regionId), ['cn-shanghai']);
      assert.deepEqual(done.problems.map((p) => [p.target, p.code]), [
        [{ regionId: 'cn-beijing' }, 'InvalidImageName.Duplicated'],
        [{ accountId: missing }, 'InvalidAccount.NotFound'],
      ]);
      const copy = done.copies[0]!;
      assert.deepEqual(done.shares, [{ accountId: friend, imageIds: [source.imageId, copy.imageId] }]);
      assert.deepEqual(await store.images.shares(scope, source.imageId), [friend], 'the owner itself is not a sharee');
      assert.deepEqual(await store.images.shares({ accountId: owner, regionId: 'cn-shanghai' }, copy.imageId), [friend]);
      assert.ok(await store.images.getVisible({ accountId: friend, regionId: 'cn-shanghai' }, copy.imageId));
    });

    test('an image shared with as many accounts as it may be: one more is a QuotaExceed.ShareImageUser problem, nothing shared', async () => {
      const owner = await newAccount(store);
      const scope = { accountId: owner, regionId: 'cn-hangzhou' };
      const source = builtImage(scope);
      await register(source, [{ digest: digest(), size: 10 }]);
      const full = Array.from({ length: MAX_SHARE_ACCOUNTS }, (_, i) => String(8_000_000_000 + i));
      await store.images.addShares(scope, source.imageId, full);
      const extra = await newAccount(store);
      const done = await store.transaction((tx) => distributeImage(registry, tx, source, { toRegionIds: [], addAccounts: [extra] }));
      assert.deepEqual(done.problems.map((p) => p.code), ['QuotaExceed.ShareImageUser']);
      assert.deepEqual(done.shares, []);
      assert.equal((await store.images.shares(scope, source.imageId)).includes(extra), false);
    });

    test('an OSS import is registered only with RetainImportedImage, under the name rule', async () => {
      const owner = await newAccount(store);
      const pipeline = {
        accountId: owner, regionId: 'cn-hangzhou',
        importImageOptions: { retainImportedImage: false, imageName: `kept-${n}`, importImageTags: [{ key: 'from', value: 'oss' }], diskDeviceMappings: [] },
      };
      const imported = { pipeline, executionId: 'exec-oss-1', source: 'oss://bucket/root.tar.gz', manifestDigest: digest(), layers: [{ digest: digest(), size: 5 }] } as unknown as Parameters<ImageRegistry['registerImportedBase']>[0];
      const transient = await registry.registerImportedBase(imported);
      assert.equal(transient.imageId, 'oss://bucket/root.tar.gz');
      assert.equal(await store.images.nameTaken({ accountId: owner, regionId: 'cn-hangzhou' }, `kept-${n}`), false);

      pipeline.importImageOptions.retainImportedImage = true;
      const kept = await registry.registerImportedBase(imported);
      assert.match(kept.imageId, /^m-/);
      assert.deepEqual((await store.images.getOwned({ accountId: owner, regionId: 'cn-hangzhou' }, kept.imageId))?.tags, [{ key: 'from', value: 'oss' }]);
      await assert.rejects(registry.registerImportedBase(imported), (e: Error & { code?: string }) => e.code === 'InvalidImageName.Duplicated' && /^BaseImageType=OSS: RetainImportedImage: /.test(e.message));
    });
  });
}

registrySuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-registry-'));
  return { store: await createStore({ dataDir: dir }), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
});

registrySuite('PostgreSQL', async () => {
  const db: FreshDatabase = await freshDatabase('kiln_registry');
  return { store: await createStore({ databaseUrl: db.url, dataDir: '/nonexistent' }), dispose: () => db.drop() };
});
