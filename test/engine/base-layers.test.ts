import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { topmostOnce } from '../../src/engine/base-layers.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { assertNoLeftovers, build, uniqueName } from '../support/builds.js';

/*
 * The lower dirs an image's instances are made from: a layer listed twice in a manifest (every
 * step that changes nothing gives the same empty layer) is mounted once, at its topmost place;
 * overlayfs refuses a lower dir given twice.
 */

describe('topmostOnce', () => {
  test('keeps each dir once, at its topmost position, in order', () => {
    assert.deepEqual(topmostOnce(['base', 'empty', 'a', 'empty', 'b']), ['base', 'a', 'empty', 'b']);
    assert.deepEqual(topmostOnce(['x', 'x', 'x']), ['x']);
    assert.deepEqual(topmostOnce(['a', 'b']), ['a', 'b']);
    assert.deepEqual(topmostOnce([]), []);
  });
});

describe('an image with the same layer twice', () => {
  let kiln: TestKiln;
  before(async () => {
    kiln = await startKiln({ KILN_WORKERS: '1' });
  });
  after(async () => {
    await kiln?.stop();
  });

  test('two steps that change nothing, then a test instance from the image → SUCCESS', async () => {
    const name = uniqueName('same-layer');
    const { executionId, item } = await build(kiln.clients.v3, {
      name,
      buildContent: 'RUN true\nRUN echo kept > /kept\nRUN test -f /kept',
      testContent: 'RUN test "$(cat /kept)" = kept',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
