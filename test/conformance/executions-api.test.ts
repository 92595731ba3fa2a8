import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REGION } from '../support/kiln.js';
import { $Ecs, createPipeline, expectCode } from '../support/ecs-requests.js';
import { kilnFixture } from '../support/kiln-fixture.js';

/*
 * The execution API (StartImagePipelineExecution, DescribeImagePipelineExecutions,
 * CancelImagePipelineExecution) and its effect on DeleteImagePipeline, through the SDK.
 * These tests cover the API contract; builds themselves are covered by the engine tests.
 */

const api = kilnFixture();

function start(pipelineId: string, extra: Partial<{ clientToken: string; tag: Array<[string, string]> }> = {}) {
  return api.v3.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({
    regionId: REGION,
    imagePipelineId: pipelineId,
    clientToken: extra.clientToken,
    tag: extra.tag?.map(([key, value]) => new $Ecs.StartImagePipelineExecutionRequestTag({ key, value })),
  }));
}

function describeExecs(fields: { imagePipelineId?: string; executionId?: string; status?: string; maxResults?: number; nextToken?: string; tag?: Array<[string, string]> }) {
  return api.v3.describeImagePipelineExecutions(new $Ecs.DescribeImagePipelineExecutionsRequest({
    regionId: REGION,
    ...fields,
    tag: fields.tag?.map(([key, value]) => new $Ecs.DescribeImagePipelineExecutionsRequestTag({ key, value })),
  }));
}

function cancel(executionId: string) {
  return api.v3.cancelImagePipelineExecution(new $Ecs.CancelImagePipelineExecutionRequest({ regionId: REGION, executionId }));
}

/** Ends an execution the way a worker reports a terminal status (test setup only). */
async function finish(executionId: string, status: 'SUCCESS' | 'CANCELLED') {
  const scope = { accountId: api.kiln.credentials.accountId, regionId: REGION };
  assert.ok(await api.kiln.app.store.executions.update(scope, executionId, { status, message: 'done' }));
}

