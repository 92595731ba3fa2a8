import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { assertNoLeftovers, build, logsContaining } from '../support/builds.js';

/*
 * The InstanceType's memory is the instance's memory: a step that needs more is OOM-killed
 * and the execution ends FAILED with InstanceOutOfMemory, naming the line and the limit.
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

describe('memory limit', () => {
  test('a step that grows past the 2 GiB of ecs.t6-c1m1.large: FAILED, InstanceOutOfMemory, the line and 2048 MiB', async () => {
    const { executionId, item } = await build(kiln.clients.v3, {
      instanceType: 'ecs.t6-c1m1.large',
      // dd fills a 3 GiB buffer from /dev/zero: the step's memory grows past the instance's 2 GiB.
      // (Faster than growing a string in awk: on a VM, touching memory is what takes the time.)
      buildContent: 'RUN echo small-step-ok\nRUN dd if=/dev/zero of=/dev/null bs=3G count=1\nRUN echo unreachable',
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'InstanceOutOfMemory');
    assert.match(item.errorInfo ?? '', /^line 2: /);
    assert.match(item.errorInfo ?? '', /2048 MiB/);
    assert.match(item.errorInfo ?? '', /ecs\.t6-c1m1\.large/);
    const logs = await logsContaining(kiln.app.store, executionId, 'small-step-ok');
    assert.match(logs, /2 vCPU, 2 GiB/, 'the instance was created with the type\'s limits');
    assert.ok(!logs.includes('--> line 3'));
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
