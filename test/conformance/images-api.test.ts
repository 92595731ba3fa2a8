import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REGION, type EcsClient } from '../support/kiln.js';
import { expectPopError } from '../support/wire.js';
import { $Ecs, BUSYBOX, BUSYBOX_FAMILY, DEBIAN, DEBIAN_VM, expectCode } from '../support/ecs-requests.js';
import { describeImages, ids, remove, share, shares } from './support/image-requests.js';
import { BEIJING, imagesFixture } from './support/images.js';

/*
 * Account images through the official SDK (V3 and V1) and pop-core: DescribeImages for own,
 * shared and system images, DeleteImage and DescribeImageFromFamily (sharing and copying:
 * images-sharing.test.ts). Images are inserted into the store as setup (their content is not
 * what these tests are about).
 */

const images = imagesFixture();
const { tenant, seed } = images;

function fromFamily(client: EcsClient, imageFamily: string) {
  return client.describeImageFromFamily(new $Ecs.DescribeImageFromFamilyRequest({ regionId: REGION, imageFamily }));
}

describe('DescribeImages with account images', () => {
  test('self, others and system images, each field parsed by the SDK (V3 and V1)', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const mine = await seed(a, { tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: '' }] });
    const sharedOut = await seed(a);
    const theirs = await seed(b);
    await share(a.v3, sharedOut.imageId, [b.accountId]);

    const all = await describeImages(a.v3, { pageSize: 100 });
    assert.equal(all.totalCount, 5);
    assert.deepEqual((all.images?.image ?? []).map((i) => i.imageId).sort(), [BUSYBOX, DEBIAN, DEBIAN_VM, mine.imageId, sharedOut.imageId].sort());
    const item = all.images?.image?.find((i) => i.imageId === mine.imageId);
    assert.ok(item instanceof $Ecs.DescribeImagesResponseBodyImagesImage);
    assert.equal(item.imageName, mine.imageName);
    assert.equal(item.imageFamily, 'team-base');
    assert.equal(item.description, mine.description);
    assert.equal(item.imageOwnerAlias, 'self');
    assert.equal(item.imageOwnerId, Number(a.accountId));
    assert.equal(item.isSelfShared, 'false');
    assert.equal(item.isCopied, false);
    assert.equal(item.isPublic, false);
    assert.equal(item.creationTime, mine.creationTime);
    assert.equal(item.size, 40);
    assert.equal(item.status, 'Available');
    assert.equal(item.progress, '100%');
    assert.equal(item.OSType, 'linux');
    assert.equal(item.architecture, 'x86_64');
    assert.equal(item.usage, 'none');
    assert.deepEqual(item.tags?.tag?.map((t) => [t.tagKey, t.tagValue]), [['env', 'prod'], ['team', '']]);
    assert.equal(item.diskDeviceMappings?.diskDeviceMapping?.[0]?.type, 'system');
    assert.equal(item.diskDeviceMappings?.diskDeviceMapping?.[0]?.size, '40');
    assert.equal(all.images?.image?.find((i) => i.imageId === sharedOut.imageId)?.isSelfShared, 'true');
    assert.equal(all.images?.image?.find((i) => i.imageId === BUSYBOX)?.isPublic, true);

    // The receiver sees the shared image as `others`, with its owner's id, next to its own.
    const seen = await describeImages(b.v1, { imageOwnerAlias: 'others' });
    assert.equal(seen.totalCount, 1);
    const other = seen.images?.image?.[0];
    assert.equal(other?.imageId, sharedOut.imageId);
    assert.equal(other?.imageOwnerAlias, 'others');
    assert.equal(other?.imageOwnerId, Number(a.accountId));
    assert.equal(other?.isSelfShared, '');
    assert.deepEqual(await ids(b.v3, { imageOwnerAlias: 'self' }), [theirs.imageId]);
    assert.deepEqual(await ids(b.v3), [BUSYBOX, DEBIAN, DEBIAN_VM, sharedOut.imageId, theirs.imageId].sort());
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'system' }), [BUSYBOX, DEBIAN, DEBIAN_VM].sort());
    // Another account's unshared image is invisible, even by id; another region has none of them.
    assert.deepEqual(await ids(a.v3, { imageId: `${theirs.imageId},${mine.imageId}` }), [mine.imageId]);
    assert.deepEqual(await ids(a.v3, { regionId: BEIJING, imageOwnerAlias: 'self' }), []);
    const pop = await a.pop.request<{ Images: { Image: Array<{ ImageId: string; IsSelfShared: string }> } }>('DescribeImages', { RegionId: REGION, ImageOwnerAlias: 'self' });
    assert.deepEqual(pop.Images.Image.map((i) => i.ImageId).sort(), [mine.imageId, sharedOut.imageId].sort());
  });

  test('filters: ImageId list, ImageName (fuzzy), ImageFamily, Status, OSType, Architecture, Tag, ImageOwnerId, IsSupportCloudinit, Filter', async () => {
    const [a, b, c] = [await tenant(), await tenant(), await tenant()];
    const web = await seed(a, { imageName: 'web-server-1', imageFamily: 'web', tags: [{ key: 'app', value: 'web' }], creationTime: '2025-03-01T10:00:00Z' });
    const db = await seed(a, { imageName: 'db-1', imageFamily: 'db', architecture: 'arm64', isSupportCloudinit: true, creationTime: '2025-03-02T10:00:00Z' });
    const building = await seed(a, { imageName: 'web-next', imageFamily: 'web', status: 'Creating', creationTime: '2025-03-03T10:00:00Z' });
    const fromB = await seed(b);
    const fromC = await seed(c);
    await share(b.v3, fromB.imageId, [a.accountId]);
    await share(c.v3, fromC.imageId, [a.accountId]);

    assert.deepEqual(await ids(a.v3, { imageId: `${web.imageId},${db.imageId},${BUSYBOX}` }), [BUSYBOX, db.imageId, web.imageId].sort());
    assert.deepEqual(await ids(a.v3, { imageName: 'web' }), [web.imageId]);
    assert.deepEqual(await ids(a.v3, { imageName: 'web', status: 'Available,Creating' }), [building.imageId, web.imageId].sort());
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self', status: 'ALL' }), [building.imageId, db.imageId, web.imageId].sort());
    assert.deepEqual(await ids(a.v3, { status: 'Creating' }), [building.imageId]);
    assert.deepEqual(await ids(a.v3, { imageFamily: 'web' }), [web.imageId]);
    assert.deepEqual(await ids(a.v3, { architecture: 'arm64' }), [db.imageId]);
    assert.deepEqual(await ids(a.v3, { OSType: 'windows' }), []);
    assert.deepEqual(await ids(a.v3, { isSupportCloudinit: true }), [db.imageId]);
    assert.deepEqual(await ids(a.v3, { tag: [new $Ecs.DescribeImagesRequestTag({ key: 'app', value: 'web' })] }), [web.imageId]);
    assert.deepEqual(await ids(a.v3, { tag: [new $Ecs.DescribeImagesRequestTag({ key: 'env' })], imageOwnerAlias: 'self' }), [db.imageId]);
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'others' }), [fromB.imageId, fromC.imageId].sort());
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'others', imageOwnerId: Number(b.accountId) }), [fromB.imageId]);
    const window = (start: string, end: string) => [
      new $Ecs.DescribeImagesRequestFilter({ key: 'CreationStartTime', value: start }),
      new $Ecs.DescribeImagesRequestFilter({ key: 'CreationEndTime', value: end }),
    ];
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self', filter: window('2025-03-01T12:00Z', '2025-03-02T12:00Z') }), [db.imageId]);
    // Kiln has no community images, no instances and no snapshots.
    assert.deepEqual(await ids(a.v3, { isPublic: true, imageOwnerAlias: 'others' }), []);
    assert.deepEqual(await ids(a.v3, { usage: 'instance' }), []);
    assert.equal((await ids(a.v3, { usage: 'none' })).length, 7);
    assert.deepEqual(await ids(a.v3, { snapshotId: 's-none' }), []);
    assert.equal((await ids(a.v1, { showExpired: false, actionType: 'CreateEcs', isSupportIoOptimized: true })).length, 7);

    await expectCode(() => describeImages(a.v3, { usage: 'sometimes' }), 'InvalidUsage', 400);
    await expectCode(() => describeImages(a.v3, { imageOwnerAlias: 'nobody' }), 'InvalidImageOwnerAlias.ValueNotSupported', 400);
    await expectCode(() => describeImages(a.v3, { filter: [new $Ecs.DescribeImagesRequestFilter({ key: 'CreationStartTime', value: 'yesterday' })] }), 'InvalidParameter', 400);
    await expectCode(() => describeImages(a.v3, { pageSize: 101 }), 'InvalidParameter.PageSize', 400);
  });

  test('PageNumber/PageSize page through own, shared and system images; TotalCount counts them all', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const own = [await seed(a), await seed(a), await seed(a)];
    const given = await seed(b);
    await share(b.v3, given.imageId, [a.accountId]);
    const seen: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const body = await describeImages(a.v3, { pageNumber: page, pageSize: 2 });
      assert.equal(body.totalCount, 7);
      assert.equal(body.pageNumber, page);
      assert.equal(body.pageSize, 2);
      seen.push(...(body.images?.image ?? []).map((i) => i.imageId!));
    }
    assert.deepEqual(seen.sort(), [BUSYBOX, DEBIAN, DEBIAN_VM, given.imageId, ...own.map((i) => i.imageId)].sort());
  });
});

