import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import {
  $Ecs, createPipeline, describePipelines, expectCode, expectPopCode, pipelineIds, pipelineTags, popPost, type PipelineFields,
} from '../support/ecs-requests.js';

/*
 * DescribeImagePipelines: NextToken paging (also while templates come and go between pages),
 * MaxResults bounds, and the ImagePipelineId.N / Name / ResourceGroupId / Tag.N filters.
 * Paging walks use regions of their own, so no other test's templates are counted.
 */

let kiln: TestKiln;
let v3: EcsClient;
const TEAM_GROUP = 'rg-kilnpaging000001';

before(async () => {
  kiln = await startKiln();
  v3 = kiln.clients.v3;
  await kiln.app.store.resourceGroups.insert({ id: TEAM_GROUP, accountId: kiln.credentials.accountId, name: 'team', isDefault: false });
});

after(async () => {
  await kiln?.stop();
});

async function createIn(regionId: string, fields: PipelineFields = {}): Promise<string> {
  return createPipeline(v3, { regionId, ...fields });
}

function deleteIn(regionId: string, id: string): Promise<unknown> {
  return v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId, imagePipelineId: id }));
}

function describeFails(fields: Parameters<typeof describePipelines>[1], code: string, status: number) {
  return expectCode(() => v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, ...fields })), code, status);
}

/** Walks every page; returns the ids in order and the pages' sizes. */
async function walk(fields: Parameters<typeof describePipelines>[1], between?: (page: number) => Promise<void>): Promise<{ ids: string[]; sizes: number[]; totals: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  const totals: number[] = [];
  let token: string | undefined;
  do {
    const body = await describePipelines(v3, { ...fields, nextToken: token });
    const page = pipelineIds(body);
    ids.push(...page);
    sizes.push(page.length);
    totals.push(body.totalCount!);
    token = body.nextToken;
    assert.ok(sizes.length < 1000, 'paging terminates');
    if (token && between) await between(sizes.length);
  } while (token);
  return { ids, sizes, totals };
}

describe('NextToken paging', () => {
  test('MaxResults=3 over 10 templates: 3+3+3+1, every id exactly once, TotalCount 10, empty NextToken at the end', async () => {
    const region = 'cn-qingdao';
    const created: string[] = [];
    for (let i = 0; i < 10; i++) created.push(await createIn(region, { name: `page-${i}` }));

    const first = await describePipelines(v3, { regionId: region, maxResults: 3 });
    assert.equal(first.totalCount, 10);
    assert.equal(first.maxResults, 3);
    assert.equal(pipelineIds(first).length, 3);
    assert.ok(first.nextToken, 'a NextToken while more follow');

    const { ids, sizes, totals } = await walk({ regionId: region, maxResults: 3 });
    assert.deepEqual(sizes, [3, 3, 3, 1]);
    assert.deepEqual(totals, [10, 10, 10, 10]);
    assert.equal(new Set(ids).size, 10);
    assert.deepEqual([...ids].sort(), [...created].sort());

    const last = await describePipelines(v3, { regionId: region, maxResults: 10 });
    assert.equal(last.nextToken ?? '', '', 'no NextToken when everything fits');
    assert.equal(pipelineIds(last).length, 10);
    const byDefault = await describePipelines(v3, { regionId: region });
    assert.equal(byDefault.maxResults, 50);
    assert.equal(pipelineIds(byDefault).length, 10);
  });

  test('a NextToken from one client works with another (V3 → V1 → pop-core)', async () => {
    const region = 'cn-qingdao';
    const p1 = await describePipelines(v3, { regionId: region, maxResults: 4 });
    const p2 = await kiln.clients.v1.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: region, maxResults: 4, nextToken: p1.nextToken }));
    const p3 = await popPost(kiln.clients.pop, 'DescribeImagePipelines', { RegionId: region, MaxResults: 4, NextToken: p2.body?.nextToken });
    const set3 = ((p3.ImagePipeline as { ImagePipelineSet: Array<{ ImagePipelineId: string }> }).ImagePipelineSet).map((p) => p.ImagePipelineId);
    const all = [...pipelineIds(p1), ...pipelineIds(p2.body!), ...set3];
    assert.equal(all.length, 10);
    assert.equal(new Set(all).size, 10);
    assert.equal(p3.NextToken ?? '', '');
    assert.equal(p3.TotalCount, 10);
  });

  test('templates created and deleted between pages: no id twice, every template that existed throughout is returned, the deleted one is not', async () => {
    const region = 'cn-shenzhen';
    const initial: string[] = [];
    for (let i = 0; i < 9; i++) initial.push(await createIn(region, { name: `moving-${i}` }));
    const victim = initial[7]!;
    const added: string[] = [];

    const { ids } = await walk({ regionId: region, maxResults: 2 }, async (page) => {
      if (page === 1) {
        added.push(await createIn(region, { name: 'added-a' }));
        added.push(await createIn(region, { name: 'added-b' }));
        await deleteIn(region, victim);
      }
      if (page === 3) added.push(await createIn(region, { name: 'added-c' }));
    });

    assert.equal(new Set(ids).size, ids.length, `no duplicates: ${ids.join(', ')}`);
    for (const id of initial) {
      if (id === victim) continue;
      assert.ok(ids.includes(id), `${id} existed for the whole walk and must be returned`);
    }
    assert.ok(!ids.includes(victim), 'a template deleted before its page came is not returned');
    for (const id of ids) assert.ok(initial.includes(id) || added.includes(id), `${id} is one of ours`);
  });

  test('deleting the last template of a page before asking for the next one skips nothing', async () => {
    const region = 'cn-chengdu';
    const initial: string[] = [];
    for (let i = 0; i < 6; i++) initial.push(await createIn(region));
    const p1 = await describePipelines(v3, { regionId: region, maxResults: 3 });
    const firstPage = pipelineIds(p1);
    await deleteIn(region, firstPage[2]!);
    const p2 = await describePipelines(v3, { regionId: region, maxResults: 3, nextToken: p1.nextToken });
    const rest = pipelineIds(p2);
    assert.deepEqual([...firstPage, ...rest].sort(), [...initial].sort());
    assert.equal(p2.nextToken ?? '', '');
  });
});

