import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPipeline } from '../conformance/ops-support.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { $Ecs, assertNoLeftovers, describeExecution, describeImages, isTerminal, logsContaining, REGION, startExecution, uniqueName, waitForExecution } from './support.js';

/*
 * CancelImagePipelineExecution while a step runs: the execution reports CANCELLING at once,
 * the running step is killed, the instance released, and the execution ends CANCELLED in
 * seconds (not after the step's two minutes), with no image.
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
    assert.match(item.message ?? '', /Cancelled/);
    assert.equal(item.imageId ?? '', '');
    assert.ok(seen.every((s) => ['BUILDING', 'CANCELLING', 'CANCELLED'].includes(s)), seen.join(' → '));
    assert.deepEqual(await describeImages(v3, { imageName: `${name}_${executionId}` }), []);
    const logs = await logsContaining(kiln.app.store, executionId, 'sleeping');
    assert.ok(!logs.includes('--> line 3'), 'no step after the cancelled one ran');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