describe('StartImagePipelineExecution', () => {
  test('starts one execution, described by template and by id with every field', async () => {
    const pipelineId = await createPipeline(api.v3, { buildContent: 'RUN echo hi' });
    const res = await start(pipelineId, { tag: [['env', 'dev']] });
    const executionId = res.body?.executionId ?? '';
    assert.match(executionId, /^exec-[0-9a-f]{32}$/);

    const byPipeline = await describeExecs({ imagePipelineId: pipelineId });
    assert.equal(byPipeline.body?.totalCount, 1);
    const item = byPipeline.body?.imagePipelineExecution?.imagePipelineExecutionSet?.[0];
    assert.equal(item?.executionId, executionId);
    assert.equal(item?.imagePipelineId, pipelineId);
    // No worker runs here (startKiln): the execution stays queued.
    assert.equal(item?.status, 'PREPARING');
    assert.ok(item?.message);
    assert.match(item?.creationTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(item?.modifiedTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(item?.resourceGroupId ?? '', /^rg-/);
    assert.deepEqual(item?.tags?.tag?.map((t) => [t.tagKey, t.tagValue]), [['env', 'dev']]);

    const byId = await describeExecs({ executionId });
    assert.equal(byId.body?.imagePipelineExecution?.imagePipelineExecutionSet?.[0]?.executionId, executionId);
    const byTag = await describeExecs({ imagePipelineId: pipelineId, tag: [['env', 'dev']] });
    assert.equal(byTag.body?.totalCount, 1);
    const byOtherTag = await describeExecs({ imagePipelineId: pipelineId, tag: [['env', 'prod']] });
    assert.equal(byOtherTag.body?.totalCount, 0);
    await finish(executionId, 'SUCCESS');
  });

  test('one running execution per template: InvalidImagePipeline.HasRunningExecution (403); another start once it ended', async () => {
    const pipelineId = await createPipeline(api.v3);
    const first = (await start(pipelineId)).body!.executionId!;
    await expectCode(() => start(pipelineId), 'InvalidImagePipeline.HasRunningExecution', 403);
    await finish(first, 'SUCCESS');
    const second = (await start(pipelineId)).body!.executionId!;
    assert.notEqual(second, first);
    const all = await describeExecs({ imagePipelineId: pipelineId });
    assert.equal(all.body?.totalCount, 2);
    await finish(second, 'SUCCESS');
  });

  test('ClientToken: the same token gives the same execution', async () => {
    const pipelineId = await createPipeline(api.v3);
    const a = (await start(pipelineId, { clientToken: 'start-token-1' })).body!.executionId;
    const b = (await start(pipelineId, { clientToken: 'start-token-1' })).body!.executionId;
    assert.equal(a, b);
    await expectCode(() => start(pipelineId, { clientToken: 'start-token-1', tag: [['k', 'v']] }), 'IdempotentParameterMismatch', 400);
    await finish(a!, 'SUCCESS');
  });

  test('errors: unknown template (404), missing id, bad tags', async () => {
    await expectCode(() => start('ip-doesnotexist00000000'), 'InvalidImagePipeline.NotFound', 404);
    await expectCode(() => api.v3.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId: REGION })), 'MissingParameter.ImagePipelineId', 400);
    const pipelineId = await createPipeline(api.v3);
    await expectCode(() => start(pipelineId, { tag: [['aliyun:x', 'v']] }), 'InvalidTagKey.Malformed', 400);
  });

  test('another account cannot start, describe or cancel my executions', async () => {
    const { createAccount } = await import('../../src/auth/accounts.js');
    const other = await createAccount(api.kiln.app.store, [REGION]);
    const them = api.kiln.clientsFor(other.accessKey.id, other.accessKey.secret).v3;
    const pipelineId = await createPipeline(api.v3);
    const executionId = (await start(pipelineId)).body!.executionId!;
    await expectCode(() => them.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: pipelineId })), 'InvalidImagePipeline.NotFound', 404);
    const seen = await them.describeImagePipelineExecutions(new $Ecs.DescribeImagePipelineExecutionsRequest({ regionId: REGION, executionId }));
    assert.equal(seen.body?.totalCount, 0);
    await expectCode(() => them.cancelImagePipelineExecution(new $Ecs.CancelImagePipelineExecutionRequest({ regionId: REGION, executionId })), 'InvalidImagePipelineExecution.NotFound', 404);
    await finish(executionId, 'SUCCESS');
  });
});

describe('DescribeImagePipelineExecutions', () => {
  test('Status filter (comma-separated) and paging', async () => {
    const pipelineId = await createPipeline(api.v3);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await start(pipelineId)).body!.executionId!;
      ids.push(id);
      await finish(id, i === 1 ? 'CANCELLED' : 'SUCCESS');
    }
    const succeeded = await describeExecs({ imagePipelineId: pipelineId, status: 'SUCCESS' });
    assert.deepEqual(succeeded.body?.imagePipelineExecution?.imagePipelineExecutionSet?.map((e) => e.executionId), [ids[0], ids[2]]);
    const both = await describeExecs({ imagePipelineId: pipelineId, status: 'SUCCESS,CANCELLED' });
    assert.equal(both.body?.totalCount, 3);
    const page1 = await describeExecs({ imagePipelineId: pipelineId, maxResults: 2 });
    assert.equal(page1.body?.imagePipelineExecution?.imagePipelineExecutionSet?.length, 2);
    assert.ok(page1.body?.nextToken);
    const page2 = await describeExecs({ imagePipelineId: pipelineId, maxResults: 2, nextToken: page1.body!.nextToken! });
    assert.deepEqual(page2.body?.imagePipelineExecution?.imagePipelineExecutionSet?.map((e) => e.executionId), [ids[2]]);
    assert.equal(page2.body?.nextToken, '');
    const several = await describeExecs({ executionId: `${ids[0]},${ids[2]}` });
    assert.equal(several.body?.totalCount, 2);
  });

  test('errors', async () => {
    await expectCode(() => describeExecs({}), 'MissingParameter.ImagePipelineId', 400);
    const pipelineId = await createPipeline(api.v3);
    await expectCode(() => describeExecs({ imagePipelineId: pipelineId, status: 'RUNNING' }), 'InvalidParameter.Status', 400);
    await expectCode(() => describeExecs({ executionId: Array.from({ length: 21 }, (_, i) => `exec-${i}`).join(',') }), 'InvalidExecutionId.SizeExceeded', 400);
    await expectCode(() => describeExecs({ imagePipelineId: 'ip-doesnotexist00000000' }), 'InvalidImagePipeline.NotFound', 404);
    await expectCode(() => describeExecs({ imagePipelineId: pipelineId, nextToken: 'garbage!' }), 'Invalid.NextToken', 403);
  });
});

