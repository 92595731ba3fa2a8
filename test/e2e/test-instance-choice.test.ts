import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPipeline, pipelineTags } from '../support/ecs-requests.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { assertNoLeftovers, isTerminal, logsContaining, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import { vmOf } from './support/test-vms.js';

/*
 * Where TestContent runs: by the image's kind (a kernel → a VM booted from it; none → a runc
 * container), or as the template's tag kiln:test-instance says (vm, container, auto). The log
 * says which and why. These images have no kernel, so nothing boots here (test/e2e/vm-test.test.ts
 * boots one).
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

async function run(tag?: string): Promise<{ executionId: string; item: Awaited<ReturnType<typeof waitForExecution>>['item'] }> {
  const v3 = kiln.clients.v3;
  const name = uniqueName('testinstance');
  const pipelineId = await createPipeline(v3, { name, imageName: name, testContent: 'RUN echo test-ran', ...(tag ? { tag: pipelineTags([['kiln:test-instance', tag]]) } : {}) });
  const executionId = await startExecution(v3, pipelineId);
  const { item } = await waitForExecution(v3, executionId, isTerminal, 'a terminal status');
  return { executionId, item };
}

describe('choosing the test instance', () => {
  test('an image without a kernel is tested in a container: by default, with kiln:test-instance=container, and with a value the tag does not know (said in the log)', async () => {
    for (const [tag, why] of [
      [undefined, 'the image has no kernel (a container image)'],
      ['container', 'the template\'s tag kiln:test-instance=container'],
      ['VM-please', 'the image has no kernel (a container image) (the tag kiln:test-instance=VM-please is none of auto, vm, container: read as auto)'],
    ] as const) {
      const { executionId, item } = await run(tag);
      assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
      const logs = await logsContaining(kiln.app.store, executionId, 'test-ran');
      assert.ok(logs.includes(`Testing on a fresh container instance: ${why}.`), logs);
      await assertNoLeftovers(kiln.config.dataDir, executionId);
    }
  });

  test('kiln:test-instance=vm on an image without a kernel: TEST_FAILED with VmTestFailed, no VM started, no silent fallback', async () => {
    const { executionId, item } = await run('vm');
    assert.equal(item.status, 'TEST_FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'VmTestFailed');
    assert.match(item.errorInfo ?? '', /^TestContent could not run in a VM: the template's tag kiln:test-instance=vm asks for a VM, but the image has no kernel/);
    const logs = await logsContaining(kiln.app.store, executionId, 'kiln: TestContent could not run in a VM');
    assert.ok(!logs.includes('test-ran'), 'the test did not run elsewhere');
    assert.equal(vmOf(executionId), undefined);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
