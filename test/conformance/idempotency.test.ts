import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount } from '../../src/auth/accounts.js';
import { REGION, type EcsClient } from '../support/kiln.js';
import {
  $Ecs, BUSYBOX, componentIds, componentRequest, componentTags, describeComponents, describePipelines, expectCode, expectPopCode,
  imageOptions, pipelineIds, pipelineRequest, pipelineTags, popPost, type ComponentFields, type PipelineFields,
} from '../support/ecs-requests.js';
import { kilnFixture } from '../support/kiln-fixture.js';

/*
 * ClientToken idempotency of CreateImagePipeline and CreateImageComponent: a retry with the
 * same token and parameters (whatever the signature, nonce and timestamp) returns the first
 * answer and creates nothing; other parameters are IdempotentParameterMismatch.
 */

const api = kilnFixture();

let counter = 0;
/** A fresh token per use, so tests never share one by accident. */
function token(label: string): string {
  counter++;
  return `${label}-${counter}-123e4567-e89b-12d3-a456-426655440000`.slice(0, 64);
}

async function createPipelineId(fields: PipelineFields, client: EcsClient = api.v3): Promise<string> {
  const res = await client.createImagePipeline(pipelineRequest(fields));
  assert.equal(res.statusCode, 200);
  return res.body!.imagePipelineId!;
}

async function createComponentId(fields: ComponentFields, client: EcsClient = api.v3): Promise<string> {
  const res = await client.createImageComponent(componentRequest(fields));
  assert.equal(res.statusCode, 200);
  return res.body!.imageComponentId!;
}

async function pipelinesNamed(name: string, client: EcsClient = api.v3): Promise<string[]> {
  const body = await describePipelines(client, { name, maxResults: 500 });
  assert.equal(body.totalCount, pipelineIds(body).length);
  return pipelineIds(body);
}

async function componentsNamed(name: string, client: EcsClient = api.v3): Promise<string[]> {
  const body = await describeComponents(client, { name, maxResults: 500 });
  assert.equal(body.totalCount, componentIds(body).length);
  return componentIds(body);
}

