import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectError, REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { createAccount } from '../../src/auth/accounts.js';
import {
  $Ecs, componentRequest, componentTags, createComponent, createPipeline, describeComponents, expectCode, expectPopCode,
  pipelineRequest, popPost,
} from '../support/ecs-requests.js';
import { YAML_WITH_PARAMETERS } from './support/component-yaml.js';

/*
 * DeleteImageComponent, and templates that use components, through the official clients against
 * a real Kiln: a component a template references stays, system components cannot be deleted,
 * and a template's component parameters are checked.
 */

let kiln: TestKiln;
let v3: EcsClient;
let accountId = '';

before(async () => {
  kiln = await startKiln();
  v3 = kiln.clients.v3;
  accountId = kiln.credentials.accountId;
});

after(async () => {
  await kiln?.stop();
});

function deleteRequest(id: string | undefined): $Ecs.DeleteImageComponentRequest {
  return new $Ecs.DeleteImageComponentRequest({ regionId: REGION, imageComponentId: id });
}

describe('DeleteImageComponent', () => {
  test('deletes; then InvalidImageComponent.NotFound (404); MissingParameter.ImageComponentId (400)', async () => {
    const id = await createComponent(v3, { name: 'short-lived', tag: componentTags([['k', 'v']]) });
    const res = await v3.deleteImageComponent(deleteRequest(id));
    assert.equal(res.statusCode, 200);
    assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
    assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 0);
    assert.equal((await describeComponents(v3, { name: 'short-lived' })).totalCount, 0);
    await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.NotFound', 404);
    await expectCode(() => v3.deleteImageComponent(deleteRequest(undefined)), 'MissingParameter.ImageComponentId', 400);
    await expectPopCode(() => popPost(kiln.clients.pop, 'DeleteImageComponent', { ImageComponentId: 'ic-never' }), 'InvalidImageComponent.NotFound', 404);
  });

  test('InvalidImageComponent.InUse (403) while a template references it by id; deletable once the template is gone', async () => {
    const id = await createComponent(v3, { name: 'in-use-by-id' });
    const pipeline = await createPipeline(v3, { buildContent: `RUN echo before\nCOMPONENT ${id}` });
    const e = await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.InUse', 403);
    assert.equal(e.data.Message, 'The current component is being used by the image pipeline and cannot be deleted.');
    assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 1);
    await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipeline }));
    await v3.deleteImageComponent(deleteRequest(id));
    assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 0);
  });

  test('InvalidImageComponent.InUse (403) while a template references it by ARN (acs:ecs:…:imagecomponent/<name>/1.*.*)', async () => {
    const v100 = await createComponent(v3, { name: 'in-use-by-arn', componentVersion: '1.0.0' });
    const v130 = await createComponent(v3, { name: 'in-use-by-arn', componentVersion: '1.3.0' });
    const v200 = await createComponent(v3, { name: 'in-use-by-arn', componentVersion: '2.0.0' });
    const arn = `acs:ecs:${REGION}:${accountId}:imagecomponent/in-use-by-arn/1.*.*`;
    const pipeline = await createPipeline(v3, { buildContent: `COMPONENT ${arn}` });
    // The ARN resolved to the highest 1.x.x version: that one is in use, the others are not.
    await expectCode(() => v3.deleteImageComponent(deleteRequest(v130)), 'InvalidImageComponent.InUse', 403);
    await v3.deleteImageComponent(deleteRequest(v200));
    await v3.deleteImageComponent(deleteRequest(v100));
    await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipeline }));
    await v3.deleteImageComponent(deleteRequest(v130));
    assert.equal((await describeComponents(v3, { name: 'in-use-by-arn' })).totalCount, 0);
  });

  test('a TestContent reference also keeps a component in use', async () => {
    const id = await createComponent(v3, { name: 'in-use-test', componentType: 'Test', content: 'RUN true' });
    const pipeline = await createPipeline(v3, { testContent: `COMPONENT ${id}` });
    await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.InUse', 403);
    await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipeline }));
    await v3.deleteImageComponent(deleteRequest(id));
  });

  test('racing a delete against a template that references the component: never both succeed', async () => {
    for (let round = 0; round < 8; round++) {
      const id = await createComponent(v3, { name: `race-${round}` });
      const [created, deleted] = await Promise.all([
        v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id}` })).then((r) => r.body?.imagePipelineId, (e: { code?: string }) => e.code),
        v3.deleteImageComponent(deleteRequest(id)).then(() => 'deleted', (e: { code?: string }) => e.code),
      ]);
      if (created?.startsWith('ip-')) {
        assert.equal(deleted, 'InvalidImageComponent.InUse', `round ${round}: the template exists, so the delete must fail`);
        assert.equal((await describeComponents(v3, { imageComponentId: [id] })).totalCount, 1);
      } else {
        assert.equal(created, 'ImageComponent.NotFound', `round ${round}`);
        assert.equal(deleted, 'deleted', `round ${round}`);
      }
    }
  });

  test('a system component cannot be deleted and stays listed', async () => {
    await expectError(() => v3.deleteImageComponent(deleteRequest('ic-system-cleanup-linux')));
    assert.equal((await describeComponents(v3, { owner: 'ALIYUN', imageComponentId: ['ic-system-cleanup-linux'] })).totalCount, 1);
  });

  test('a component of another region is not found from this region', async () => {
    const res = await v3.createImageComponent(componentRequest({ regionId: 'cn-beijing' }));
    const id = res.body!.imageComponentId!;
    await expectCode(() => v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.NotFound', 404);
    await v3.deleteImageComponent(new $Ecs.DeleteImageComponentRequest({ regionId: 'cn-beijing', imageComponentId: id }));
  });
});

describe('templates using components', () => {
  test('a YAML component with --param values: accepted; undeclared or ill-typed params: InvalidParameter.BuildContent (400)', async () => {
    const id = await createComponent(v3, { name: 'yaml-for-template', content: YAML_WITH_PARAMETERS });
    const ok = await createPipeline(v3, { buildContent: `COMPONENT ${id} --greeting "good morning" --retries 3 --verbose true` });
    assert.match(ok, /^ip-/);
    // `retries` has no default, so it must be given.
    const missing = await expectCode(() => v3.createImagePipeline(pipelineRequest({ buildContent: `RUN a\nCOMPONENT ${id}` })), 'InvalidParameter.BuildContent', 400);
    assert.match(missing.data.Message as string, /line 2/);
    const undeclared = await expectCode(
      () => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id} --retries 1 --colour blue` })),
      'InvalidParameter.BuildContent', 400,
    );
    assert.match(undeclared.data.Message as string, /colour/);
    await expectCode(
      () => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id} --retries many` })),
      'InvalidParameter.BuildContent', 400,
    );
  });

  test('by ARN with a wildcard version, and a Dockerfile component takes no parameters', async () => {
    const id = await createComponent(v3, { name: 'docker-comp', componentVersion: '3.1.4' });
    await createPipeline(v3, { buildContent: `COMPONENT acs:ecs:${REGION}:${accountId}:imagecomponent/docker-comp/3.*.*` });
    await createPipeline(v3, { buildContent: `COMPONENT acs:ecs:${REGION}:${accountId}:imagecomponent/docker-comp:3.1.4` });
    await expectCode(() => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT acs:ecs:${REGION}:${accountId}:imagecomponent/docker-comp/4.*.*` })),
      'ImageComponent.NotFound', 404);
    await expectCode(() => v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id} --x 1` })), 'InvalidParameter.BuildContent', 400);
  });

  test('another account cannot use or see my component', async () => {
    const id = await createComponent(v3, { name: 'private-comp' });
    const other = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId));
    const theirs = kiln.clientsFor(other.accessKey.id, other.accessKey.secret);
    await expectCode(() => theirs.v3.createImagePipeline(pipelineRequest({ buildContent: `COMPONENT ${id}` })), 'ImageComponent.NotFound', 404);
    await expectCode(() => theirs.v3.deleteImageComponent(deleteRequest(id)), 'InvalidImageComponent.NotFound', 404);
    assert.equal((await describeComponents(theirs.v3, { imageComponentId: [id] })).totalCount, 0);
  });
});
