import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REGION, type EcsClient } from '../support/kiln.js';
import { $Ecs, BUSYBOX, expectCode, popPost } from '../support/ecs-requests.js';
import { copy, describeImages, ids, share } from './support/image-requests.js';
import { imagesFixture, type Tenant } from './support/images.js';

/*
 * ModifyImageAttribute through the official SDK (V3 and V1): what it changes, as DescribeImages
 * and DescribeImageFromFamily show it (a Deprecated image leaves its family: the rollback), and
 * its refusals. Images are inserted into the store as setup.
 */

const images = imagesFixture();
const { tenant, seed } = images;

type ModifyFields = ConstructorParameters<typeof $Ecs.ModifyImageAttributeRequest>[0];

function modify(client: EcsClient, imageId: string, fields: ModifyFields = {}) {
  return client.modifyImageAttribute(new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId, ...fields }));
}

async function describeOne(client: EcsClient, imageId: string): Promise<$Ecs.DescribeImagesResponseBodyImagesImage> {
  const found = (await describeImages(client, { imageId, status: 'ALL' })).images?.image ?? [];
  assert.equal(found.length, 1, `DescribeImages ${imageId}`);
  return found[0]!;
}

async function fromFamily(client: EcsClient, imageFamily: string): Promise<string | undefined> {
  const res = await client.describeImageFromFamily(new $Ecs.DescribeImageFromFamilyRequest({ regionId: REGION, imageFamily }));
  assert.equal(res.statusCode, 200);
  return res.body?.image?.imageId;
}