describe('paging errors', () => {
  test('Invalid.NextToken (403) for garbage and for tokens Kiln never issued', async () => {
    for (const nextToken of ['garbage', 'AAAAAdDWBF2****', Buffer.from('k1.notanumber').toString('base64url'), Buffer.from('k2.5').toString('base64url')]) {
      const e = await describeFails({ nextToken }, 'Invalid.NextToken', 403);
      assert.equal(e.data.Message, 'The specified NextToken is not valid.');
    }
    await expectPopCode(() => popPost(kiln.clients.pop, 'DescribeImagePipelines', { NextToken: '%%%' }), 'Invalid.NextToken', 403);
  });

  test('MaxResults 0 and 501 are rejected (400); 1 and 500 are accepted', async () => {
    await describeFails({ maxResults: 0 }, 'InvalidParameter.MaxResults', 400);
    await describeFails({ maxResults: 501 }, 'InvalidParameter.MaxResults', 400);
    await describeFails({ maxResults: -1 }, 'InvalidParameter.MaxResults', 400);
    await expectPopCode(() => popPost(kiln.clients.pop, 'DescribeImagePipelines', { MaxResults: 'ten' }), 'InvalidParameter.MaxResults', 400);
    assert.equal((await describePipelines(v3, { maxResults: 1 })).maxResults, 1);
    assert.equal((await describePipelines(v3, { maxResults: 500 })).maxResults, 500);
  });
});

