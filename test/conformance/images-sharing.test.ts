import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { REGION } from '../support/kiln.js';
import { $Ecs, BUSYBOX, DEBIAN, createPipeline, expectCode, pipelineRequest } from '../support/ecs-requests.js';
import { copy, describeImages, ids, remove, share, shares } from './support/image-requests.js';
import { BEIJING, imagesFixture } from './support/images.js';

/*
 * Sharing and copying account images through the official SDK (V3 and V1) and pop-core:
 * Modify/DescribeImageSharePermission, CopyImage, and shared images as template base images.
 * Images are inserted into the store as setup (their content is not what these tests are about).
 */

const images = imagesFixture();
const { tenant, seed } = images;

describe('ModifyImageSharePermission and DescribeImageSharePermission', () => {
  test('adds and removes accounts; the share list pages; shared accounts see the image', async () => {
    const [a, b, c] = [await tenant(), await tenant(), await tenant()];
    const img = await seed(a);
    const res = await share(a.v3, img.imageId, [c.accountId, b.accountId]);
    assert.equal(res.statusCode, 200);
    assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);

    const listed = await shares(a.v3, img.imageId);
    assert.equal(listed.statusCode, 200);
    const body = listed.body!;
    assert.equal(body.imageId, img.imageId);
    assert.equal(body.regionId, REGION);
    assert.equal(body.totalCount, 2);
    assert.deepEqual([body.pageNumber, body.pageSize], [1, 10]);
    assert.deepEqual(body.shareGroups?.shareGroup, []);
    assert.deepEqual(body.accounts?.account?.map((x) => x.aliyunId), [b.accountId, c.accountId].sort());
    assert.ok(body.accounts?.account?.[0] instanceof $Ecs.DescribeImageSharePermissionResponseBodyAccountsAccount);
    const page2 = (await shares(a.v1, img.imageId, { pageNumber: 2, pageSize: 1 })).body;
    assert.equal(page2?.totalCount, 2);
    assert.deepEqual(page2?.accounts?.account?.map((x) => x.aliyunId), [[b.accountId, c.accountId].sort()[1]]);
    assert.deepEqual(await ids(b.v3, { imageOwnerAlias: 'others' }), [img.imageId]);

    // Adding again keeps one share; removing one account leaves the other.
    await share(a.v1, img.imageId, [b.accountId], [c.accountId]);
    assert.deepEqual((await shares(a.v3, img.imageId)).body?.accounts?.account?.map((x) => x.aliyunId), [b.accountId]);
    assert.deepEqual(await ids(c.v3, { imageOwnerAlias: 'others' }), []);
    // pop-core with the flat form parameters.
    await a.pop.request('ModifyImageSharePermission', { RegionId: REGION, ImageId: img.imageId, 'RemoveAccount.1': b.accountId }, { method: 'POST' });
    assert.equal((await shares(a.v3, img.imageId)).body?.totalCount, 0);
    assert.deepEqual(await ids(b.v3, { imageOwnerAlias: 'others' }), []);
    // IsPublic=false leaves a regular image as it is.
    assert.equal((await share(a.v3, img.imageId, [], [], { isPublic: false })).statusCode, 200);
  });

  test('errors: not the owner, system image, unknown account, own account, IsPublic, paging', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const img = await seed(a);
    await share(a.v3, img.imageId, [b.accountId]);
    await expectCode(() => share(b.v3, img.imageId, [b.accountId]), 'InvalidImageId.NotFound', 404);
    await expectCode(() => shares(b.v3, img.imageId), 'InvalidImageId.NotFound', 404);
    await expectCode(() => share(a.v3, img.imageId, [b.accountId], [], { regionId: BEIJING }), 'InvalidImageId.NotFound', 404);
    await expectCode(() => share(a.v3, BUSYBOX, [b.accountId]), 'InvalidImageId.NotFound', 404);
    await expectCode(() => shares(a.v3, DEBIAN), 'InvalidImageId.NotFound', 404);
    await expectCode(() => share(a.v3, 'm-doesnotexist', [b.accountId]), 'InvalidImageId.NotFound', 404);

    // An unknown account fails the whole request: the valid one is not shared either.
    const other = await seed(a);
    const e = await expectCode(() => share(a.v3, other.imageId, [b.accountId, '1234567890123456']), 'InvalidAccount.NotFound', 404);
    assert.match(e.message, /1234567890123456/);
    await expectCode(() => share(a.v3, other.imageId, [], ['not-an-account']), 'InvalidAccount.NotFound', 404);
    await expectCode(() => share(a.v1, other.imageId, [a.accountId]), 'InvalidAccount.Forbbiden', 404);
    assert.equal((await shares(a.v3, other.imageId)).body?.totalCount, 0);

    await expectCode(() => share(a.v3, other.imageId, [], [], { isPublic: true }), 'CurrentRegion.NotSupportPublicImage', 403);
    await expectCode(() => share(a.v3, other.imageId, [b.accountId], [], { isPublic: true }), 'InvalidParameter.IsPublic', 403);
    await expectCode(() => shares(a.v3, img.imageId, { pageSize: 101 }), 'InvalidParameter.PageSize', 400);
    await expectCode(() => shares(a.v3, img.imageId, { pageNumber: 0 }), 'InvalidParameter.PageNumber', 400);
    await expectCode(() => a.v3.describeImageSharePermission(new $Ecs.DescribeImageSharePermissionRequest({ regionId: REGION })), 'MissingParameter.ImageId', 400);
  });

  test('limits: the first 10 of AddAccount.N are processed; at most 50 accounts per image (QuotaExceed.ShareImageUser, 403)', async () => {
    const a = await tenant();
    const eleven = await Promise.all(Array.from({ length: 11 }, () => createAccount(images.kiln.app.store, [REGION])));
    const accountIds = eleven.map((x) => x.account.id);
    const img = await seed(a);
    await share(a.v3, img.imageId, accountIds);
    const listed = (await shares(a.v3, img.imageId, { pageSize: 100 })).body;
    assert.equal(listed?.totalCount, 10);
    assert.deepEqual(listed?.accounts?.account?.map((x) => x.aliyunId), accountIds.slice(0, 10).sort());

    // 49 existing shares (setup straight in the store) + 1 reaches the quota; one more exceeds it.
    const full = await seed(a);
    const scope = { accountId: a.accountId, regionId: REGION };
    await images.kiln.app.store.images.addShares(scope, full.imageId, Array.from({ length: 49 }, (_, i) => `90000000000000${String(i).padStart(2, '0')}`));
    await share(a.v3, full.imageId, [accountIds[0]!]);
    assert.equal((await shares(a.v3, full.imageId)).body?.totalCount, 50);
    await expectCode(() => share(a.v3, full.imageId, [accountIds[1]!]), 'QuotaExceed.ShareImageUser', 403);
    // Removing and adding in one request stays within the quota.
    await share(a.v3, full.imageId, [accountIds[1]!], [accountIds[0]!]);
    assert.equal((await shares(a.v3, full.imageId)).body?.totalCount, 50);
  });
});

