import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { newAccountId } from '../../src/domain/ids.js';
import { startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { expectCode } from '../support/ecs-requests.js';
import { $Ecs, REGION, build, clientAt, describeImages, type Built } from '../support/builds.js';

/*
 * Issue 8, item 12: CopyImage of an image shared with you, through the official SDK, on an
 * image a real build made. ECS's CopyImage reference allows the sharee a copy within the
 * image's region (help.aliyun.com/document_detail/25538: shared images "只能同地域复制"), and the
 * copy is the sharee's own image, kept when the owner unshares ("Use shared images": sharees copy
 * a shared image to own it). What a tenant must not get: a copy elsewhere than ECS allows, a
 * copy of an image not (or no longer) shared with it, or storage beyond its own quota — the
 * copy's layers are the copier's to hold once the owner deletes the source, so they count
 * against the copier's image quota (`QuotaExceed.ImageStorage`, 403).
 */

const MiB = 1024 * 1024;
const SMALL = newAccountId();
let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({
    KILN_WORKERS: '1',
    KILN_ACCOUNT_IMAGE_BYTES_QUOTA: String(64 * MiB),
    KILN_ACCOUNT_STORAGE_QUOTAS: JSON.stringify({ [SMALL]: { imageBytes: 4 * MiB } }),
  });
});
after(async () => {
  await kiln?.stop();
});

async function tenant(id?: string): Promise<{ accountId: string; client: EcsClient }> {
  const made = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'copy-tenant', ...(id ? { id } : {}) });
  return { accountId: made.account.id, client: clientAt(kiln.endpoint, { accessKeyId: made.accessKey.id, accessKeySecret: made.accessKey.secret }) };
}

const share = (client: EcsClient, imageId: string, add: string[], remove: string[] = []) =>
  client.modifyImageSharePermission(new $Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId, addAccount: add, removeAccount: remove }));
const copy = (client: EcsClient, imageId: string, more: { destinationRegionId?: string; destinationImageName?: string } = {}) =>
  client.copyImage(new $Ecs.CopyImageRequest({ regionId: REGION, imageId, ...more }));

describe('security: CopyImage of an image shared with you', () => {
  test('a sharee copies within the region only, into its own quota; nothing after the owner unshares; its copy stays its own', async () => {
    const owner = await tenant();
    const made: Built = await build(owner.client, { buildContent: `RUN head -c ${8 * MiB} /dev/urandom > /payload` });
    assert.equal(made.item.status, 'SUCCESS', JSON.stringify(made.item));
    const imageId = made.item.imageId!;
    const [small, sharee, stranger] = [await tenant(SMALL), await tenant(), await tenant()];
    await share(owner.client, imageId, [small.accountId, sharee.accountId]);

    // The 8 MiB image does not fit in a 4 MiB quota: nothing is copied.
    await expectCode(() => copy(small.client, imageId, { destinationImageName: 'too-big-copy' }), 'QuotaExceed.ImageStorage', 403);
    assert.deepEqual(await describeImages(small.client, { imageOwnerAlias: 'self' }), []);

    // Never across regions, never an image not shared with the caller.
    await expectCode(() => copy(sharee.client, imageId, { destinationRegionId: 'cn-beijing' }), 'OperationDenied.SameRegionOnly', 403);
    await expectCode(() => copy(stranger.client, imageId), 'InvalidImageId.NotFound', 404);

    const res = await copy(sharee.client, imageId, { destinationImageName: 'my-copy' });
    const copyId = res.body?.imageId ?? '';
    assert.match(copyId, /^m-/);
    const mine = await describeImages(sharee.client, { imageOwnerAlias: 'self' });
    assert.deepEqual(mine.map((i) => [i.imageId, i.imageOwnerAlias, String(i.imageOwnerId)]), [[copyId, 'self', sharee.accountId]]);

    // Unshared: the image is out of reach, the copy made before is the sharee's and stays.
    await share(owner.client, imageId, [], [sharee.accountId]);
    await expectCode(() => copy(sharee.client, imageId, { destinationImageName: 'second-copy' }), 'InvalidImageId.NotFound', 404);
    assert.deepEqual((await describeImages(sharee.client, { imageOwnerAlias: 'others' })).map((i) => i.imageId), []);
    await owner.client.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId, force: true }));
    const after = await build(sharee.client, { baseImage: copyId, buildContent: 'RUN test "$(wc -c < /payload)" -eq 8388608' });
    assert.equal(after.item.status, 'SUCCESS', JSON.stringify(after.item));
  });
});