describe('ModifyImageAttribute', () => {
  test('changes every attribute; DescribeImages shows them (V3 and V1, NvmeSupport from the image)', async () => {
    const a = await tenant();
    const img = await seed(a);
    const before = await describeOne(a.v3, img.imageId);
    assert.equal(before.features?.nvmeSupport, 'unsupported');
    assert.equal(before.features?.imdsSupport, 'v1');
    assert.equal(before.bootMode, 'BIOS');
    assert.equal(before.licenseType, undefined);

    const res = await modify(a.v3, img.imageId, {
      imageName: 'renamed.image:1', description: 'a new description', imageFamily: 'new-family', bootMode: 'UEFI-Preferred',
      licenseType: 'BYOL', features: new $Ecs.ModifyImageAttributeRequestFeatures({ nvmeSupport: 'supported', imdsSupport: 'v2' }),
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
    const after = await describeOne(a.v3, img.imageId);
    assert.equal(after.imageName, 'renamed.image:1');
    assert.equal(after.description, 'a new description');
    assert.equal(after.imageFamily, 'new-family');
    assert.equal(after.bootMode, 'UEFI-Preferred');
    assert.equal(after.licenseType, 'BYOL');
    assert.equal(after.features?.nvmeSupport, 'supported');
    assert.equal(after.features?.imdsSupport, 'v2');
    assert.equal(after.status, 'Available');
    assert.deepEqual(await ids(a.v3, { imageName: 'renamed.image' }), [img.imageId]);
    assert.deepEqual(await ids(a.v3, { imageFamily: 'new-family' }), [img.imageId]);
    assert.deepEqual(await ids(a.v3, { imageFamily: 'team-base', imageOwnerAlias: 'self' }), []);

    // pop-core's flat form (Features.NvmeSupport) is read as the SDK's.
    await popPost(a.pop, 'ModifyImageAttribute', { ImageId: img.imageId, 'Features.NvmeSupport': 'supported', BootMode: 'UEFI' });
    assert.equal((await describeOne(a.v3, img.imageId)).bootMode, 'UEFI');

    // V1, one field at a time: the others stay.
    await modify(a.v1, img.imageId, { features: new $Ecs.ModifyImageAttributeRequestFeatures({ nvmeSupport: 'unsupported' }) });
    const v1 = await describeOne(a.v1, img.imageId);
    assert.equal(v1.features?.nvmeSupport, 'unsupported');
    assert.equal(v1.features?.imdsSupport, 'v2');
    assert.equal(v1.imageName, 'renamed.image:1');
    assert.equal(v1.bootMode, 'UEFI');
    // The old name is free again: another image takes it.
    await modify(a.v1, (await seed(a)).imageId, { imageName: img.imageName });
  });

  test('Deprecated: hidden by DescribeImages\' default Status, listed by Status=Deprecated or ALL; Available restores it', async () => {
    const a = await tenant();
    const [kept, old] = [await seed(a), await seed(a)];
    await modify(a.v3, old.imageId, { status: 'Deprecated' });
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self' }), [kept.imageId]);
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self', status: 'Deprecated' }), [old.imageId]);
    assert.deepEqual(await ids(a.v1, { imageOwnerAlias: 'self', status: 'Available,Deprecated' }), [kept.imageId, old.imageId].sort());
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self', status: 'ALL' }), [kept.imageId, old.imageId].sort());
    const item = await describeOne(a.v3, old.imageId);
    assert.equal(item.status, 'Deprecated');
    assert.equal(item.progress, '100%');
    await modify(a.v3, old.imageId, { status: 'Deprecated' }); // again: no change, no error
    await modify(a.v1, old.imageId, { status: 'Available' });
    assert.deepEqual(await ids(a.v3, { imageOwnerAlias: 'self' }), [kept.imageId, old.imageId].sort());
  });

  test('rollback: DescribeImageFromFamily skips Deprecated images and answers the newest Available one', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const family = 'rollback-family';
    const v1 = await seed(a, { imageFamily: family, creationTime: '2025-02-01T00:00:00Z' });
    const v2 = await seed(a, { imageFamily: family, creationTime: '2025-02-02T00:00:00Z' });
    const v3 = await seed(a, { imageFamily: family, creationTime: '2025-02-03T00:00:00Z' });
    await share(a.v3, v1.imageId, [b.accountId]);
    assert.equal(await fromFamily(a.v3, family), v3.imageId);
    await modify(a.v3, v3.imageId, { status: 'Deprecated' });
    assert.equal(await fromFamily(a.v3, family), v2.imageId);
    assert.equal(await fromFamily(a.v1, family), v2.imageId);
    await modify(a.v3, v2.imageId, { status: 'Deprecated' });
    assert.equal(await fromFamily(a.v3, family), v1.imageId);
    // The account the oldest is shared with sees the same rule on what it can use.
    assert.equal(await fromFamily(b.v3, family), v1.imageId);
    await modify(a.v3, v3.imageId, { status: 'Available' });
    assert.equal(await fromFamily(a.v3, family), v3.imageId);
    // Every image deprecated: the family answers none (an empty Image), not an error.
    await modify(a.v3, v3.imageId, { status: 'Deprecated' });
    await share(a.v3, v1.imageId, [], [b.accountId]);
    await modify(a.v3, v1.imageId, { status: 'Deprecated' });
    assert.equal(await fromFamily(a.v3, family), undefined);
    // Moving an image into the family by ImageFamily makes it the family's newest if it is.
    const moved = await seed(a, { imageFamily: 'elsewhere', creationTime: '2025-03-01T00:00:00Z' });
    await modify(a.v3, moved.imageId, { imageFamily: family });
    assert.equal(await fromFamily(a.v3, family), moved.imageId);
  });

  test('images of a family made in the same second: the one registered later is the newest, whatever the ids', async () => {
    const a = await tenant();
    const family = 'same-second';
    const at = '2025-04-01T00:00:00Z';
    const first = await seed(a, { imageId: 'm-zzzzsamesecond0001', imageFamily: family, creationTime: at, registeredAt: '2025-04-01T00:00:00.100Z' });
    const second = await seed(a, { imageId: 'm-aaaasamesecond0002', imageFamily: family, creationTime: at, registeredAt: '2025-04-01T00:00:00.900Z' });
    assert.equal(await fromFamily(a.v3, family), second.imageId);
    await modify(a.v3, second.imageId, { status: 'Deprecated' });
    assert.equal(await fromFamily(a.v3, family), first.imageId);
  });
});

describe('ModifyImageAttribute refusals', () => {
  async function unchanged(a: Tenant, imageId: string, name: string): Promise<void> {
    const item = await describeOne(a.v3, imageId);
    assert.equal(item.imageName, name);
    assert.equal(item.description?.startsWith('image '), true);
  }

  test('formats: InvalidImageName.Malformed, InvalidDescription.Malformed, InvalidImageFamily.Malformed, enumerations (400)', async () => {
    const a = await tenant();
    const img = await seed(a);
    for (const imageName of ['1starts-with-digit', 'aliyun-name', 'acs:name', 'x', 'has space', `a${'b'.repeat(128)}`]) {
      await expectCode(() => modify(a.v3, img.imageId, { imageName }), 'InvalidImageName.Malformed', 400);
    }
    await expectCode(() => modify(a.v3, img.imageId, { description: 'http://example.com' }), 'InvalidDescription.Malformed', 400);
    await expectCode(() => modify(a.v3, img.imageId, { description: 'x'.repeat(257) }), 'InvalidDescription.Malformed', 400);
    await expectCode(() => modify(a.v3, img.imageId, { imageFamily: 'acs:family' }), 'InvalidImageFamily.Malformed', 400);
    await expectCode(() => modify(a.v1, img.imageId, { bootMode: 'LEGACY' }), 'InvalidBootMode.NotSupport', 400);
    await expectCode(() => modify(a.v3, img.imageId, { licenseType: 'Aliyun' }), 'InvalidLicenseType.NotSupported', 400);
    const features = (f: { nvmeSupport?: string; imdsSupport?: string }) => new $Ecs.ModifyImageAttributeRequestFeatures(f);
    await expectCode(() => modify(a.v3, img.imageId, { features: features({ imdsSupport: 'v3' }) }), 'InvalidParameter.FeaturesImdsSupport', 400);
    await expectCode(() => modify(a.v3, img.imageId, { features: features({ nvmeSupport: 'maybe' }) }), 'InvalidParameter', 400);
    await expectCode(() => modify(a.v3, img.imageId, { status: 'Creating' }), 'InvalidParameter', 400);
    await expectCode(() => modify(a.v3, ''), 'MissingParameter.ImageId', 400);
    // A malformed name is refused before the lookup: even for an image that is not there.
    await expectCode(() => modify(a.v3, 'm-nothere', { imageName: 'aliyun-x' }), 'InvalidImageName.Malformed', 400);
    await unchanged(a, img.imageId, img.imageName);
  });

  test('InvalidImageName.Duplicated (400): a name the account uses in the region; concurrent renames to one name: one wins', async () => {
    const a = await tenant();
    const [x, y, z] = [await seed(a), await seed(a), await seed(a)];
    const e = await expectCode(() => modify(a.v3, y.imageId, { imageName: x.imageName, description: 'not applied' }), 'InvalidImageName.Duplicated', 400);
    assert.match(e.message, new RegExp(x.imageName));
    await unchanged(a, y.imageId, y.imageName);
    await modify(a.v3, x.imageId, { imageName: x.imageName }); // its own name: fine
    const other = await tenant();
    await modify(other.v3, (await seed(other)).imageId, { imageName: x.imageName }); // another account: fine
    const results = await Promise.all([y, z].map((i) => modify(a.v3, i.imageId, { imageName: 'contested' })
      .then(() => 'ok', (err: { code?: string }) => err.code ?? 'no code')));
    assert.deepEqual(results.sort(), ['InvalidImageName.Duplicated', 'ok']);
    assert.deepEqual((await ids(a.v3, { imageName: 'contested' })).length, 1);
  });

  test('only the owner: system images, images shared with the caller and unknown ids are InvalidImageId.NotFound (404)', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const img = await seed(a);
    await share(a.v3, img.imageId, [b.accountId]);
    await expectCode(() => modify(b.v3, img.imageId, { imageName: 'taken-over' }), 'InvalidImageId.NotFound', 404);
    await expectCode(() => modify(b.v1, img.imageId, { status: 'Deprecated' }), 'InvalidImageId.NotFound', 404);
    await expectCode(() => modify(a.v3, BUSYBOX, { description: 'my busybox' }), 'InvalidImageId.NotFound', 404);
    await expectCode(() => modify(a.v3, 'm-nothere00000000000', { description: 'nothing' }), 'InvalidImageId.NotFound', 404);
    await unchanged(a, img.imageId, img.imageName);
  });

  test('status rules: ImageUseShared, ImageStatus.NotAvailable, ImageStatus.NotDeprecated, InvalidStatus.ImageIsCreating (403)', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const shared = await seed(a);
    await share(a.v3, shared.imageId, [b.accountId]);
    await expectCode(() => modify(a.v3, shared.imageId, { status: 'Deprecated' }), 'ImageUseShared', 403);
    assert.equal((await describeOne(a.v3, shared.imageId)).status, 'Available');
    await share(a.v3, shared.imageId, [], [b.accountId]);
    await modify(a.v3, shared.imageId, { status: 'Deprecated' });
    // A Deprecated image can be neither shared nor copied (IncorrectImageStatus, 400).
    await expectCode(() => share(a.v3, shared.imageId, [b.accountId]), 'IncorrectImageStatus', 400);
    await expectCode(() => copy(a.v3, { imageId: shared.imageId }), 'IncorrectImageStatus', 400);

    const failed = await seed(a, { status: 'CreateFailed' });
    await expectCode(() => modify(a.v3, failed.imageId, { status: 'Deprecated' }), 'ImageStatus.NotAvailable', 403);
    await expectCode(() => modify(a.v3, failed.imageId, { status: 'Available' }), 'ImageStatus.NotDeprecated', 403);
    await modify(a.v3, failed.imageId, { description: 'the rest may change' });
    for (const status of ['Creating', 'Waiting'] as const) {
      const creating = await seed(a, { status });
      await expectCode(() => modify(a.v3, creating.imageId, { description: 'too early' }), 'InvalidStatus.ImageIsCreating', 403);
    }
  });

  test('features and boot mode: ImdsSupport never from v2 back to v1 (403); an arm64 image boots with UEFI only (400)', async () => {
    const a = await tenant();
    const img = await seed(a);
    const features = (f: { nvmeSupport?: string; imdsSupport?: string }) => new $Ecs.ModifyImageAttributeRequestFeatures(f);
    await modify(a.v3, img.imageId, { features: features({ imdsSupport: 'v1' }) });
    await modify(a.v3, img.imageId, { features: features({ imdsSupport: 'v2' }) });
    await expectCode(() => modify(a.v3, img.imageId, { features: features({ imdsSupport: 'v1', nvmeSupport: 'supported' }) }), 'InvalidOperation.FeaturesImdsSupportNotMatch', 403);
    assert.equal((await describeOne(a.v3, img.imageId)).features?.nvmeSupport, 'unsupported');
    const arm = await seed(a, { architecture: 'arm64', bootMode: 'UEFI' });
    for (const bootMode of ['BIOS', 'UEFI-Preferred']) {
      await expectCode(() => modify(a.v3, arm.imageId, { bootMode }), 'InvalidBootMode.NotSupport', 400);
    }
    await modify(a.v3, arm.imageId, { bootMode: 'UEFI' });
  });
});
