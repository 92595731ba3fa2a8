import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount } from '../../src/auth/accounts.js';
import { REGION } from '../support/kiln.js';
import {
  $Ecs, componentIds, createComponent, createPipeline, describeComponent, describeComponents, describePipeline, describePipelines,
  expectCode, expectPopCode, pipelineIds, pipelineTags, popPost, tagPairs,
} from '../support/ecs-requests.js';
import { kilnFixture } from '../support/kiln-fixture.js';

/*
 * The generic ECS tag operations (TagResources, UntagResources, ListTagResources) on the two
 * Image Builder resource types, as Terraform uses them: ResourceType in lowercase
 * (`imagepipeline`, `imagecomponent`), through the SDK's generic methods.
 */

const api = kilnFixture();

type ResourceType = 'imagepipeline' | 'imagecomponent';

function tag(type: string, ids: string[], pairs: Array<[string, string]>): Promise<$Ecs.TagResourcesResponse> {
  return api.v3.tagResources(new $Ecs.TagResourcesRequest({
    regionId: REGION, resourceType: type, resourceId: ids,
    tag: pairs.map(([key, value]) => new $Ecs.TagResourcesRequestTag({ key, value })),
  }));
}

function untag(type: string, ids: string[], keys: string[] | undefined, all?: boolean): Promise<$Ecs.UntagResourcesResponse> {
  return api.v3.untagResources(new $Ecs.UntagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: ids, tagKey: keys, all }));
}

async function list(type: string, fields: { resourceId?: string[]; tag?: Array<[string, string]>; nextToken?: string }): Promise<$Ecs.ListTagResourcesResponseBody> {
  const res = await api.v3.listTagResources(new $Ecs.ListTagResourcesRequest({
    regionId: REGION, resourceType: type, resourceId: fields.resourceId, nextToken: fields.nextToken,
    tag: fields.tag?.map(([key, value]) => new $Ecs.ListTagResourcesRequestTag({ key, value })),
  }));
  assert.equal(res.statusCode, 200);
  assert.ok(res.body);
  return res.body;
}

/** Every row of a ListTagResources walk, as `id key=value` strings, sorted. */
async function listAll(type: string, fields: { resourceId?: string[]; tag?: Array<[string, string]> }): Promise<string[]> {
  const rows: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const body = await list(type, { ...fields, nextToken: token });
    for (const r of body.tagResources?.tagResource ?? []) {
      assert.equal(r.resourceType, type);
      rows.push(`${r.resourceId} ${r.tagKey}=${r.tagValue}`);
    }
    token = body.nextToken;
    assert.ok(++pages < 100, 'paging terminates');
  } while (token);
  return rows.sort();
}

/** Tags of a resource as Describe shows them. */
async function describedTags(type: ResourceType, id: string): Promise<Array<[string, string]>> {
  return type === 'imagepipeline' ? tagPairs((await describePipeline(api.v3, id)).tags) : tagPairs((await describeComponent(api.v3, id)).tags);
}

/** Ids the Describe call returns for a `Tag.N` filter. */
async function describedWithTag(type: ResourceType, key: string, value: string): Promise<string[]> {
  if (type === 'imagepipeline') {
    return pipelineIds(await describePipelines(api.v3, { maxResults: 500, tag: [new $Ecs.DescribeImagePipelinesRequestTag({ key, value })] })).sort();
  }
  return componentIds(await describeComponents(api.v3, { maxResults: 500, tag: [new $Ecs.DescribeImageComponentsRequestTag({ key, value })] })).sort();
}

const create: Record<ResourceType, () => Promise<string>> = {
  imagepipeline: () => createPipeline(api.v3, { tag: pipelineTags([['origin', 'create']]) }),
  imagecomponent: () => createComponent(api.v3, { tag: [new $Ecs.CreateImageComponentRequestTag({ key: 'origin', value: 'create' })] }),
};

