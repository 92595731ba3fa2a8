import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { newAccountImage, type Image } from '../../src/domain/image.js';
import { registerImage } from '../../src/domain/storage-quota.js';
import type { Scope } from '../../src/domain/ports.js';
import { StoreConflictError, StoreNotFoundError } from '../../src/store/errors.js';
import { newScope, uid, type SuiteContext } from './helpers.js';

/** An account image as a build saves it (`imageOwnerAlias` is the owner's view). */
export function image(scope: Scope, over: Partial<Image> = {}): Image {
  return {
    ...newAccountImage({
      imageId: uid('m'),
      regionId: scope.regionId,
      accountId: scope.accountId,
      imageName: uid('img'),
      imageFamily: 'fam-a',
      description: 'built "image" — ünïcode',
      size: 40,
      creationTime: '2024-01-02T03:04:05Z',
      tags: [{ key: 'env', value: 'prod' }],
      manifestDigest: `sha256:${'a'.repeat(64)}`,
      sourceExecutionId: uid('exec'),
    }),
    ...over,
  };
}

export function imageTests(ctx: SuiteContext): void {
  describe('images', () => {
    it('an image round-trips and is visible to its owner in its region only', async () => {
      const owner = newScope();
      const img = image(owner, { copiedFrom: { imageId: 'm-src', regionId: 'cn-beijing' } });
      await ctx.store.images.insert(img);
      assert.deepStrictEqual(await ctx.store.images.getOwned(owner, img.imageId), img);
      assert.deepStrictEqual(await ctx.store.images.getVisible(owner, img.imageId), img);
      assert.deepStrictEqual(await ctx.store.images.listVisible(owner), [img]);
      const stranger = newScope();
      assert.equal(await ctx.store.images.getOwned(stranger, img.imageId), undefined);
      assert.equal(await ctx.store.images.getVisible(stranger, img.imageId), undefined);
      assert.deepEqual(await ctx.store.images.listVisible(stranger), []);
      const elsewhere = { ...owner, regionId: 'cn-beijing' };
      assert.equal(await ctx.store.images.getOwned(elsewhere, img.imageId), undefined);
      assert.deepEqual(await ctx.store.images.listVisible(elsewhere), []);
    });

    it('names are unique per account and region', async () => {
      const owner = newScope();
      const img = image(owner);
      await ctx.store.images.insert(img);
      assert.equal(await ctx.store.images.nameTaken(owner, img.imageName), true);
      assert.equal(await ctx.store.images.nameTaken({ ...owner, regionId: 'cn-beijing' }, img.imageName), false);
      assert.equal(await ctx.store.images.nameTaken(newScope(), img.imageName), false);
      await assert.rejects(ctx.store.images.insert(image(owner, { imageName: img.imageName })), StoreConflictError);
      await ctx.store.images.insert(image({ ...owner, regionId: 'cn-beijing' }, { imageName: img.imageName }));
      await ctx.store.images.insert(image(newScope(), { imageName: img.imageName }));
    });

    it('shares make an image visible as `others`; shares, sharedAmong and removeShares', async () => {
      const owner = newScope();
      const [a, b] = [newScope(), newScope()];
      const img = image(owner);
      const quiet = image(owner);
      await ctx.store.images.insert(img);
      await ctx.store.images.insert(quiet);
      await ctx.store.images.addShares(owner, img.imageId, [b.accountId, a.accountId, a.accountId]);
      await ctx.store.images.addShares(owner, img.imageId, [a.accountId]); // already shared: kept once
      assert.deepEqual(await ctx.store.images.shares(owner, img.imageId), [a.accountId, b.accountId].sort());
      assert.deepEqual([...await ctx.store.images.sharedAmong(owner, [img.imageId, quiet.imageId, 'm-none'])], [img.imageId]);
      assert.deepEqual([...await ctx.store.images.sharedAmong(owner, [])], []);

      const seen = await ctx.store.images.getVisible(a, img.imageId);
      assert.equal(seen?.imageOwnerAlias, 'others');
      assert.equal(seen?.accountId, owner.accountId);
      assert.deepEqual((await ctx.store.images.listVisible(a)).map((i) => [i.imageId, i.imageOwnerAlias]), [[img.imageId, 'others']]);
      assert.equal(await ctx.store.images.getOwned(a, img.imageId), undefined);
      assert.equal(await ctx.store.images.getVisible({ ...a, regionId: 'cn-beijing' }, img.imageId), undefined);
      // The receiver sees no share list and cannot mark the image shared from its own scope.
      assert.deepEqual(await ctx.store.images.shares(a, img.imageId), []);
      assert.deepEqual([...await ctx.store.images.sharedAmong(a, [img.imageId])], []);

      await ctx.store.images.removeShares(owner, img.imageId, [a.accountId, 'not-shared']);
      assert.deepEqual(await ctx.store.images.shares(owner, img.imageId), [b.accountId]);
      assert.equal(await ctx.store.images.getVisible(a, img.imageId), undefined);
      assert.ok(await ctx.store.images.getVisible(b, img.imageId));
    });

    it('only the owner, in the image region, can change shares', async () => {
      const owner = newScope();
      const [a, intruder] = [newScope(), newScope()];
      const img = image(owner);
      await ctx.store.images.insert(img);
      await ctx.store.images.addShares(owner, img.imageId, [a.accountId]);
      await assert.rejects(ctx.store.images.addShares(intruder, img.imageId, [intruder.accountId]), StoreNotFoundError);
      await assert.rejects(ctx.store.images.addShares({ ...owner, regionId: 'cn-beijing' }, img.imageId, [intruder.accountId]), StoreNotFoundError);
      await assert.rejects(ctx.store.images.addShares(owner, 'm-missing', []), StoreNotFoundError);
      await ctx.store.images.removeShares(intruder, img.imageId, [a.accountId]);
      await ctx.store.images.removeShares(a, img.imageId, [a.accountId]);
      assert.deepEqual(await ctx.store.images.shares(owner, img.imageId), [a.accountId]);
      assert.equal(await ctx.store.images.getVisible(intruder, img.imageId), undefined);
    });

    it('delete removes the owned image and its shares; others cannot delete it', async () => {
      const owner = newScope();
      const a = newScope();
      const img = image(owner);
      await ctx.store.images.insert(img);
      await ctx.store.images.addShares(owner, img.imageId, [a.accountId]);
      assert.equal(await ctx.store.images.delete(a, img.imageId), false);
      assert.equal(await ctx.store.images.delete({ ...owner, regionId: 'cn-beijing' }, img.imageId), false);
      assert.ok(await ctx.store.images.getVisible(a, img.imageId));
      assert.equal(await ctx.store.images.delete(owner, img.imageId), true);
      assert.equal(await ctx.store.images.delete(owner, img.imageId), false);
      assert.equal(await ctx.store.images.getOwned(owner, img.imageId), undefined);
      assert.equal(await ctx.store.images.getVisible(a, img.imageId), undefined);
      assert.deepEqual(await ctx.store.images.shares(owner, img.imageId), []);
      // The name is free again.
      await ctx.store.images.insert(image(owner, { imageName: img.imageName }));
    });

    it('share and delete writes roll back with their transaction', async () => {
      const owner = newScope();
      const a = newScope();
      const img = image(owner);
      await ctx.store.images.insert(img);
      const boom = new Error('boom');
      await assert.rejects(ctx.store.transaction(async (tx) => {
        await tx.images.addShares(owner, img.imageId, [a.accountId]);
        assert.deepEqual(await tx.images.shares(owner, img.imageId), [a.accountId]);
        throw boom;
      }), (e) => e === boom);
      assert.deepEqual(await ctx.store.images.shares(owner, img.imageId), []);
      await ctx.store.images.addShares(owner, img.imageId, [a.accountId]);
      await assert.rejects(ctx.store.transaction(async (tx) => {
        assert.equal(await tx.images.delete(owner, img.imageId), true);
        throw boom;
      }), (e) => e === boom);
      assert.ok(await ctx.store.images.getVisible(a, img.imageId));
    });

    it('layer records: storageBytes counts the distinct recorded layers of the images an account owns, in every region', async () => {
      const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
      const [L1, L2, L3] = [{ digest: digest(), size: 5_000_000_000 }, { digest: digest(), size: 100 }, { digest: digest(), size: 7 }];
      const [m1, m2] = [digest(), digest()];
      const owner = newScope();
      const stranger = newScope();
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 0);
      const first = image(owner, { manifestDigest: m1 });
      await ctx.store.images.recordLayers(m1, [L1, L2, L2]);
      await ctx.store.images.insert(first);
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 5_000_000_100, 'a bigint sum, exact');
      await ctx.store.images.recordLayers(m1, [L1, L2]); // again: no change, no error
      // A copy in another region names the same manifest: nothing more.
      await ctx.store.images.insert(image({ ...owner, regionId: 'cn-beijing' }, { manifestDigest: m1 }));
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 5_000_000_100);
      // Another manifest sharing L2 adds only L3.
      const second = image(owner, { manifestDigest: m2 });
      await ctx.store.images.recordLayers(m2, [L2, L3]);
      await ctx.store.images.insert(second);
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 5_000_000_107);
      // Shares count for the owner only; the stranger's own image of m2 counts for it.
      await ctx.store.images.addShares(owner, first.imageId, [stranger.accountId]);
      assert.equal(await ctx.store.images.storageBytes(stranger.accountId), 0);
      await ctx.store.images.insert(image(stranger, { manifestDigest: m2 }));
      assert.equal(await ctx.store.images.storageBytes(stranger.accountId), 107);
      assert.equal(await ctx.store.images.delete(owner, second.imageId), true);
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 5_000_000_100);
    });

    it('unrecordedManifests lists manifests of images with no layer records; pruneLayerRecords drops records no image names', async () => {
      const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
      const [m1, m2] = [digest(), digest()];
      const owner = newScope();
      const img = image(owner, { manifestDigest: m1 });
      await ctx.store.images.insert(img);
      assert.ok((await ctx.store.images.unrecordedManifests()).includes(m1));
      await ctx.store.images.recordLayers(m1, [{ digest: digest(), size: 10 }]);
      assert.ok(!(await ctx.store.images.unrecordedManifests()).includes(m1));
      // Records of a manifest no image names (the image was deleted) go; those of m1 stay.
      await ctx.store.images.recordLayers(m2, [{ digest: digest(), size: 20 }]);
      assert.ok(await ctx.store.images.pruneLayerRecords() >= 1);
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 10);
      await ctx.store.images.insert(image(owner, { manifestDigest: m2 }));
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 10, 'm2 has no records any more');
      assert.ok((await ctx.store.images.unrecordedManifests()).includes(m2));
    });

    it('registerImage past the quota inserts neither the image nor its layer records; a copy adding no bytes always registers', async () => {
      const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
      const owner = newScope();
      const [m1, m2] = [digest(), digest()];
      const ok = image(owner, { manifestDigest: m1 });
      await ctx.store.transaction((tx) => registerImage(tx, ok, [{ digest: digest(), size: 60 }], 100));
      const big = image(owner, { manifestDigest: m2 });
      await assert.rejects(ctx.store.transaction((tx) => registerImage(tx, big, [{ digest: digest(), size: 41 }], 100)), (e: Error & { code?: string }) => e.code === 'QuotaExceed.ImageStorage');
      assert.equal(await ctx.store.images.getOwned(owner, big.imageId), undefined);
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 60);
      // Over a lowered quota, a copy of what the account holds still registers.
      await ctx.store.transaction((tx) => registerImage(tx, image({ ...owner, regionId: 'cn-beijing' }, { manifestDigest: m1 }), undefined, 10));
      // 0: no quota.
      await ctx.store.transaction((tx) => registerImage(tx, big, [{ digest: digest(), size: 1_000 }], 0));
      assert.equal(await ctx.store.images.storageBytes(owner.accountId), 1_060, 'the refused 41 bytes were not recorded for m2');
    });
  });
}
