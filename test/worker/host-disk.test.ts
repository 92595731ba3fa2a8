import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insufficientHostDisk } from '../../src/domain/execution-messages/index.js';

/* What a build the host disk could never hold is told (the security suite runs admission on a real filesystem). */

const GiB = 1024 ** 3;

describe('host disk messages', () => {
  test('a disk bigger than the host can give one build: a log line and FAILED with InsufficientHostDisk, naming both sizes', () => {
    const { logLine, outcome } = insufficientHostDisk({ diskGiB: 40, ceilingBytes: 31.5 * GiB });
    assert.equal(logLine, 'SystemDiskSize 40 GiB is more than this host can give one build (31.5 GiB); the build did not start.\n');
    assert.equal(outcome.status, 'FAILED');
    assert.equal(outcome.errorCode, 'InsufficientHostDisk');
    assert.equal(outcome.message, 'Failed: SystemDiskSize 40 GiB is more than the build host can hold.');
    assert.match(outcome.errorInfo ?? '', /a 40 GiB system disk; the build host can promise at most 31\.5 GiB to one build \(the size of its data dir's filesystem, minus the reserve KILN_HOST_DISK_RESERVE_BYTES\)/);
    assert.equal(outcome.imageId, undefined);
  });

  test('a reserve larger than the filesystem reads as 0 GiB, never a negative size', () => {
    const { logLine, outcome } = insufficientHostDisk({ diskGiB: 20, ceilingBytes: -3 * GiB });
    assert.match(logLine, /\(0\.0 GiB\)/);
    assert.match(outcome.errorInfo ?? '', /at most 0\.0 GiB/);
  });
});