for (const type of ['imagepipeline', 'imagecomponent'] as const) {
  describe(`ResourceType=${type}`, () => {
    test('TagResources adds and overwrites; Describe and its Tag.N filter see the change; ListTagResources lists it', async () => {
      const a = await create[type]();
      const b = await create[type]();
      const res = await tag(type, [a, b], [['env', 'prod'], ['owner', '']]);
      assert.equal(res.statusCode, 200);
      assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
      assert.deepEqual(await describedTags(type, a), [['env', 'prod'], ['origin', 'create'], ['owner', '']]);
      assert.deepEqual(await describedTags(type, b), [['env', 'prod'], ['origin', 'create'], ['owner', '']]);

      // Overwrite one key on one resource.
      await tag(type, [b], [['env', 'staging']]);
      assert.deepEqual(await describedTags(type, b), [['env', 'staging'], ['origin', 'create'], ['owner', '']]);
      assert.deepEqual(await describedWithTag(type, 'env', 'prod'), [a]);
      assert.deepEqual(await describedWithTag(type, 'env', 'staging'), [b]);
      assert.deepEqual(await describedWithTag(type, 'env', ''), [a, b].sort());

      assert.deepEqual(await listAll(type, { resourceId: [a, b] }), [
        `${a} env=prod`, `${a} origin=create`, `${a} owner=`, `${b} env=staging`, `${b} origin=create`, `${b} owner=`,
      ].sort());
      const byTag = await listAll(type, { tag: [['env', 'staging']] });
      assert.ok(byTag.length > 0);
      assert.ok(byTag.every((row) => row.startsWith(`${b} `)), byTag.join('\n'));
    });

    test('UntagResources by TagKey.N removes only those keys; All=true removes every tag', async () => {
      const a = await create[type]();
      await tag(type, [a], [['k1', 'v1'], ['k2', 'v2'], ['k3', 'api.v3']]);
      const res = await untag(type, [a], ['k1', 'k3', 'not-there']);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(await describedTags(type, a), [['k2', 'v2'], ['origin', 'create']]);
      assert.deepEqual(await describedWithTag(type, 'k1', ''), []);
      assert.deepEqual(await describedWithTag(type, 'k2', 'v2'), [a]);

      await untag(type, [a], undefined, true);
      assert.deepEqual(await describedTags(type, a), []);
      assert.deepEqual(await listAll(type, { resourceId: [a] }), []);
      assert.deepEqual(await describedWithTag(type, 'k2', ''), []);
    });

    test('QuotaExceed.TagNum (400) for the 21st tag; overwriting at 20 is fine; the whole call is rolled back', async () => {
      const full = await create[type]();
      const other = await create[type]();
      const nineteen = Array.from({ length: 19 }, (_, i): [string, string] => [`key${i}`, `v${i}`]);
      await tag(type, [full], nineteen); // + origin = 20
      assert.equal((await describedTags(type, full)).length, 20);
      await tag(type, [full], [['key0', 'changed']]);
      const e = await expectCode(() => tag(type, [other, full], [['one-more', 'x']]), 'QuotaExceed.TagNum', 400);
      assert.match(e.message, /20/);
      assert.equal((await describedTags(type, full)).length, 20);
      // `other` came first in the failed call; it must not have kept the tag.
      assert.deepEqual(await describedTags(type, other), [['origin', 'create']]);
    });

    test('concurrent TagResources calls never take a resource past 20 tags', async () => {
      const id = await create[type](); // 1 tag
      const eighteen = Array.from({ length: 18 }, (_, i): [string, string] => [`base${i}`, '']);
      await tag(type, [id], eighteen); // 19 tags
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) =>
        tag(type, [id], [[`racer${i}`, 'x']]).then(() => 'ok', (e: { code?: string }) => e.code ?? 'no code')));
      assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(', '));
      assert.equal(results.filter((r) => r === 'QuotaExceed.TagNum').length, 5, results.join(', '));
      assert.equal((await describedTags(type, id)).length, 20);
    });

    test('InvalidResourceId.NotFound (404) for an unknown id and for an id of the other type', async () => {
      const mine = await create[type]();
      await expectCode(() => tag(type, ['ip-nothere00000000000'], [['k', 'v']]), 'InvalidResourceId.NotFound', 404);
      const otherType = type === 'imagepipeline' ? await create.imagecomponent() : await create.imagepipeline();
      await expectCode(() => tag(type, [mine, otherType], [['k', 'v']]), 'InvalidResourceId.NotFound', 404);
      assert.deepEqual(await describedTags(type, mine), [['origin', 'create']], 'nothing was tagged');
      await expectCode(() => untag(type, [otherType], ['origin']), 'InvalidResourceId.NotFound', 404);
    });
  });
}

