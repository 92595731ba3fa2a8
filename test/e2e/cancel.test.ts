import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPipeline, expectCode } from '../support/ecs-requests.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { $Ecs, assertNoLeftovers, describeExecution, describeImages, isTerminal, logsContaining, REGION, startExecution, uniqueName, waitForExecution } from '../support/builds.js';

/*
 * CancelImagePipelineExecution while a step runs: the execution reports CANCELLING at once,
 * the running step is killed, the instance released, and the execution ends CANCELLED in
 * seconds (not after the step's two minutes), with no image.
 *
 * Once the image exists (TESTING and after) the current API refuses: cancelling is allowed only
 * in BUILDING, PREPARING or REPAIRING (403 InvalidStatus.ImagePipelineExecution), and an
 * execution that has ended answers 400 InvalidStatus.CancelFailed.
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

describe('cancel', () => {
  test('during BUILDING: CANCELLING, then CANCELLED within seconds; nothing left behind', async () => {
    const v3 = kiln.clients.v3;
    const name = uniqueName('cancel');
    const pipelineId = await createPipeline(v3, { name, imageName: name, buildContent: 'RUN echo sleeping\nRUN sleep 120\nRUN echo never' });
    const executionId = await startExecution(v3, pipelineId);
    await waitForExecution(v3, executionId, (e) => e.status === 'BUILDING', 'BUILDING');
    // The step is running (its marker is in the log) before the cancel.
    await logsContaining(kiln.app.store, executionId, '--> line 2: RUN sleep 120', 60_000);

    await v3.cancelImagePipelineExecution(new $Ecs.CancelImagePipelineExecutionRequest({ regionId: REGION, executionId }));
    const right = await describeExecution(v3, executionId);
    assert.ok(['CANCELLING', 'CANCELLED'].includes(right.status ?? ''), `right after the cancel: ${right.status}`);

    // Far less than the step's 120 s: the step was killed.
    const { item, seen } = await waitForExecution(v3, executionId, isTerminal, 'CANCELLED', 30_000);
    assert.equal(item.status, 'CANCELLED', JSON.stringify(item));
    assert.equal(item.imageId ?? '', '');
    assert.ok(seen.every((s) => ['BUILDING', 'CANCELLING', 'CANCELLED'].includes(s)), seen.join(' → '));
    assert.deepEqual(await describeImages(v3, { imageName: `${name}_${executionId}` }), []);
    const logs = await logsContaining(kiln.app.store, executionId, 'sleeping');
    assert.ok(!logs.includes('--> line 3'), 'no step after the cancelled one ran');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('during TESTING: 403 InvalidStatus.ImagePipelineExecution, the test runs on to SUCCESS; once ended, 400 InvalidStatus.CancelFailed; nothing left behind', async () => {
    const v3 = kiln.clients.v3;
    const name = uniqueName('cancel-testing');
    const pipelineId = await createPipeline(v3, {
      name, imageName: name,
      buildContent: 'RUN echo built > /built',
      testContent: 'RUN echo testing-now\nRUN sleep 15\nRUN test -f /built && echo test-finished',
    });
    const executionId = await startExecution(v3, pipelineId);
    await waitForExecution(v3, executionId, (e) => e.status === 'TESTING' || isTerminal(e), 'TESTING');
    // The sleeping test step runs (the step before it printed) when the cancel comes.
    await logsContaining(kiln.app.store, executionId, 'testing-now', 60_000);
    assert.equal((await describeExecution(v3, executionId)).status, 'TESTING', 'still TESTING when cancelling');

    const cancel = () => v3.cancelImagePipelineExecution(new $Ecs.CancelImagePipelineExecutionRequest({ regionId: REGION, executionId }));
    const refused = await expectCode(cancel, 'InvalidStatus.ImagePipelineExecution', 403);
    assert.equal(refused.data.Message, 'The execution is TESTING: it can be cancelled only while PREPARING, REPAIRING or BUILDING.');
    const after = await describeExecution(v3, executionId);
    assert.equal(after.status, 'TESTING', 'a refused cancel changes nothing');
    assert.doesNotMatch(after.message ?? '', /Cancel/);

    // The build goes on and ends as if nothing had been asked.
    const { item, seen } = await waitForExecution(v3, executionId, isTerminal, 'a terminal status');
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.ok(seen.every((s) => ['TESTING', 'RELEASING', 'SUCCESS'].includes(s)), seen.join(' → '));
    assert.match(item.imageId ?? '', /^m-/);
    assert.deepEqual((await describeImages(v3, { imageName: `${name}_${executionId}` })).map((i) => i.imageId), [item.imageId]);
    await logsContaining(kiln.app.store, executionId, 'test-finished');

    // Ended: the other code, with the reference's message.
    const ended = await expectCode(cancel, 'InvalidStatus.CancelFailed', 400);
    assert.match(String(ended.data.Message), /^Failed to cancel execution,status is success, failed or cancelled\./);
    assert.equal((await describeExecution(v3, executionId)).status, 'SUCCESS');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