describe('filters', () => {
  const ids: Record<string, string> = {};
  before(async () => {
    ids.alpha = await createPipeline(v3, { name: 'filter-alpha', tag: pipelineTags([['env', 'prod'], ['team', 'a']]) });
    ids.beta = await createPipeline(v3, { name: 'filter-beta', tag: pipelineTags([['env', 'dev'], ['team', 'a']]), resourceGroupId: TEAM_GROUP });
    ids.gamma = await createPipeline(v3, { name: 'filter-beta', tag: pipelineTags([['env', 'prod']]), resourceGroupId: TEAM_GROUP });
    ids.delta = await createPipeline(v3, { name: 'filter-delta' });
  });
  const sorted = (list: string[]): string[] => [...list].sort();

  test('ImagePipelineId.N returns exactly those (unknown ids are ignored)', async () => {
    const body = await describePipelines(v3, { imagePipelineId: [ids.alpha!, ids.gamma!, 'ip-unknown0000000000'] });
    assert.equal(body.totalCount, 2);
    assert.deepEqual(sorted(pipelineIds(body)), sorted([ids.alpha!, ids.gamma!]));
    const viaPop = await popPost(kiln.clients.pop, 'DescribeImagePipelines', { 'ImagePipelineId.1': ids.delta });
    assert.equal(viaPop.TotalCount, 1);
  });

  test('InvalidImagePipelineIdSize.ExceededMaxNumber (400) for 21 ids; 20 are fine', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `ip-filler${String(i).padStart(11, '0')}`);
    await describeFails({ imagePipelineId: [...many, ids.alpha!] }, 'InvalidImagePipelineIdSize.ExceededMaxNumber', 400);
    const body = await describePipelines(v3, { imagePipelineId: [...many.slice(1), ids.alpha!] });
    assert.deepEqual(pipelineIds(body), [ids.alpha!]);
  });

  test('Name: exact match; InvalidName.Malformed (400) for a malformed name', async () => {
    assert.deepEqual(sorted(pipelineIds(await describePipelines(v3, { name: 'filter-beta' }))), sorted([ids.beta!, ids.gamma!]));
    assert.deepEqual(pipelineIds(await describePipelines(v3, { name: 'filter-alpha' })), [ids.alpha!]);
    assert.deepEqual(pipelineIds(await describePipelines(v3, { name: 'filter' })), []);
    assert.deepEqual(pipelineIds(await describePipelines(v3, { name: 'FILTER-ALPHA' })), []);
    await describeFails({ name: '1-bad-name' }, 'InvalidName.Malformed', 400);
  });

  test('ResourceGroupId', async () => {
    const body = await describePipelines(v3, { resourceGroupId: TEAM_GROUP });
    assert.deepEqual(sorted(pipelineIds(body)), sorted([ids.beta!, ids.gamma!]));
    assert.equal(body.totalCount, 2);
  });

  test('Tag.N: key and value, key only (empty value), several tags are ANDed', async () => {
    const byTags = async (pairs: Array<[string, string | undefined]>): Promise<string[]> => sorted(pipelineIds(await describePipelines(v3, {
      maxResults: 500, tag: pairs.map(([key, value]) => new $Ecs.DescribeImagePipelinesRequestTag({ key, value })),
    })));
    assert.deepEqual(await byTags([['env', 'prod']]), sorted([ids.alpha!, ids.gamma!]));
    assert.deepEqual(await byTags([['team', undefined]]), sorted([ids.alpha!, ids.beta!]));
    assert.deepEqual(await byTags([['env', 'prod'], ['team', 'a']]), [ids.alpha!]);
    assert.deepEqual(await byTags([['env', 'staging']]), []);
    assert.deepEqual(await byTags([['nope', undefined]]), []);
  });

  test('filters combine, and filtered results page with TotalCount of the filter', async () => {
    const combined = await describePipelines(v3, {
      name: 'filter-beta', resourceGroupId: TEAM_GROUP, tag: [new $Ecs.DescribeImagePipelinesRequestTag({ key: 'env', value: 'prod' })],
    });
    assert.deepEqual(pipelineIds(combined), [ids.gamma!]);

    const { ids: walked, totals } = await walk({ maxResults: 1, tag: [new $Ecs.DescribeImagePipelinesRequestTag({ key: 'env' })] });
    assert.deepEqual(sorted(walked), sorted([ids.alpha!, ids.beta!, ids.gamma!]));
    assert.deepEqual(totals, [3, 3, 3]);
  });

  test('templates of other regions and other accounts are never listed', async () => {
    const { createAccount } = await import('../../src/auth/accounts.js');
    const other = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId));
    const theirs = kiln.clientsFor(other.accessKey.id, other.accessKey.secret).v3;
    const theirId = (await theirs.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
      regionId: REGION, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd', name: 'filter-alpha',
    }))).body!.imagePipelineId!;
    assert.deepEqual(pipelineIds(await describePipelines(v3, { name: 'filter-alpha' })), [ids.alpha!]);
    assert.deepEqual(pipelineIds(await describePipelines(v3, { imagePipelineId: [theirId] })), []);
    assert.deepEqual(pipelineIds(await describePipelines(v3, { regionId: 'cn-beijing', name: 'filter-alpha' })), []);
  });
});