describe('CopyImage', () => {
  test('copies an own image to another region: a new image with the same content, IsCopied', async () => {
    const a = await tenant();
    const src = await seed(a);
    const res = await copy(a.v3, {
      imageId: src.imageId, destinationRegionId: BEIJING, destinationImageName: 'copied-image', destinationDescription: 'a copy',
      tag: [new $Ecs.CopyImageRequestTag({ key: 'copy', value: 'yes' })], encrypted: false,
    });
    assert.equal(res.statusCode, 200);
    const copyId = res.body?.imageId ?? '';
    assert.match(copyId, /^m-[a-z0-9]{20}$/);
    assert.notEqual(copyId, src.imageId);

    const there = (await describeImages(a.v3, { regionId: BEIJING, imageId: copyId })).images?.image?.[0];
    assert.equal(there?.imageName, 'copied-image');
    assert.equal(there?.description, 'a copy');
    assert.equal(there?.imageOwnerAlias, 'self');
    assert.equal(there?.isCopied, true);
    assert.equal(there?.imageFamily, src.imageFamily);
    assert.deepEqual(there?.tags?.tag?.map((t) => [t.tagKey, t.tagValue]), [['copy', 'yes']]);
    const stored = await images.kiln.app.store.images.getOwned({ accountId: a.accountId, regionId: BEIJING }, copyId);
    assert.equal(stored?.manifestDigest, src.manifestDigest);
    assert.deepEqual(stored?.copiedFrom, { imageId: src.imageId, regionId: REGION });
    // The source is unchanged; without a name the copy keeps the source's (free in the destination).
    assert.equal((await describeImages(a.v3, { imageId: src.imageId })).images?.image?.[0]?.isCopied, false);
    const again = await copy(a.v1, { imageId: src.imageId, destinationRegionId: 'cn-shanghai' });
    const named = (await describeImages(a.v1, { regionId: 'cn-shanghai', imageId: again.body?.imageId })).images?.image?.[0];
    assert.equal(named?.imageName, src.imageName);
    assert.equal(named?.description, src.description);
    // Within the region, the source's own name is taken.
    await expectCode(() => copy(a.v3, { imageId: src.imageId }), 'InvalidImageName.Duplicated', 400);
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: BEIJING, destinationImageName: 'copied-image' }), 'InvalidImageName.Duplicated', 400);
    const same = await copy(a.v3, { imageId: src.imageId, destinationImageName: 'same-region-copy' });
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self' }), [same.body!.imageId!, src.imageId].sort());
  });

  test('a shared image copies within its region only; system and unshared images are not found', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const src = await seed(a);
    const hidden = await seed(a);
    await share(a.v3, src.imageId, [b.accountId]);
    const res = await copy(b.v3, { imageId: src.imageId, destinationImageName: 'my-own-copy' });
    const copyId = res.body?.imageId ?? '';
    const mine = (await describeImages(b.v3, { imageOwnerAlias: 'self' })).images?.image ?? [];
    assert.deepEqual(mine.map((i) => [i.imageId, i.imageOwnerAlias, i.imageOwnerId]), [[copyId, 'self', Number(b.accountId)]]);
    const stored = await images.kiln.app.store.images.getOwned({ accountId: b.accountId, regionId: REGION }, copyId);
    assert.equal(stored?.manifestDigest, src.manifestDigest);
    assert.equal(stored?.sourceExecutionId, undefined);
    // The copy stays when the owner unshares or deletes the source.
    await remove(a.v3, src.imageId, true);
    assert.deepEqual(await ids(b.v3, { imageOwnerAlias: 'self' }), [copyId]);

    const other = await seed(a);
    await share(a.v3, other.imageId, [b.accountId]);
    await expectCode(() => copy(b.v3, { imageId: other.imageId, destinationRegionId: BEIJING }), 'OperationDenied.SameRegionOnly', 403);
    await expectCode(() => copy(b.v3, { imageId: hidden.imageId }), 'InvalidImageId.NotFound', 404);
    await expectCode(() => copy(b.v1, { imageId: BUSYBOX, destinationImageName: 'busy-copy' }), 'InvalidImageId.NotFound', 404);
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: BEIJING }), 'InvalidImageId.NotFound', 404);
  });

  test('errors: destination region, status, name, description; ClientToken idempotency', async () => {
    const a = await tenant();
    const src = await seed(a);
    const creating = await seed(a, { status: 'Creating' });
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: 'xx-nowhere-1' }), 'DestinationRegion.NotFound', 400);
    await expectCode(() => copy(a.v3, { regionId: 'xx-nowhere-1', imageId: src.imageId, destinationRegionId: BEIJING }), 'InvalidRegionId.NotFound', 404);
    await expectCode(() => copy(a.v3, { imageId: creating.imageId, destinationRegionId: BEIJING }), 'IncorrectImageStatus', 400);
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: BEIJING, destinationImageName: '1-starts-with-digit' }), 'InvalidImageName.Malformed', 400);
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: BEIJING, destinationImageName: 'acs:mine' }), 'InvalidImageName.Malformed', 400);
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: BEIJING, destinationDescription: 'http://x' }), 'InvalidDescription.Malformed', 400);
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: BEIJING, tag: [new $Ecs.CopyImageRequestTag({ key: 'acs:x', value: '' })] }), 'InvalidTagKey.Malformed', 400);
    await expectCode(() => copy(a.v3, { destinationRegionId: BEIJING }), 'MissingParameter.ImageId', 400);

    const token = `copy-${src.imageId}`;
    const first = await copy(a.v3, { imageId: src.imageId, destinationRegionId: BEIJING, clientToken: token });
    const retry = await copy(a.v1, { imageId: src.imageId, destinationRegionId: BEIJING, clientToken: token });
    assert.equal(retry.body?.imageId, first.body?.imageId);
    assert.deepEqual(await ids(a.v3, { regionId: BEIJING, imageOwnerAlias: 'self' }), [first.body!.imageId!]);
    await expectCode(() => copy(a.v3, { imageId: src.imageId, destinationRegionId: 'cn-shanghai', clientToken: token }), 'IdempotentParameterMismatch', 400);
  });
});

