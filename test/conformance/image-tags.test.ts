import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REGION, type EcsClient } from '../support/kiln.js';
import { $Ecs, BUSYBOX, createPipeline, expectCode, expectPopCode, popPost, tagPairs } from '../support/ecs-requests.js';
import { describeImages, ids, share } from './support/image-requests.js';
import { imagesFixture } from './support/images.js';

/*
 * TagResources / UntagResources / ListTagResources with ResourceType=image, through the
 * official SDK (V3 and V1) and pop-core, and DescribeImages' Tag.N filter on what they set.
 * Images keep their tags in their own record; seeded images carry `env=prod`.
 */

const images = imagesFixture();
const { tenant, seed } = images;

function tag(client: EcsClient, resourceIds: string[], pairs: Array<[string, string]>, resourceType = 'image') {
  return client.tagResources(new $Ecs.TagResourcesRequest({
    regionId: REGION, resourceType, resourceId: resourceIds,
    tag: pairs.map(([key, value]) => new $Ecs.TagResourcesRequestTag({ key, value })),
  }));
}

function untag(client: EcsClient, resourceIds: string[], tagKey: string[] | undefined, all?: boolean) {
  return client.untagResources(new $Ecs.UntagResourcesRequest({ regionId: REGION, resourceType: 'image', resourceId: resourceIds, tagKey, all }));
}

/** Every row of a ListTagResources walk, in order, as `id key=value`; also how many pages it took. */
async function listAll(client: EcsClient, fields: { resourceId?: string[]; tag?: Array<[string, string]> }): Promise<{ rows: string[]; pages: number }> {
  const rows: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const res = await client.listTagResources(new $Ecs.ListTagResourcesRequest({
      regionId: REGION, resourceType: 'image', resourceId: fields.resourceId, nextToken,
      tag: fields.tag?.map(([key, value]) => new $Ecs.ListTagResourcesRequestTag({ key, value })),
    }));
    for (const r of res.body?.tagResources?.tagResource ?? []) {
      assert.equal(r.resourceType, 'image');
      rows.push(`${r.resourceId} ${r.tagKey}=${r.tagValue}`);
    }
    nextToken = res.body?.nextToken;
    assert.ok(++pages < 100, 'paging terminates');
  } while (nextToken);
  return { rows, pages };
}

/** An image's tags as DescribeImages shows them, sorted by key. */
async function imageTags(client: EcsClient, imageId: string): Promise<Array<[string, string]>> {
  const found = (await describeImages(client, { imageId, status: 'ALL' })).images?.image ?? [];
  assert.equal(found.length, 1);
  return tagPairs(found[0]!.tags);
}

const withTag = (client: EcsClient, key: string, value?: string) =>
  ids(client, { imageOwnerAlias: 'self', tag: [new $Ecs.DescribeImagesRequestTag({ key, value })] });