describe('DeleteImage', () => {
  test('deletes an own image; then, and for images the caller does not own, InvalidImageId.NotFound (404)', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const mine = await seed(a);
    const theirs = await seed(b);
    const given = await seed(b);
    await share(b.v3, given.imageId, [a.accountId]);

    const res = await remove(a.v3, mine.imageId);
    assert.equal(res.statusCode, 200);
    assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self' }), []);
    assert.equal(await images.kiln.app.store.images.getOwned({ accountId: a.accountId, regionId: REGION }, mine.imageId), undefined);
    await expectCode(() => remove(a.v3, mine.imageId), 'InvalidImageId.NotFound', 404);
    await expectCode(() => remove(a.v1, theirs.imageId), 'InvalidImageId.NotFound', 404);
    await expectCode(() => remove(a.v3, given.imageId, true), 'InvalidImageId.NotFound', 404);
    await expectCode(() => remove(a.v3, BUSYBOX, true), 'InvalidImageId.NotFound', 404);
    await expectCode(() => b.v3.deleteImage(new $Ecs.DeleteImageRequest({ regionId: BEIJING, imageId: theirs.imageId })), 'InvalidImageId.NotFound', 404);
    await expectCode(() => b.v3.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION })), 'MissingParameter.ImageId', 400);
    assert.deepEqual(await ids(b.v3, { imageOwnerAlias: 'self' }), [given.imageId, theirs.imageId].sort());
  });

  test('a shared image is kept without Force (ImageUseShared, 403); Force deletes it and its shares', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const img = await seed(a);
    await share(a.v3, img.imageId, [b.accountId]);
    await expectCode(() => remove(a.v3, img.imageId), 'ImageUseShared', 403);
    await expectCode(() => remove(a.v1, img.imageId, false), 'ImageUseShared', 403);
    assert.deepEqual(await ids(b.v3, { imageOwnerAlias: 'others' }), [img.imageId]);

    const p = await expectPopError(() => a.pop.request('DeleteImage', { RegionId: REGION, ImageId: img.imageId }, { method: 'POST' }));
    assert.equal(p.code, 'ImageUseShared');
    assert.equal(p.status, 403);

    assert.equal((await remove(a.v1, img.imageId, true)).statusCode, 200);
    assert.deepEqual(await ids(b.v3, { imageOwnerAlias: 'others' }), []);
    assert.deepEqual(await images.kiln.app.store.images.shares({ accountId: a.accountId, regionId: REGION }, img.imageId), []);
    await expectCode(() => shares(a.v3, img.imageId), 'InvalidImageId.NotFound', 404);
  });
});

