import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as messages from '../../src/domain/execution-messages/index.js';
import type { StepCounts } from '../../src/domain/build-artifact.js';
import { newAccountImage } from '../../src/domain/image.js';

/*
 * Every outcome sentence of a build comes from data, here: these pin what each says (the e2e
 * tests read the fields — Status, ErrorCode, ErrorInfo, ImageId — not this prose).
 */

const image = newAccountImage({ imageId: 'm-1', regionId: 'cn-hangzhou', accountId: '1', imageName: 'web_exec-1', size: 40, creationTime: '2026-01-01T00:00:00Z', tags: [], manifestDigest: 'sha256:00' });
const steps: StepCounts = { cacheMode: 'use', run: 3, reused: 2, perStep: [] };

test('SUCCESS names the image, the repair counts and the steps', () => {
  assert.deepEqual(messages.succeeded(image, steps, [
    { item: 'GUESTOS.A', status: 'OK', detail: '' }, { item: 'GUESTOS.B', status: 'REPAIRED', detail: '' }, { item: 'GUESTOS.C', status: 'OK', detail: '' },
  ]), { status: 'SUCCESS', message: 'Image m-1 (web_exec-1) was created. Repair: 2 OK, 1 REPAIRED. Steps: 3 step(s) run, 2 from the step cache.', imageId: 'm-1' });
  assert.equal(messages.succeeded(image, { ...steps, cacheMode: 'off', reused: 0 }, undefined).message, 'Image m-1 (web_exec-1) was created. Steps: 3 step(s) run, step cache off for this template.');
  assert.equal(messages.stepsSummary({ ...steps, cacheMode: 'refresh' }), '3 step(s) run, step cache bypassed for this execution');
  assert.equal(messages.repairSummary([]), 'Repair: no items');
});

test('PARTITION_SUCCESS: DistributionFailed, one sentence per refused target', () => {
  assert.deepEqual(messages.partiallyDistributed(image, steps, undefined, [
    { target: { regionId: 'cn-beijing' }, code: 'InvalidImageName.Duplicated', message: 'The image name web_exec-1 is already in use in the target region cn-beijing.' },
    { target: { accountId: '42' }, code: 'InvalidAccount.NotFound', message: 'the account does not exist' },
  ]), {
    status: 'PARTITION_SUCCESS',
    message: 'Image m-1 was created; distribution was partial. Steps: 3 step(s) run, 2 from the step cache.',
    errorCode: 'DistributionFailed',
    errorInfo: 'Copy to cn-beijing failed: The image name web_exec-1 is already in use in the target region cn-beijing (InvalidImageName.Duplicated). Share with account 42 failed: the account does not exist (InvalidAccount.NotFound).',
    imageId: 'm-1',
  });
});

test('TEST_FAILED keeps the image; FAILED says in which stage, the kept instance and the cached steps; CANCELLED its stage', () => {
  const failure = { code: 'BuildCommandFailed' as const, where: { phase: 'BUILDING' as const, step: 'line 3' }, info: 'line 3: the command exited with code 1.' };
  assert.deepEqual(messages.testFailed(image, { ...failure, where: { phase: 'TESTING' } }), {
    status: 'TEST_FAILED', message: 'Image m-1 was created, but its test failed.', errorCode: 'BuildCommandFailed', errorInfo: 'TestContent line 3: the command exited with code 1.', imageId: 'm-1',
  });
  assert.deepEqual(messages.buildFailed({ outcome: 'failed', failure, steps, keptInstance: { name: 'exec-1', dataDir: 'instances/exec-1' } }), {
    status: 'FAILED',
    message: 'Failed during BUILDING: line 3: the command exited with code 1. The intermediate instance exec-1 was kept for inspection (DeleteInstanceOnFailure=false): data dir instances/exec-1. Steps: 3 step(s) run, 2 from the step cache; the steps that succeeded are kept in the step cache.',
    errorCode: 'BuildCommandFailed',
    errorInfo: 'line 3: the command exited with code 1.',
  });
  assert.equal(messages.buildFailed({ outcome: 'failed', failure: { ...failure, where: { phase: 'PREPARING' } }, steps: { ...steps, run: 0, reused: 0 } }).message, 'Failed during PREPARING: line 3: the command exited with code 1.');
  assert.deepEqual(messages.registrationRefused({ code: 'QuotaExceed.ImageStorage', message: 'over the quota.' }, { ...steps, run: 0, reused: 0 }), {
    status: 'FAILED', message: 'Failed during BUILDING: over the quota.', errorCode: 'QuotaExceed.ImageStorage', errorInfo: 'over the quota.',
  });
  assert.deepEqual(messages.cancelled({ phase: 'TESTING' }), { status: 'CANCELLED', message: 'Cancelled during TESTING: the build was stopped and its resources released.' });
});
