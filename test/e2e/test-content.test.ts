import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { assertNoLeftovers, build, describeImages, logsContaining, uniqueName } from '../support/builds.js';

/*
 * TestContent runs on a fresh instance started from the new image. When it fails, the
 * execution ends TEST_FAILED: the image exists (ImageId is set, DescribeImages lists it), and
 * ErrorInfo says which test line failed and how.
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

describe('TestContent', () => {
  test('a failing test: TEST_FAILED, ImageId set and the image still described', async () => {
    const name = uniqueName('testfail');
    const { executionId, item, seen } = await build(kiln.clients.v3, {
      name, imageName: name,
      buildContent: 'RUN echo 1.0 > /version',
      testContent: 'RUN test "$(cat /version)" = 1.0 && echo version-ok\nRUN test -f /missing-file || { echo missing-file >&2; exit 4; }',
    });
    assert.equal(item.status, 'TEST_FAILED', JSON.stringify(item));
    assert.match(item.imageId ?? '', /^m-/);
    assert.equal(item.errorCode, 'BuildCommandFailed');
    assert.match(item.errorInfo ?? '', /^TestContent line 2: .*exited with code 4/);
    assert.ok(!seen.includes('SUCCESS'));

    const images = await describeImages(kiln.clients.v3, { imageId: item.imageId! });
    assert.equal(images.length, 1);
    assert.equal(images[0]!.imageName, `${name}_${executionId}`);
    assert.equal(images[0]!.status, 'Available');

    const logs = await logsContaining(kiln.app.store, executionId, 'missing-file');
    assert.ok(logs.includes('version-ok'), 'the first test line ran on the new image');
    assert.match(logs, /^\[TESTING\] /m);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