describe('ResourceType=image', () => {
  test('TagResources adds and overwrites; DescribeImages and its Tag.N filter see it; ListTagResources lists it (V3 and V1)', async () => {
    const a = await tenant();
    const [x, y] = [await seed(a), await seed(a)];
    const res = await tag(a.v3, [x.imageId, y.imageId], [['team', 'core'], ['owner', '']]);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await imageTags(a.v3, x.imageId), [['env', 'prod'], ['owner', ''], ['team', 'core']]);
    await tag(a.v1, [y.imageId], [['env', 'staging']], 'Image'); // any case
    assert.deepEqual(await imageTags(a.v1, y.imageId), [['env', 'staging'], ['owner', ''], ['team', 'core']]);
    assert.deepEqual(await withTag(a.v3, 'env', 'prod'), [x.imageId]);
    assert.deepEqual(await withTag(a.v3, 'env', 'staging'), [y.imageId]);
    assert.deepEqual(await withTag(a.v1, 'owner'), [x.imageId, y.imageId].sort());

    assert.deepEqual((await listAll(a.v3, { resourceId: [x.imageId, y.imageId] })).rows.sort(), [
      `${x.imageId} env=prod`, `${x.imageId} owner=`, `${x.imageId} team=core`,
      `${y.imageId} env=staging`, `${y.imageId} owner=`, `${y.imageId} team=core`,
    ].sort());
    assert.deepEqual((await listAll(a.v1, { tag: [['env', 'staging']] })).rows, [`${y.imageId} env=staging`, `${y.imageId} team=core`, `${y.imageId} owner=`]);
    const pop = await popPost(a.pop, 'ListTagResources', { ResourceType: 'image', 'ResourceId.1': x.imageId }) as { TagResources: { TagResource: Array<{ TagKey: string }> } };
    assert.deepEqual(pop.TagResources.TagResource.map((r) => r.TagKey), ['env', 'team', 'owner']);
  });

  test('UntagResources by TagKey.N removes those keys; All=true every tag; the Tag.N filter follows', async () => {
    const a = await tenant();
    const img = await seed(a, { tags: [{ key: 'k1', value: 'v1' }, { key: 'k2', value: 'v2' }, { key: 'k3', value: '' }] });
    assert.equal((await untag(a.v3, [img.imageId], ['k1', 'k3', 'not-there'])).statusCode, 200);
    assert.deepEqual(await imageTags(a.v3, img.imageId), [['k2', 'v2']]);
    assert.deepEqual(await withTag(a.v3, 'k1'), []);
    assert.deepEqual(await withTag(a.v3, 'k2', 'v2'), [img.imageId]);
    await untag(a.v1, [img.imageId], undefined, true);
    assert.deepEqual(await imageTags(a.v3, img.imageId), []);
    assert.deepEqual((await listAll(a.v3, { resourceId: [img.imageId] })).rows, []);
  });

  test('ListTagResources pages through more than one page by NextToken', async () => {
    const a = await tenant();
    const twenty = Array.from({ length: 19 }, (_, i): [string, string] => [`key${String(i).padStart(2, '0')}`, `v${i}`]); // + env = 20
    const many = [await seed(a), await seed(a), await seed(a)];
    await tag(a.v3, many.map((i) => i.imageId), twenty);
    const { rows, pages } = await listAll(a.v3, { tag: [['key00', 'v0']] });
    assert.equal(rows.length, 60);
    assert.equal(pages, 2);
    assert.equal(new Set(rows).size, 60, 'no row twice');
    await expectCode(() => a.v3.listTagResources(new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: 'image', resourceId: [many[0]!.imageId], nextToken: 'not-a-token' })), 'Invalid.NextToken', 403);
  });

  test('QuotaExceed.TagNum (400) past 20 tags, the whole call rolled back; concurrent calls never pass 20', async () => {
    const a = await tenant();
    const [full, other] = [await seed(a), await seed(a)];
    const nineteen = Array.from({ length: 19 }, (_, i): [string, string] => [`key${i}`, `v${i}`]);
    await tag(a.v3, [full.imageId], nineteen); // + env = 20
    await tag(a.v3, [full.imageId], [['key0', 'changed']]);
    await expectCode(() => tag(a.v3, [other.imageId, full.imageId], [['one-more', 'x']]), 'QuotaExceed.TagNum', 400);
    assert.equal((await imageTags(a.v3, full.imageId)).length, 20);
    assert.deepEqual(await imageTags(a.v3, other.imageId), [['env', 'prod']], 'the first image of the failed call kept nothing');

    const racing = await seed(a);
    await tag(a.v3, [racing.imageId], nineteen.slice(0, 18)); // 19 tags
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      tag(a.v3, [racing.imageId], [[`racer${i}`, 'x']]).then(() => 'ok', (e: { code?: string }) => e.code ?? 'no code')));
    assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(', '));
    assert.equal(results.filter((r) => r === 'QuotaExceed.TagNum').length, 5, results.join(', '));
    assert.equal((await imageTags(a.v3, racing.imageId)).length, 20);
  });

  test('InvalidResourceId.NotFound (404): system images, images shared with the caller, ids of other types, unknown ids', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const img = await seed(a);
    await share(a.v3, img.imageId, [b.accountId]);
    await expectCode(() => tag(b.v3, [img.imageId], [['k', 'v']]), 'InvalidResourceId.NotFound', 404);
    await expectCode(() => untag(b.v3, [img.imageId], ['env']), 'InvalidResourceId.NotFound', 404);
    await expectCode(() => tag(a.v3, [BUSYBOX], [['k', 'v']]), 'InvalidResourceId.NotFound', 404);
    const pipeline = await createPipeline(a.v3);
    await expectCode(() => tag(a.v3, [img.imageId, pipeline], [['k', 'v']]), 'InvalidResourceId.NotFound', 404);
    await expectPopCode(() => popPost(a.pop, 'TagResources', { ResourceType: 'image', 'ResourceId.1': 'm-nothere', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' }), 'InvalidResourceId.NotFound', 404);
    assert.deepEqual(await imageTags(a.v3, img.imageId), [['env', 'prod']], 'nothing was tagged');
    // The receiver lists no tags of an image it does not own.
    assert.deepEqual((await listAll(b.v3, { resourceId: [img.imageId] })).rows, []);
    await expectCode(() => tag(a.v3, [img.imageId], [['acs:k', 'v']]), 'InvalidTagKey.Malformed', 400);
  });
});
