import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartBackoff } from '../../src/main/cluster/restart-backoff.js';

test('restart delays double with each death in a row up to the cap, and start over after a quiet period', () => {
  const b = new RestartBackoff(250, 2_000, 60_000);
  assert.deepEqual([0, 10, 20, 30, 40, 50].map((t) => b.nextDelay(t)), [250, 500, 1_000, 2_000, 2_000, 2_000]);
  assert.equal(b.nextDelay(50 + 59_999), 2_000, 'not quiet long enough');
  assert.equal(b.nextDelay(50 + 59_999 + 60_000), 250, 'a death after a quiet minute starts again');
});