describe('CancelImagePipelineExecution and DeleteImagePipeline', () => {
  test('cancel moves to CANCELLING, repeats harmlessly; terminal executions refuse; delete waits for the end', async () => {
    const pipelineId = await createPipeline(api.v3);
    const executionId = (await start(pipelineId)).body!.executionId!;
    const status = async () => (await describeExecs({ executionId })).body?.imagePipelineExecution?.imagePipelineExecutionSet?.[0]?.status;
    // No worker runs here (startKiln): nothing moves the execution but this test.
    assert.equal(await status(), 'PREPARING');
    await cancel(executionId);
    assert.equal(await status(), 'CANCELLING');
    await cancel(executionId); // repeating is harmless
    assert.equal(await status(), 'CANCELLING');
    await expectCode(
      () => api.v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipelineId })),
      'InvalidImagePipeline.HasRunningExecution', 403,
    );
    // The worker's part: the build stopped, the execution ends CANCELLED.
    await finish(executionId, 'CANCELLED');
    await expectCode(() => cancel(executionId), 'InvalidStatus.CancelFailed', 400);

    await api.v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipelineId }));
    // The template's executions went with it.
    await expectCode(() => describeExecs({ imagePipelineId: pipelineId }), 'InvalidImagePipeline.NotFound', 404);
    const byId = await describeExecs({ executionId });
    assert.equal(byId.body?.totalCount, 0);
  });

  // No worker runs here: the execution is put in each status the way a worker would report it.
  // (A real build passes DISTRIBUTING and RELEASING in milliseconds; test/e2e/cancel.test.ts
  // cancels during TESTING on a real build.)
  test('cancel once the image exists (TESTING, DISTRIBUTING, RELEASING): 403 InvalidStatus.ImagePipelineExecution, nothing changes; ended: 400 InvalidStatus.CancelFailed', async () => {
    const scope = { accountId: api.kiln.credentials.accountId, regionId: REGION };
    const pipelineId = await createPipeline(api.v3);
    const executionId = (await start(pipelineId)).body!.executionId!;
    const described = async () => (await describeExecs({ executionId })).body?.imagePipelineExecution?.imagePipelineExecutionSet?.[0];
    for (const status of ['TESTING', 'DISTRIBUTING', 'RELEASING'] as const) {
      assert.ok(await api.kiln.app.store.executions.update(scope, executionId, { status, message: `in ${status}` }));
      const e = await expectCode(() => cancel(executionId), 'InvalidStatus.ImagePipelineExecution', 403);
      assert.equal(e.data.Message, `The execution is ${status}: it can be cancelled only while PREPARING, REPAIRING or BUILDING.`);
      const after = await described();
      assert.equal(after?.status, status);
      assert.equal(after?.message, `in ${status}`);
    }
    for (const status of ['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED'] as const) {
      assert.ok(await api.kiln.app.store.executions.update(scope, executionId, { status, message: `in ${status}` }));
      const e = await expectCode(() => cancel(executionId), 'InvalidStatus.CancelFailed', 400);
      assert.match(String(e.data.Message), /^Failed to cancel execution,status is success, failed or cancelled\./);
      assert.equal((await described())?.status, status);
    }
  });

  test('cancel of an unknown execution: InvalidImagePipelineExecution.NotFound (404)', async () => {
    await expectCode(() => cancel('exec-00000000000000000000000000000000'), 'InvalidImagePipelineExecution.NotFound', 404);
    await expectCode(() => api.v3.cancelImagePipelineExecution(new $Ecs.CancelImagePipelineExecutionRequest({ regionId: REGION })), 'MissingParameter.ExecutionId', 400);
  });
});