describe('a shared image as a template base image', () => {
  test('CreateImagePipeline accepts an image (and family) shared with the caller until it is unshared', async () => {
    const [a, b, c] = [await tenant(), await tenant(), await tenant()];
    const base = await seed(a, { imageFamily: 'golden' });
    await expectCode(() => b.v3.createImagePipeline(pipelineRequest({ baseImage: base.imageId })), 'InvalidImage.NotFound', 404);

    await share(a.v3, base.imageId, [b.accountId]);
    assert.match(await createPipeline(b.v3, { baseImage: base.imageId }), /^ip-/);
    assert.match(await createPipeline(b.v1, { baseImageType: 'IMAGE_FAMILY', baseImage: 'golden' }), /^ip-/);
    await expectCode(() => c.v3.createImagePipeline(pipelineRequest({ baseImage: base.imageId })), 'InvalidImage.NotFound', 404);

    await share(a.v3, base.imageId, [], [b.accountId]);
    await expectCode(() => b.v3.createImagePipeline(pipelineRequest({ baseImage: base.imageId })), 'InvalidImage.NotFound', 404);
    await expectCode(() => b.v3.createImagePipeline(pipelineRequest({ baseImageType: 'IMAGE_FAMILY', baseImage: 'golden' })), 'InvalidImage.NotFound', 404);
    // The owner still builds from it.
    assert.match(await createPipeline(a.v3, { baseImage: base.imageId }), /^ip-/);
  });
});
