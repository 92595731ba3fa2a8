import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { Image } from '../../src/domain/image.js';
import type { Scope } from '../../src/domain/ports.js';
import { StoreConflictError } from '../../src/store/errors.js';
import { newScope, type SuiteContext } from './helpers.js';
import { image as storedImage } from './suite-images.js';

const digest = () => `sha256:${randomBytes(32).toString('hex')}`;

/** The images suite's image, with a manifest of its own and a description to change. */
function image(scope: Scope, over: Partial<Image> = {}): Image {
  return storedImage(scope, { description: 'before', manifestDigest: digest(), ...over });
}

/** `ImageRepository.update`: the record and its columns (name, family, manifest) change together. */
export function imageUpdateTests(ctx: SuiteContext): void {
  describe('image updates', () => {
    it('update rewrites the record and the columns: every reader sees the new attributes, the old name and manifest are free', async () => {
      const owner = newScope();
      const sharee = newScope();
      const img = image(owner);
      await ctx.store.images.insert(img);
      await ctx.store.images.addShares(owner, img.imageId, [sharee.accountId]);
      const newDigest = digest();
      const updated = await ctx.store.images.update(owner, img.imageId, {
        imageName: 'renamed-image', imageFamily: 'fam-b', description: 'after', status: 'Deprecated', bootMode: 'UEFI-Preferred',
        licenseType: 'BYOL', features: { nvmeSupport: 'supported' }, tags: [{ key: 'team', value: 'a' }], manifestDigest: newDigest, size: 7,
      });
      const expected: Image = {
        ...img, imageName: 'renamed-image', imageFamily: 'fam-b', description: 'after', status: 'Deprecated', bootMode: 'UEFI-Preferred',
        licenseType: 'BYOL', features: { nvmeSupport: 'supported' }, tags: [{ key: 'team', value: 'a' }], manifestDigest: newDigest, size: 7,
      };
      assert.deepStrictEqual(updated, expected);
      assert.deepStrictEqual(await ctx.store.images.getOwned(owner, img.imageId), expected);
      assert.deepStrictEqual(await ctx.store.images.listVisible(owner), [expected]);
      assert.deepStrictEqual(await ctx.store.images.getVisible(sharee, img.imageId), { ...expected, imageOwnerAlias: 'others' });
      // The name column moved with the record: the old name is free, the new one taken.
      assert.equal(await ctx.store.images.nameTaken(owner, img.imageName), false);
      assert.equal(await ctx.store.images.nameTaken(owner, 'renamed-image'), true);
      await ctx.store.images.insert(image(owner, { imageName: img.imageName }));
      // So did the manifest column (the roots of garbage collection).
      const roots = await ctx.store.images.allManifestDigests();
      assert.ok(roots.includes(newDigest));
      assert.ok(!roots.includes(img.manifestDigest!));
    });

    it('an absent key keeps the field, null removes an optional one, and keys outside the patch are ignored', async () => {
      const owner = newScope();
      const img = image(owner, { licenseType: 'Auto', features: { nvmeSupport: 'supported', imdsSupport: 'v2' } });
      await ctx.store.images.insert(img);
      assert.deepStrictEqual(await ctx.store.images.update(owner, img.imageId, {}), img);
      const crafted = { imageFamily: null, description: null, licenseType: null, features: null, imageId: 'm-other', accountId: '1', creationTime: 'x' };
      const cleared = await ctx.store.images.update(owner, img.imageId, crafted);
      const { imageFamily: _f, description: _d, licenseType: _l, features: _x, ...rest } = img;
      assert.deepStrictEqual(cleared, rest);
      assert.deepStrictEqual(await ctx.store.images.getOwned(owner, img.imageId), rest);
      assert.equal(await ctx.store.images.getOwned(owner, 'm-other'), undefined);
    });

    it('a rename to a name the account uses in the region is a conflict and changes nothing; the own name and other scopes are fine', async () => {
      const owner = newScope();
      const [a, b] = [image(owner), image(owner)];
      await ctx.store.images.insert(a);
      await ctx.store.images.insert(b);
      await assert.rejects(ctx.store.images.update(owner, b.imageId, { imageName: a.imageName, description: 'lost' }), StoreConflictError);
      assert.deepStrictEqual(await ctx.store.images.getOwned(owner, b.imageId), b);
      assert.deepStrictEqual((await ctx.store.images.update(owner, b.imageId, { imageName: b.imageName }))?.imageName, b.imageName);
      const elsewhere = image({ ...owner, regionId: 'cn-beijing' });
      const stranger = newScope();
      const theirs = image(stranger);
      await ctx.store.images.insert(elsewhere);
      await ctx.store.images.insert(theirs);
      assert.equal((await ctx.store.images.update({ ...owner, regionId: 'cn-beijing' }, elsewhere.imageId, { imageName: a.imageName }))?.imageName, a.imageName);
      assert.equal((await ctx.store.images.update(stranger, theirs.imageId, { imageName: a.imageName }))?.imageName, a.imageName);
    });

    it('only the owner, in the image region, updates it', async () => {
      const owner = newScope();
      const sharee = newScope();
      const img = image(owner);
      await ctx.store.images.insert(img);
      await ctx.store.images.addShares(owner, img.imageId, [sharee.accountId]);
      assert.equal(await ctx.store.images.update(sharee, img.imageId, { status: 'Deprecated' }), undefined);
      assert.equal(await ctx.store.images.update({ ...owner, regionId: 'cn-beijing' }, img.imageId, { status: 'Deprecated' }), undefined);
      assert.equal(await ctx.store.images.update(owner, 'm-missing', { status: 'Deprecated' }), undefined);
      assert.deepStrictEqual(await ctx.store.images.getOwned(owner, img.imageId), img);
    });

    it('an update rolls back with its transaction', async () => {
      const owner = newScope();
      const img = image(owner);
      await ctx.store.images.insert(img);
      const boom = new Error('boom');
      await assert.rejects(ctx.store.transaction(async (tx) => {
        assert.equal((await tx.images.update(owner, img.imageId, { imageName: 'in-tx', status: 'Deprecated' }))?.status, 'Deprecated');
        assert.equal((await tx.images.getOwned(owner, img.imageId))?.imageName, 'in-tx');
        throw boom;
      }), (e) => e === boom);
      assert.deepStrictEqual(await ctx.store.images.getOwned(owner, img.imageId), img);
      assert.equal(await ctx.store.images.nameTaken(owner, 'in-tx'), false);
    });
  });
}
