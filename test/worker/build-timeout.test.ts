import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTimedOut, formatBuildLimit } from '../../src/domain/execution-messages/index.js';

/* The whole-build limit's wording (the security suite runs the limit itself on real builds). */

describe('whole-build timeout', () => {
  test('the limit reads in hours, minutes or seconds, whichever is whole', () => {
    assert.equal(formatBuildLimit(6 * 3_600_000), '6 h');
    assert.equal(formatBuildLimit(90 * 60_000), '90 min');
    assert.equal(formatBuildLimit(3_600_000 + 1000), '3601 s');
    assert.equal(formatBuildLimit(4000), '4 s');
    assert.equal(formatBuildLimit(1500), '1.5 s');
  });

  test('a stopped build ends FAILED with BuildTimeout, naming the stage and the limit', () => {
    assert.deepEqual(buildTimedOut('TESTING', 2 * 3_600_000), {
      status: 'FAILED',
      message: 'Failed during TESTING: the build ran longer than the whole-build limit (2 h) and was stopped; its intermediate instance was released.',
      errorCode: 'BuildTimeout',
      errorInfo: 'The build ran longer than 7200000 ms (KILN_BUILD_TIMEOUT_MS), counted from when a worker took it (time in the queue does not count); it was stopped during TESTING.',
    });
  });
});
