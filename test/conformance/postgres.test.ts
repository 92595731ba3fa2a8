import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import RPCClient from '@alicloud/pop-core';
import { freePort, spawnKiln } from '../support/child.js';
import { REGION, expectError, startKiln, type Clients, type TestKiln } from '../support/kiln.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';

/*
 * The main happy path through the official SDK against Kiln on PostgreSQL (a fresh database on
 * the KILN_TEST_DATABASE_URL server): component → template using it → describe → tag → delete.
 * Without KILN_TEST_DATABASE_URL these tests fail; they never skip.
 */

const KEY = { KILN_ACCESS_KEY_ID: 'LTAIkilnPostgresTest', KILN_ACCESS_KEY_SECRET: 'postgres-test-secret-0123456789' };

let db: FreshDatabase | undefined;
let kiln: TestKiln | undefined;
before(async () => {
  db = await freshDatabase('kiln_conf');
  kiln = await startKiln({ KILN_DATABASE_URL: db.url, ...KEY });
});
after(async () => {
  await kiln?.stop();
  await db?.drop();
});

function k(): TestKiln {
  if (!kiln) throw new Error('Kiln on PostgreSQL did not start (is KILN_TEST_DATABASE_URL set?)');
  return kiln;
}

async function describePipelines(c: Clients, ids: string[]) {
  const r = await c.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, imagePipelineId: ids }));
  return r.body?.imagePipeline?.imagePipelineSet ?? [];
}

async function describeComponents(c: Clients, ids: string[]) {
  const r = await c.v3.describeImageComponents(new $Ecs.DescribeImageComponentsRequest({ regionId: REGION, imageComponentId: ids }));
  return r.body?.imageComponent?.imageComponentSet ?? [];
}

async function tagsOf(c: Clients, type: string, id: string): Promise<Record<string, string>> {
  const r = await c.v1.listTagResources(new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: [id] }));
  return Object.fromEntries((r.body?.tagResources?.tagResource ?? []).map((t) => [t.tagKey, t.tagValue]));
}

