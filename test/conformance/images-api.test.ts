import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { newAccountImage, type Image } from '../../src/domain/image.js';
import { REGION, startKiln, type Clients, type EcsClient, type TestKiln } from '../support/kiln.js';
import { expectPopError } from '../support/wire.js';
import { $Ecs, BUSYBOX, BUSYBOX_FAMILY, DEBIAN, createPipeline, expectCode, pipelineRequest } from '../support/ecs-requests.js';

/*
 * Account images through the official SDK (V3 and V1) and pop-core: DescribeImages for own,
 * shared and system images, DeleteImage, DescribeImageFromFamily, Modify/Describe-
 * ImageSharePermission, CopyImage, and shared images as template base images. Images are
 * inserted into the store as setup (their content is not what these tests are about).
 */

const BEIJING = 'cn-beijing';
let kiln: TestKiln;
let counter = 0;

before(async () => {
  kiln = await startKiln();
});

after(async () => {
  await kiln?.stop();
});

interface Tenant extends Clients {
  accountId: string;
}

/** A fresh account, so each test sees only its own images. */
async function tenant(): Promise<Tenant> {
  const { account, accessKey } = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId));
  return { accountId: account.id, ...kiln.clientsFor(accessKey.id, accessKey.secret) };
}

/** Inserts an image owned by `owner` (a build would save the same row). */
async function seed(owner: Tenant, over: Partial<Image> = {}): Promise<Image> {
  const n = ++counter;
  const image: Image = {
    ...newAccountImage({
      imageId: `m-kilntest${String(n).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`,
      regionId: REGION,
      accountId: owner.accountId,
      imageName: `img-${n}`,
      imageFamily: 'team-base',
      description: `image ${n}`,
      size: 40,
      creationTime: `2025-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
      tags: [{ key: 'env', value: 'prod' }],
      manifestDigest: `sha256:${String(n).padStart(64, '0')}`,
      sourceExecutionId: `exec-${String(n).padStart(32, '0')}`,
    }),
    ...over,
  };
  await kiln.app.store.images.insert(image);
  return image;
}

type DescribeFields = ConstructorParameters<typeof $Ecs.DescribeImagesRequest>[0];

async function describeImages(client: EcsClient, fields: DescribeFields = {}): Promise<$Ecs.DescribeImagesResponseBody> {
  const res = await client.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, ...fields }));
  assert.equal(res.statusCode, 200);
  assert.ok(res.body);
  return res.body;
}

async function ids(client: EcsClient, fields: DescribeFields = {}): Promise<string[]> {
  return ((await describeImages(client, { pageSize: 100, ...fields })).images?.image ?? []).map((i) => i.imageId!).sort();
}

function share(client: EcsClient, imageId: string, add: string[] = [], remove: string[] = [], more: { isPublic?: boolean; regionId?: string } = {}) {
  return client.modifyImageSharePermission(new $Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId, addAccount: add, removeAccount: remove, ...more }));
}

function shares(client: EcsClient, imageId: string, page: { pageNumber?: number; pageSize?: number } = {}) {
  return client.describeImageSharePermission(new $Ecs.DescribeImageSharePermissionRequest({ regionId: REGION, imageId, ...page }));
}

function remove(client: EcsClient, imageId: string, force?: boolean) {
  return client.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId, force }));
}

function fromFamily(client: EcsClient, imageFamily: string) {
  return client.describeImageFromFamily(new $Ecs.DescribeImageFromFamilyRequest({ regionId: REGION, imageFamily }));
}

function copy(client: EcsClient, fields: ConstructorParameters<typeof $Ecs.CopyImageRequest>[0]) {
  return client.copyImage(new $Ecs.CopyImageRequest({ regionId: REGION, ...fields }));
}

describe('DescribeImages with account images', () => {
  test('self, others and system images, each field parsed by the SDK (V3 and V1)', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const mine = await seed(a, { tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: '' }] });
    const sharedOut = await seed(a);
    const theirs = await seed(b);
    await share(a.v3, sharedOut.imageId, [b.accountId]);

    const all = await describeImages(a.v3, { pageSize: 100 });
    assert.equal(all.totalCount, 4);
    assert.deepEqual((all.images?.image ?? []).map((i) => i.imageId).sort(), [BUSYBOX, DEBIAN, mine.imageId, sharedOut.imageId].sort());
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
    assert.deepEqual(await ids(b.v3), [BUSYBOX, DEBIAN, sharedOut.imageId, theirs.imageId].sort());
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'system' }), [BUSYBOX, DEBIAN].sort());
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
    assert.equal((await ids(a.v3, { usage: 'none' })).length, 6);
    assert.deepEqual(await ids(a.v3, { snapshotId: 's-none' }), []);
    assert.equal((await ids(a.v1, { showExpired: false, actionType: 'CreateEcs', isSupportIoOptimized: true })).length, 6);

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
      assert.equal(body.totalCount, 6);
      assert.equal(body.pageNumber, page);
      assert.equal(body.pageSize, 2);
      seen.push(...(body.images?.image ?? []).map((i) => i.imageId!));
    }
    assert.deepEqual(seen.sort(), [BUSYBOX, DEBIAN, given.imageId, ...own.map((i) => i.imageId)].sort());
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
    assert.equal(await kiln.app.store.images.getOwned({ accountId: a.accountId, regionId: REGION }, mine.imageId), undefined);
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
    assert.deepEqual(await kiln.app.store.images.shares({ accountId: a.accountId, regionId: REGION }, img.imageId), []);
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
    const eleven = await Promise.all(Array.from({ length: 11 }, () => createAccount(kiln.app.store, [REGION])));
    const accountIds = eleven.map((x) => x.account.id);
    const img = await seed(a);
    await share(a.v3, img.imageId, accountIds);
    const listed = (await shares(a.v3, img.imageId, { pageSize: 100 })).body;
    assert.equal(listed?.totalCount, 10);
    assert.deepEqual(listed?.accounts?.account?.map((x) => x.aliyunId), accountIds.slice(0, 10).sort());

    // 49 existing shares (setup straight in the store) + 1 reaches the quota; one more exceeds it.
    const full = await seed(a);
    const scope = { accountId: a.accountId, regionId: REGION };
    await kiln.app.store.images.addShares(scope, full.imageId, Array.from({ length: 49 }, (_, i) => `90000000000000${String(i).padStart(2, '0')}`));
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
    const stored = await kiln.app.store.images.getOwned({ accountId: a.accountId, regionId: BEIJING }, copyId);
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
    const stored = await kiln.app.store.images.getOwned({ accountId: b.accountId, regionId: REGION }, copyId);
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
