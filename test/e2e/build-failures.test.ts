import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RuncInstanceDriver } from '../../src/engine/instance/runc-driver.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { assertNoLeftovers, build, describeImages, leftoversOf, logsContaining, uniqueName } from '../support/builds.js';

/*
 * Builds that fail: the execution ends FAILED with a code and an ErrorInfo that says which
 * line and why, no image is made, and the intermediate instance is released (unless the
 * template keeps it with DeleteInstanceOnFailure=false).
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

describe('failing builds', () => {
  test('a RUN that exits 3 at line 3: FAILED, BuildCommandFailed, the line and the exit code', async () => {
    const name = uniqueName('exit3');
    const { executionId, item, seen } = await build(kiln.clients.v3, {
      name, imageName: name,
      buildContent: 'RUN echo before-the-failure\nRUN touch /ok\nRUN echo about-to-fail && exit 3\nRUN echo never-printed',
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'BuildCommandFailed');
    assert.match(item.errorInfo ?? '', /line 3/);
    assert.match(item.errorInfo ?? '', /exited with code 3/);
    assert.match(item.message ?? '', /^Failed during BUILDING: line 3/);
    assert.equal(item.imageId ?? '', '');
    assert.ok(!seen.includes('SUCCESS'));
    assert.deepEqual(await describeImages(kiln.clients.v3, { imageName: `${name}_${executionId}` }), []);

    const logs = await logsContaining(kiln.app.store, executionId, 'about-to-fail');
    assert.match(logs, /--> line 3: RUN echo about-to-fail && exit 3/);
    assert.ok(logs.includes('before-the-failure'));
    assert.ok(!logs.includes('--> line 4'), 'the build stops at the failing line');
    assert.ok(!logs.includes('never-printed'));
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('USER of a user the image lacks: FAILED, UserNotFound naming the line', async () => {
    const { executionId, item } = await build(kiln.clients.v3, { buildContent: 'RUN true\nUSER no-such-user\nRUN echo unreachable' });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'UserNotFound');
    assert.match(item.errorInfo ?? '', /line 2/);
    assert.match(item.errorInfo ?? '', /no-such-user/);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('DeleteInstanceOnFailure=false keeps the failed instance and says where it is', async () => {
    const { executionId, item } = await build(kiln.clients.v3, {
      deleteInstanceOnFailure: false,
      buildContent: 'RUN echo evidence > /evidence.txt\nRUN exit 7',
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'BuildCommandFailed');
    assert.match(item.errorInfo ?? '', /line 2: .*exited with code 7/);
    assert.match(item.message ?? '', new RegExp(`intermediate instance ${executionId} was kept for inspection`));
    assert.match(item.message ?? '', new RegExp(`instances/${executionId}`));

    // Kept on purpose: it is there until someone removes it.
    const kept = await leftoversOf(kiln.config.dataDir, executionId);
    assert.ok(kept.some((l) => l.startsWith('folder ') && l.endsWith(`instances/${executionId}`)), kept.join('\n'));
    await new RuncInstanceDriver({ dataDir: kiln.config.dataDir }).reap(executionId);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('DeleteInstanceOnFailure=true (the default) releases the failed instance', async () => {
    const { executionId, item } = await build(kiln.clients.v3, { buildContent: 'RUN exit 1' });
    assert.equal(item.status, 'FAILED');
    assert.doesNotMatch(item.message ?? '', /kept/);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