describe('DescribeImageFromFamily', () => {
  test('the newest available image of the family the caller can use; none is an empty Image', async () => {
    const [a, b] = [await tenant(), await tenant()];
    await seed(a, { imageFamily: 'nightly', creationTime: '2025-05-01T00:00:00Z' });
    const newest = await seed(a, { imageFamily: 'nightly', creationTime: '2025-05-03T00:00:00Z', tags: [{ key: 'k', value: 'v' }] });
    await seed(a, { imageFamily: 'nightly', creationTime: '2025-05-04T00:00:00Z', status: 'Creating' });
    await seed(a, { imageFamily: 'other', creationTime: '2025-05-05T00:00:00Z' });

    const res = await fromFamily(a.v3, 'nightly');
    assert.equal(res.statusCode, 200);
    const image = res.body?.image;
    assert.ok(image instanceof $Ecs.DescribeImageFromFamilyResponseBodyImage);
    assert.equal(image.imageId, newest.imageId);
    assert.equal(image.imageFamily, 'nightly');
    assert.equal(image.imageOwnerAlias, 'self');
    assert.equal(image.status, 'Available');
    assert.equal(image.creationTime, newest.creationTime);
    assert.equal(image.size, 40);
    assert.equal(image.isSelfShared, 'false');
    assert.equal(image.isCopied, false);
    assert.deepEqual(image.tags?.tag?.map((t) => [t.tagKey, t.tagValue]), [['k', 'v']]);
    assert.equal(image.diskDeviceMappings?.diskDeviceMapping?.[0]?.type, 'system');
    assert.equal((await fromFamily(a.v1, 'nightly')).body?.image?.imageId, newest.imageId);

    // System families, and a family shared with the caller; none: 200 with an empty Image.
    assert.equal((await fromFamily(a.v3, BUSYBOX_FAMILY)).body?.image?.imageId, BUSYBOX);
    const none = await fromFamily(b.v3, 'nightly');
    assert.equal(none.statusCode, 200);
    assert.equal(none.body?.image?.imageId, undefined);
    await share(a.v3, newest.imageId, [b.accountId]);
    const shared = (await fromFamily(b.v3, 'nightly')).body?.image;
    assert.equal(shared?.imageId, newest.imageId);
    assert.equal(shared?.imageOwnerAlias, 'others');
    const pop = await b.pop.request<{ Image: { ImageId: string } }>('DescribeImageFromFamily', { RegionId: REGION, ImageFamily: 'nightly' });
    assert.equal(pop.Image.ImageId, newest.imageId);
    assert.equal((await fromFamily(a.v3, 'no-such-family')).body?.image?.imageId, undefined);
    await expectCode(() => a.v3.describeImageFromFamily(new $Ecs.DescribeImageFromFamilyRequest({ regionId: REGION })), 'MissingParameter.ImageFamily', 400);
  });
});
