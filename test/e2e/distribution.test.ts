import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { imageOptions } from '../support/ecs-requests.js';
import { REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { $Ecs, assertNoLeftovers, build, describeImages, logsContaining, uniqueName, type ImageItem } from '../support/builds.js';

/*
 * DISTRIBUTING: the built image is copied to each ToRegionId and shared with each AddAccount.
 * The copies are the owner's images in those regions, made as CopyImage makes a copy (the same
 * attributes, a new creation time, none of the source's tags); the second account sees the shared
 * image as `others` and builds its own image on it. A share that cannot be done makes the
 * execution PARTITION_SUCCESS with the reason.
 */

let kiln: TestKiln;
let other: { accountId: string; v3: EcsClient };

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
  const made = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'second' });
  // The SDK types AddAccount as number[]: the id must survive the trip as a JSON number.
  assert.ok(Number.isSafeInteger(Number(made.account.id)));
  other = { accountId: made.account.id, v3: kiln.clientsFor(made.accessKey.id, made.accessKey.secret).v3 };
});
after(async () => {
  await kiln?.stop();
});

describe('distribution and sharing', () => {
  test('copies to cn-beijing and cn-shanghai, shares with a second account, who builds on the shared image', async () => {
    const name = uniqueName('dist');
    const { executionId, item, seen } = await build(kiln.clients.v3, {
      name, imageName: name,
      imageOptions: imageOptions({ imageName: name, description: 'made by the first account', imageTags: [['team', 'dist']] }),
      toRegionId: ['cn-beijing', 'cn-shanghai'],
      addAccount: [Number(other.accountId)],
      buildContent: 'RUN echo made-by-the-first-account > /from-first-image',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const imageId = item.imageId!;
    const imageName = `${name}_${executionId}`;
    const logs = await logsContaining(kiln.app.store, executionId, /shared .* with account/);
    assert.match(logs, /^\[DISTRIBUTING\] Distributing image .*: 2 region\(s\), 1 account\(s\)\./m);
    assert.ok(seen.every((s) => ['PREPARING', 'BUILDING', 'DISTRIBUTING', 'RELEASING', 'SUCCESS'].includes(s)), seen.join(' → '));
    await assertNoLeftovers(kiln.config.dataDir, executionId);

    // The owner: the image in cn-hangzhou and one copy (another id, the same name) in each target region.
    assert.deepEqual((await describeImages(kiln.clients.v3, { imageName, imageOwnerAlias: 'self' })).map((i) => i.imageId), [imageId]);
    const copies: Record<string, string> = {};
    for (const regionId of ['cn-beijing', 'cn-shanghai']) {
      const there = await describeImages(kiln.clients.v3, { regionId, imageName, imageOwnerAlias: 'self' });
      assert.equal(there.length, 1, `a copy in ${regionId}`);
      assert.notEqual(there[0]!.imageId, imageId);
      assert.equal(there[0]!.imageOwnerAlias, 'self');
      copies[regionId] = there[0]!.imageId!;
      assert.match(logs, new RegExp(`copied ${imageId} to ${regionId} as ${copies[regionId]}`));
    }
    assert.deepEqual(await describeImages(kiln.clients.v3, { regionId: 'cn-shenzhen', imageName }), [], 'no copy elsewhere');

    // A distributed copy is what CopyImage makes of the image: every attribute but its id and
    // creation time is the same (the source's name and description, none of its tags).
    const [source] = await describeImages(kiln.clients.v3, { imageId });
    assert.deepEqual(source!.tags?.tag?.map((t) => [t.tagKey, t.tagValue]), [['team', 'dist']]);
    const copied = await kiln.clients.v3.copyImage(new $Ecs.CopyImageRequest({ regionId: REGION, imageId, destinationRegionId: 'cn-shenzhen' }));
    const [copy] = await describeImages(kiln.clients.v3, { regionId: 'cn-shenzhen', imageId: copied.body!.imageId! });
    const [distributed] = await describeImages(kiln.clients.v3, { regionId: 'cn-beijing', imageId: copies['cn-beijing']! });
    const attributes = (i: ImageItem) => ({ ...i, imageId: undefined, creationTime: undefined, isSelfShared: undefined });
    assert.deepEqual(attributes(distributed!), attributes(copy!));
    assert.equal(distributed!.isCopied, true);
    assert.equal(distributed!.description, 'made by the first account');
    assert.equal(distributed!.tags?.tag?.length ?? 0, 0, 'no tags of the source');
    assert.ok(Date.parse(distributed!.creationTime!) >= Date.parse(source!.creationTime!), 'created when it was copied');

    // The second account sees the image (and its copies) as shared with it.
    const shared = await describeImages(other.v3, { imageOwnerAlias: 'others' });
    assert.deepEqual(shared.map((i) => i.imageId), [imageId]);
    assert.equal(shared[0]!.imageOwnerAlias, 'others');
    assert.equal(String(shared[0]!.imageOwnerId), kiln.credentials.accountId);
    assert.ok((await describeImages(other.v3)).some((i) => i.imageId === imageId), 'listed without a filter too');
    assert.deepEqual((await describeImages(other.v3, { regionId: 'cn-beijing', imageOwnerAlias: 'others' })).map((i) => i.imageId), [copies['cn-beijing']]);
    assert.deepEqual(await describeImages(other.v3, { imageOwnerAlias: 'self' }), [], 'shared, not given');

    // ... and builds on it: the first image's file is there.
    const next = await build(other.v3, {
      baseImageType: 'IMAGE', baseImage: imageId,
      buildContent: 'RUN test "$(cat /from-first-image)" = made-by-the-first-account && echo found-the-shared-file',
    });
    assert.equal(next.item.status, 'SUCCESS', JSON.stringify(next.item));
    await logsContaining(kiln.app.store, next.executionId, 'found-the-shared-file');
    const own = await describeImages(other.v3, { imageId: next.item.imageId! });
    assert.equal(own[0]?.imageOwnerAlias, 'self');
    await assertNoLeftovers(kiln.config.dataDir, next.executionId);
  });

  test('AddAccount of an account that does not exist: PARTITION_SUCCESS with the reason', async () => {
    const missing = 999999999999;
    const { executionId, item } = await build(kiln.clients.v3, { addAccount: [missing], buildContent: 'RUN echo partial > /partial' });
    assert.equal(item.status, 'PARTITION_SUCCESS', JSON.stringify(item));
    assert.match(item.imageId ?? '', /^m-/);
    assert.equal(item.errorCode, 'DistributionFailed');
    assert.match(item.errorInfo ?? '', new RegExp(`Share with account ${missing} failed: the account does not exist`));
    assert.equal((await describeImages(kiln.clients.v3, { imageId: item.imageId! })).length, 1, 'the image itself exists');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