describe('CreateImagePipeline with ClientToken', () => {
  /** The same template, once as SDK fields and once as the pre-flattened form pop-core sends. */
  const sdkFields = (clientToken: string, name: string): PipelineFields => ({
    clientToken, name, description: 'idempotent template', buildContent: 'RUN echo one\nRUN echo two',
    toRegionId: ['cn-beijing', 'cn-shanghai'], addAccount: [1234567890], tag: pipelineTags([['team', 'x'], ['empty', '']]),
    systemDiskSize: 60, deleteInstanceOnFailure: false, imageOptions: imageOptions({ imageName: 'idem', imageTags: [['a', 'b']] }),
  });
  const popParams = (clientToken: string, name: string): Record<string, unknown> => ({
    ClientToken: clientToken, Name: name, Description: 'idempotent template', BuildContent: 'RUN echo one\nRUN echo two',
    BaseImageType: 'IMAGE', BaseImage: BUSYBOX,
    ToRegionId: ['cn-beijing', 'cn-shanghai'], AddAccount: [1234567890], Tag: [{ Key: 'team', Value: 'x' }, { Key: 'empty', Value: '' }],
    SystemDiskSize: 60, DeleteInstanceOnFailure: false, 'ImageOptions.ImageName': 'idem',
    'ImageOptions.ImageTags.1.Key': 'a', 'ImageOptions.ImageTags.1.Value': 'b',
  });

  test('same token + same params: twice with the SDK (V3), then V1, then pop-core → one id, one template', async () => {
    const t = token('pipeline');
    const first = await createPipelineId(sdkFields(t, 'idem-pipeline'));
    const second = await createPipelineId(sdkFields(t, 'idem-pipeline'));
    assert.equal(second, first);
    const third = await createPipelineId(sdkFields(t, 'idem-pipeline'), api.kiln.clients.v1);
    assert.equal(third, first);
    const viaPop = await popPost(api.kiln.clients.pop, 'CreateImagePipeline', popParams(t, 'idem-pipeline'));
    assert.equal(viaPop.ImagePipelineId, first);
    assert.match(String(viaPop.RequestId), /^[0-9A-F-]{36}$/);
    assert.deepEqual(await pipelinesNamed('idem-pipeline'), [first]);
  });

  test('same token + different params → IdempotentParameterMismatch (400); nothing new is created', async () => {
    const t = token('mismatch');
    const first = await createPipelineId(sdkFields(t, 'idem-mismatch'));
    const e = await expectCode(() => api.v3.createImagePipeline(pipelineRequest({ ...sdkFields(t, 'idem-mismatch'), systemDiskSize: 61 })),
      'IdempotentParameterMismatch', 400);
    assert.match(e.data.Message as string, /client token/i);
    await expectCode(() => api.v3.createImagePipeline(pipelineRequest({ ...sdkFields(t, 'idem-mismatch'), toRegionId: ['cn-beijing'] })),
      'IdempotentParameterMismatch', 400);
    await expectCode(() => api.v3.createImagePipeline(pipelineRequest({ ...sdkFields(t, 'idem-mismatch'), tag: pipelineTags([['team', 'y']]) })),
      'IdempotentParameterMismatch', 400);
    await expectPopCode(() => popPost(api.kiln.clients.pop, 'CreateImagePipeline', { ...popParams(t, 'idem-mismatch'), BuildContent: 'RUN echo three' }),
      'IdempotentParameterMismatch', 400);
    // Another region is another request, not a retry.
    await expectCode(() => api.v3.createImagePipeline(pipelineRequest({ ...sdkFields(t, 'idem-mismatch'), regionId: 'cn-qingdao' })),
      'IdempotentParameterMismatch', 400);
    assert.deepEqual(await pipelinesNamed('idem-mismatch'), [first]);
  });

  test('a ClientToken longer than 64 characters is refused (400); exactly 64 is fine', async () => {
    await expectCode(() => api.v3.createImagePipeline(pipelineRequest({ clientToken: 'x'.repeat(65), name: 'long-token' })), 'InvalidParameter.ClientToken', 400);
    assert.deepEqual(await pipelinesNamed('long-token'), []);
    const t64 = `token64-${counter++}-`.padEnd(64, 'z');
    assert.equal(t64.length, 64);
    const id = await createPipelineId({ clientToken: t64, name: 'token-64' });
    assert.deepEqual(await pipelinesNamed('token-64'), [id]);
  });

  test('tokens are case-sensitive: another case is another request', async () => {
    const t = `CaseToken-${counter++}`;
    const a = await createPipelineId({ clientToken: t, name: 'idem-case' });
    const b = await createPipelineId({ clientToken: t.toLowerCase(), name: 'idem-case' });
    assert.notEqual(a, b);
    assert.equal((await pipelinesNamed('idem-case')).length, 2);
  });

  test('10 concurrent creates with the same token → the same id, one template', async () => {
    const t = token('concurrent');
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      createPipelineId(sdkFields(t, 'idem-concurrent'), i % 2 === 0 ? api.v3 : api.kiln.clients.v1)));
    assert.equal(new Set(ids).size, 1, ids.join(', '));
    assert.deepEqual(await pipelinesNamed('idem-concurrent'), [ids[0]]);
  });

  test('a request that failed does not use up its token', async () => {
    const t = token('failed');
    await expectCode(() => api.v3.createImagePipeline(pipelineRequest({ clientToken: t, name: 'idem-failed', systemDiskSize: 10 })),
      'InvalidSystemDiskSize.NotSupportedValue', 400);
    await expectCode(() => api.v3.createImagePipeline(pipelineRequest({ clientToken: t, name: 'idem-failed', buildContent: 'COMPONENT ic-none' })),
      'ImageComponent.NotFound', 404);
    const id = await createPipelineId({ clientToken: t, name: 'idem-failed' });
    assert.deepEqual(await pipelinesNamed('idem-failed'), [id]);
  });

  test('tokens are per account and per action', async () => {
    const t = token('scoped');
    const mine = await createPipelineId({ clientToken: t, name: 'idem-scoped' });
    const other = await createAccount(api.kiln.app.store, api.kiln.config.regions.map((r) => r.regionId));
    const theirs = api.kiln.clientsFor(other.accessKey.id, other.accessKey.secret).v3;
    const theirId = await createPipelineId({ clientToken: t, name: 'idem-scoped' }, theirs);
    assert.notEqual(theirId, mine);
    assert.deepEqual(await pipelinesNamed('idem-scoped', theirs), [theirId]);
    assert.deepEqual(await pipelinesNamed('idem-scoped'), [mine]);
    // The same token on CreateImageComponent is a different request.
    const component = await createComponentId({ clientToken: t, name: 'idem-scoped' });
    assert.match(component, /^ic-/);
  });
});