test('component → template → describe → tag → delete, through the SDK, on PostgreSQL', async () => {
  const { clients } = k();
  assert.ok(!existsSync(join(k().config.dataDir, 'kiln.db')), 'no SQLite file: the store is PostgreSQL');

  // A component, then a second version of it.
  const c1 = await clients.v3.createImageComponent(new $Ecs.CreateImageComponentRequest({
    regionId: REGION, name: 'pg-hello', componentType: 'Build', systemType: 'Linux', content: 'RUN echo one > /one',
    description: 'first', tag: [new $Ecs.CreateImageComponentRequestTag({ key: 'team', value: 'core' })],
  }));
  const componentV1 = c1.body?.imageComponentId as string;
  assert.match(componentV1, /^ic-/);
  const c2 = await clients.v1.createImageComponent(new $Ecs.CreateImageComponentRequest({
    regionId: REGION, name: 'pg-hello', componentType: 'Build', systemType: 'Linux', content: 'RUN echo two > /two',
  }));
  const componentV2 = c2.body?.imageComponentId as string;
  const comps = await describeComponents(clients, [componentV1, componentV2]);
  assert.deepEqual(comps.map((c) => [c.imageComponentId, c.componentVersion, c.content]).sort(), [
    [componentV1, '1.0.0', 'RUN echo one > /one'],
    [componentV2, '2.0.0', 'RUN echo two > /two'],
  ].sort());
  assert.equal(comps.find((c) => c.imageComponentId === componentV1)?.tags?.tag?.[0]?.tagKey, 'team');

  // A template using the first version by id and the name's latest version by ARN.
  const buildContent = `RUN echo start\nCOMPONENT ${componentV1}\nCOMPONENT acs:ecs:${REGION}:${k().credentials.accountId}:imagecomponent/pg-hello/2.*.*`;
  const p = await clients.v3.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
    regionId: REGION, name: 'pg-template', description: 'on postgres', baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd',
    buildContent, toRegionId: ['cn-beijing'], addAccount: ['1234567890'], systemDiskSize: 40, instanceType: 'ecs.c6.large',
    tag: [new $Ecs.CreateImagePipelineRequestTag({ key: 'env', value: 'test' })],
  }));
  const pipelineId = p.body?.imagePipelineId as string;
  assert.match(pipelineId, /^ip-/);

  const [tpl] = await describePipelines(clients, [pipelineId]);
  assert.equal(tpl?.name, 'pg-template');
  assert.equal(tpl?.description, 'on postgres');
  assert.equal(tpl?.buildContent, buildContent);
  assert.deepEqual(tpl?.toRegionIds?.toRegionId, ['cn-beijing']);
  assert.deepEqual(tpl?.addAccounts?.addAccount, ['1234567890']);
  assert.equal(tpl?.systemDiskSize, 40);
  assert.equal(tpl?.instanceType, 'ecs.c6.large');
  assert.deepEqual(tpl?.tags?.tag?.map((t) => [t.tagKey, t.tagValue]), [['env', 'test']]);
  const listed = await clients.pop.request<{ TotalCount: number; ImagePipeline: { ImagePipelineSet: Array<{ ImagePipelineId: string }> } }>('DescribeImagePipelines', { RegionId: REGION, Name: 'pg-template' });
  assert.deepEqual(listed.ImagePipeline.ImagePipelineSet.map((x) => x.ImagePipelineId), [pipelineId]);

  // Tags: add, list, filter by tag, remove.
  await clients.v3.tagResources(new $Ecs.TagResourcesRequest({
    regionId: REGION, resourceType: 'imagepipeline', resourceId: [pipelineId],
    tag: [new $Ecs.TagResourcesRequestTag({ key: 'env', value: 'prod' }), new $Ecs.TagResourcesRequestTag({ key: 'owner', value: 'kiln' })],
  }));
  assert.deepEqual(await tagsOf(clients, 'imagepipeline', pipelineId), { env: 'prod', owner: 'kiln' });
  const byTag = await clients.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, tag: [new $Ecs.DescribeImagePipelinesRequestTag({ key: 'owner', value: 'kiln' })] }));
  assert.deepEqual(byTag.body?.imagePipeline?.imagePipelineSet?.map((x) => x.imagePipelineId), [pipelineId]);
  await clients.v3.untagResources(new $Ecs.UntagResourcesRequest({ regionId: REGION, resourceType: 'imagepipeline', resourceId: [pipelineId], tagKey: ['env'] }));
  assert.deepEqual(await tagsOf(clients, 'imagepipeline', pipelineId), { owner: 'kiln' });
  await clients.v3.tagResources(new $Ecs.TagResourcesRequest({ regionId: REGION, resourceType: 'imagecomponent', resourceId: [componentV2], tag: [new $Ecs.TagResourcesRequestTag({ key: 'stage', value: 'beta' })] }));
  assert.deepEqual(await tagsOf(clients, 'imagecomponent', componentV2), { stage: 'beta' });

  // A second Kiln on the same database (another data dir) sees the same data.
  const other = await startKiln({ KILN_DATABASE_URL: db!.url, ...KEY });
  try {
    assert.equal(other.credentials.accountId, k().credentials.accountId);
    assert.deepEqual((await describePipelines(other.clients, [pipelineId])).map((x) => x.name), ['pg-template']);
  } finally {
    await other.stop();
  }

  // Delete: a component in use is refused, then template and components go.
  const inUse = await expectError(() => clients.v3.deleteImageComponent(new $Ecs.DeleteImageComponentRequest({ regionId: REGION, imageComponentId: componentV1 })));
  assert.equal(inUse.code, 'InvalidImageComponent.InUse');
  assert.equal(inUse.statusCode, 403);
  await clients.v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipelineId }));
  assert.deepEqual(await describePipelines(clients, [pipelineId]), []);
  assert.deepEqual(await tagsOf(clients, 'imagepipeline', pipelineId), {});
  const gone = await expectError(() => clients.v1.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipelineId })));
  assert.equal(gone.code, 'InvalidImagePipeline.NotFound');
  assert.equal(gone.statusCode, 404);
  for (const id of [componentV1, componentV2]) {
    await clients.v3.deleteImageComponent(new $Ecs.DeleteImageComponentRequest({ regionId: REGION, imageComponentId: id }));
  }
  assert.deepEqual(await describeComponents(clients, [componentV1, componentV2]), []);
  assert.deepEqual(await tagsOf(clients, 'imagecomponent', componentV2), {});
});

test('`kiln serve` on PostgreSQL: the banner names the store without the password, and the server answers', async () => {
  const url = new URL(db!.url);
  url.password = 'banner-must-not-show-this';
  const dir = mkdtempSync(join(tmpdir(), 'kiln-pg-serve-'));
  const proc = await spawnKiln({ KILN_DATA_DIR: dir, KILN_PORT: String(await freePort()), KILN_DATABASE_URL: url.toString(), ...KEY });
  try {
    await proc.waitForOutput('aliyun ecs ');
    assert.ok(!proc.stdout().includes('banner-must-not-show-this'), proc.stdout());
    assert.match(proc.stdout(), new RegExp(`store:\\s+postgres://\\*\\*\\*@${url.host}/${db!.name}`));
    assert.ok(!existsSync(join(dir, 'kiln.db')));
    const pop = new RPCClient({
      accessKeyId: KEY.KILN_ACCESS_KEY_ID, accessKeySecret: KEY.KILN_ACCESS_KEY_SECRET, endpoint: proc.endpoint, apiVersion: '2014-05-26',
    });
    const r = await pop.request<{ RequestId: string }>('DescribeImagePipelines', { RegionId: REGION });
    assert.ok(r.RequestId);
  } finally {
    await proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
