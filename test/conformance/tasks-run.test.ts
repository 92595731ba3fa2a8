import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KilnError } from '../../src/domain/errors.js';
import type { TaskHandler } from '../../src/domain/task.js';
import { expectCode } from '../support/ecs-requests.js';
import { imagesFixture } from './support/images.js';
import { cancelTask, describeTask, describeTasks, queueTask, testWorker, until } from './support/tasks.js';

/*
 * Tasks while a handler runs, seen through the official SDK (V3 and V1): progress in
 * DescribeTaskAttribute, the outcome of a handler that finishes or fails, and a CancelTask that
 * reaches the handler's signal. The handlers are the test's; a task worker runs them on the
 * Kiln's store, woken the way an operation wakes the Kiln's own workers.
 */

const images = imagesFixture();
const { tenant } = images;

describe('a running task', () => {
  test('shows its progress while the handler runs, then Finished with 100% and the handler\'s result', async () => {
    const a = await tenant();
    const scripts = new Map<string, TaskHandler>();
    const worker = testWorker(images.kiln, scripts);
    try {
      let release!: () => void;
      const released = new Promise<void>((r) => { release = r; });
      const t = await queueTask(images.kiln, a, { resourceId: 'm-progress' });
      scripts.set(t.taskId, async ({ progress }) => {
        await progress(50, 'writing the qcow2 image');
        await released;
        return { result: { OSSBucket: 'exports', OSSObject: 'prefix_m-progress_t.qcow2', ImageFormat: 'qcow2', Notes: ['no bootloader: the image has no kernel'] } };
      });
      const running = await until(async () => (await describeTask(a.v3, t.taskId)).body!, (b) => b.taskProcess === '50%', '50%');
      assert.deepEqual([running.taskStatus, running.supportCancel, running.successCount, running.failedCount, running.finishedTime], ['Processing', 'true', 0, 0, undefined]);
      const op = running.operationProgressSet?.operationProgress?.[0];
      assert.equal(op?.operationStatus, 'Processing');
      assert.deepEqual(op?.relatedItemSet?.relatedItem?.map((r) => [r.name, r.value]), [['Progress', 'writing the qcow2 image']]);
      assert.deepEqual((await describeTasks(a.v1, { taskStatus: 'Processing' })).body?.taskSet?.task?.map((x) => x.taskId), [t.taskId]);

      release();
      const done = await until(async () => (await describeTask(a.v1, t.taskId)).body!, (b) => b.taskStatus === 'Finished', 'Finished');
      assert.deepEqual([done.taskProcess, done.successCount, done.failedCount, done.totalCount], ['100%', 1, 0, 1]);
      assert.match(done.finishedTime ?? '', /Z$/);
      const result = done.operationProgressSet?.operationProgress?.[0];
      assert.deepEqual([result?.operationStatus, result?.errorCode, result?.errorMsg], ['Success', '', '']);
      assert.deepEqual(result?.relatedItemSet?.relatedItem?.map((r) => [r.name, r.value]), [
        ['OSSBucket', 'exports'], ['OSSObject', 'prefix_m-progress_t.qcow2'], ['ImageFormat', 'qcow2'], ['Notes', 'no bootloader: the image has no kernel'],
      ]);
      await expectCode(() => cancelTask(a.v3, t.taskId), 'InvalidTaskId.IncorrectTaskStatus', 403);
    } finally {
      await worker.stop();
    }
  });

  test('a handler\'s KilnError ends the task Failed, its code and message in OperationProgress', async () => {
    const a = await tenant();
    const scripts = new Map<string, TaskHandler>();
    const worker = testWorker(images.kiln, scripts);
    try {
      const t = await queueTask(images.kiln, a);
      scripts.set(t.taskId, async ({ progress }) => {
        await progress(20);
        throw new KilnError('InvalidTaskId.NotFound', 'the handler refused');
      });
      const done = await until(async () => (await describeTask(a.v3, t.taskId)).body!, (b) => b.taskStatus === 'Failed', 'Failed');
      assert.deepEqual([done.taskProcess, done.successCount, done.failedCount], ['20%', 0, 1]);
      const op = done.operationProgressSet?.operationProgress?.[0];
      assert.deepEqual([op?.operationStatus, op?.errorCode, op?.errorMsg], ['Failed', 'InvalidTaskId.NotFound', 'the handler refused']);
      assert.deepEqual((await describeTasks(a.v1, { taskStatus: 'Failed' })).body?.taskSet?.task?.map((x) => x.taskId), [t.taskId]);
    } finally {
      await worker.stop();
    }
  });

  test('CancelTask aborts the handler\'s signal; the task ends Deleted', async () => {
    const a = await tenant();
    const scripts = new Map<string, TaskHandler>();
    const worker = testWorker(images.kiln, scripts);
    try {
      let reason: unknown;
      const t = await queueTask(images.kiln, a);
      scripts.set(t.taskId, async ({ progress, signal }) => {
        await progress(5, 'started');
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        reason = signal.reason;
        throw new Error('aborted');
      });
      await until(async () => (await describeTask(a.v1, t.taskId)).body!, (b) => b.taskProcess === '5%', 'running');
      assert.equal((await cancelTask(a.v1, t.taskId)).statusCode, 200);
      const done = await until(async () => (await describeTask(a.v3, t.taskId)).body!, (b) => b.taskStatus === 'Deleted', 'Deleted');
      assert.equal(reason, 'cancelled');
      assert.deepEqual([done.successCount, done.failedCount, done.taskProcess], [0, 0, '5%']);
      assert.equal(done.operationProgressSet?.operationProgress?.[0]?.operationStatus, 'Deleted');
      await expectCode(() => cancelTask(a.v3, t.taskId), 'InvalidTaskId.IncorrectTaskStatus', 403);
    } finally {
      await worker.stop();
    }
  });
});