describe('CreateImageComponent with ClientToken', () => {
  const fields = (clientToken: string, name: string): ComponentFields => ({
    clientToken, name, description: 'idempotent component', content: 'RUN echo component', componentType: 'Build',
    tag: componentTags([['team', 'x']]),
  });

  test('same token + same params: SDK twice, then pop-core → one id; the default version is not bumped', async () => {
    const t = token('component');
    const first = await createComponentId(fields(t, 'idem-component'));
    assert.equal(await createComponentId(fields(t, 'idem-component')), first);
    const viaPop = await popPost(api.kiln.clients.pop, 'CreateImageComponent', {
      ClientToken: t, Name: 'idem-component', Description: 'idempotent component', Content: 'RUN echo component', ComponentType: 'Build',
      Tag: [{ Key: 'team', Value: 'x' }],
    });
    assert.equal(viaPop.ImageComponentId, first);
    assert.deepEqual(await componentsNamed('idem-component'), [first]);
    const body = await describeComponents(api.v3, { imageComponentId: [first] });
    assert.equal(body.imageComponent?.imageComponentSet?.[0]?.componentVersion, '1.0.0');
  });

  test('same token + different params → IdempotentParameterMismatch (400)', async () => {
    const t = token('component-mismatch');
    const first = await createComponentId(fields(t, 'idem-component-mm'));
    await expectCode(() => api.v3.createImageComponent(componentRequest({ ...fields(t, 'idem-component-mm'), content: 'RUN echo other' })),
      'IdempotentParameterMismatch', 400);
    await expectCode(() => api.v3.createImageComponent(componentRequest({ ...fields(t, 'idem-component-mm'), componentVersion: '2.0.0' })),
      'IdempotentParameterMismatch', 400);
    assert.deepEqual(await componentsNamed('idem-component-mm'), [first]);
  });

  test('a ClientToken longer than 64 characters is refused (400)', async () => {
    await expectCode(() => api.v3.createImageComponent(componentRequest({ clientToken: 't'.repeat(65), name: 'idem-long' })), 'InvalidParameter.ClientToken', 400);
    assert.deepEqual(await componentsNamed('idem-long'), []);
  });

  test('10 concurrent creates with the same token → the same id, one component', async () => {
    const t = token('component-concurrent');
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      createComponentId(fields(t, 'idem-component-concurrent'), i % 2 === 0 ? api.v3 : api.kiln.clients.v1)));
    assert.equal(new Set(ids).size, 1, ids.join(', '));
    assert.deepEqual(await componentsNamed('idem-component-concurrent'), [ids[0]]);
  });

  test('10 concurrent creates of one name without a token → 10 components with 10 distinct versions', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => createComponentId({ name: 'no-token-concurrent' }).catch((e: { code?: string }) => e.code ?? 'error')));
    const created = ids.filter((id) => id.startsWith('ic-'));
    const body = await describeComponents(api.v3, { name: 'no-token-concurrent', maxResults: 500 });
    const versions = (body.imageComponent?.imageComponentSet ?? []).map((c) => c.componentVersion);
    assert.equal(versions.length, created.length);
    assert.equal(new Set(versions).size, versions.length, `versions are unique: ${versions.join(', ')}`);
    assert.equal(created.length, 10, `every create succeeded: ${ids.join(', ')}`);
  });
});

describe('Describe after idempotent retries', () => {
  test('a retry after the template was deleted answers the first id and creates nothing', async () => {
    const t = token('after-delete');
    const id = await createPipelineId({ clientToken: t, name: 'idem-deleted' });
    await api.v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: id }));
    const retry = await createPipelineId({ clientToken: t, name: 'idem-deleted' });
    assert.equal(retry, id, 'the retry answers as the first request did');
    assert.deepEqual(await pipelinesNamed('idem-deleted'), [], 'the retry created nothing');
  });
});