describe('tag operation errors', () => {
  test('InvalidResourceType.NotFound (404), also for ListTagResources and UntagResources', async () => {
    const id = await createPipeline(api.v3);
    await expectCode(() => tag('spaceship', [id], [['k', 'v']]), 'InvalidResourceType.NotFound', 404);
    await expectCode(() => untag('spaceship', [id], ['k']), 'InvalidResourceType.NotFound', 404);
    await expectCode(() => list('spaceship', { resourceId: [id] }), 'InvalidResourceType.NotFound', 404);
  });

  test('MissingParameter.ResourceId (400) for TagResources, UntagResources and an unfiltered ListTagResources', async () => {
    await expectCode(() => tag('imagepipeline', [], [['k', 'v']]), 'MissingParameter.ResourceId', 400);
    await expectCode(() => untag('imagecomponent', [], ['k']), 'MissingParameter.ResourceId', 400);
    await expectCode(() => list('imagepipeline', {}), 'MissingParameter.ResourceId', 400);
    await expectPopCode(
      () => popPost(api.kiln.clients.pop, 'TagResources', { ResourceType: 'imagepipeline', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' }),
      'MissingParameter.ResourceId', 400,
    );
  });

  test('MissingParameter.ResourceType, MissingParameter.Tag, MissingParameter.TagKey (400)', async () => {
    const id = await createPipeline(api.v3);
    await expectPopCode(
      () => popPost(api.kiln.clients.pop, 'TagResources', { 'ResourceId.1': id, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' }),
      'MissingParameter.ResourceType', 400,
    );
    await expectCode(() => tag('imagepipeline', [id], []), 'MissingParameter.Tag', 400);
    // Neither TagKey.N nor All=true: nothing says what to remove.
    await expectCode(() => untag('imagepipeline', [id], undefined), 'MissingParameter.TagKey', 400);
    await expectCode(() => untag('imagepipeline', [id], undefined, false), 'MissingParameter.TagKey', 400);
  });

  test('InvalidTagKey.Malformed (400): aliyun / acs: prefixes, empty key; InvalidTagValue.Malformed; Duplicate.TagKey', async () => {
    const id = await createComponent(api.v3);
    for (const key of ['aliyun-key', 'acs:key', '', 'http://k']) {
      await expectCode(() => tag('imagecomponent', [id], [[key, 'v']]), 'InvalidTagKey.Malformed', 400);
    }
    await expectCode(() => tag('imagecomponent', [id], [['k', 'acs:v']]), 'InvalidTagValue.Malformed', 400);
    await expectCode(() => tag('imagecomponent', [id], [['k', 'a'], ['k', 'b']]), 'Duplicate.TagKey', 400);
    assert.deepEqual(await describedTags('imagecomponent', id), []);
  });

  test('Invalid.NextToken (403) on ListTagResources', async () => {
    const id = await createPipeline(api.v3);
    await expectCode(() => list('imagepipeline', { resourceId: [id], nextToken: 'not-a-token' }), 'Invalid.NextToken', 403);
    await expectCode(() => list('imagepipeline', { resourceId: [id], nextToken: 'AAAAAdDWBF2' }), 'Invalid.NextToken', 403);
  });

  test('a resource of another account cannot be tagged (InvalidResourceId.NotFound)', async () => {
    const id = await createPipeline(api.v3);
    const other = await createAccount(api.kiln.app.store, api.kiln.config.regions.map((r) => r.regionId));
    const theirs = api.kiln.clientsFor(other.accessKey.id, other.accessKey.secret);
    await expectCode(
      () => theirs.v3.tagResources(new $Ecs.TagResourcesRequest({
        regionId: REGION, resourceType: 'imagepipeline', resourceId: [id], tag: [new $Ecs.TagResourcesRequestTag({ key: 'k', value: 'v' })],
      })),
      'InvalidResourceId.NotFound', 404,
    );
    const listed = await theirs.v3.listTagResources(new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: 'imagepipeline', resourceId: [id] }));
    assert.deepEqual(listed.body?.tagResources?.tagResource ?? [], []);
  });
});

describe('ListTagResources paging', () => {
  test('60 tag rows over 3 templates come back exactly once across pages, with an empty NextToken at the end', async () => {
    const ids = [await createPipeline(api.v3), await createPipeline(api.v3), await createPipeline(api.v3)];
    const expected: string[] = [];
    for (const id of ids) {
      const pairs = Array.from({ length: 20 }, (_, i): [string, string] => [`page-key-${i}`, `${id}-${i}`]);
      await tag('imagepipeline', [id], pairs);
      expected.push(...pairs.map(([k, v]) => `${id} ${k}=${v}`));
    }
    const first = await list('imagepipeline', { resourceId: ids });
    assert.ok(first.nextToken, 'more than one page');
    const rows = await listAll('imagepipeline', { resourceId: ids });
    assert.equal(rows.length, 60);
    assert.equal(new Set(rows).size, 60);
    assert.deepEqual(rows, expected.sort());
  });
});
