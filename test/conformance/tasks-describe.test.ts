import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { $Ecs, expectCode } from '../support/ecs-requests.js';
import { REGION } from '../support/kiln.js';
import { copy } from './support/image-requests.js';
import { BEIJING, imagesFixture } from './support/images.js';
import { cancelTask, describeTask, describeTasks, queueTask } from './support/tasks.js';

/*
 * DescribeTasks, DescribeTaskAttribute and CancelTask through the official SDK (V3 and V1) on
 * tasks no worker runs here (Waiting), CopyImage's Finished task, and their errors. The tasks'
 * progress and cancel while a handler runs: tasks-run.test.ts.
 */

const images = imagesFixture();
const { tenant, seed } = images;

describe('DescribeTasks', () => {
  test('lists the caller\'s tasks newest first, with the documented fields, filters and pages', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const first = await queueTask(images.kiln, a, { resourceId: 'm-first' });
    const second = await queueTask(images.kiln, a, { action: 'ImportImage', resourceId: 'm-second' });
    const third = await queueTask(images.kiln, a, { resourceId: 'm-third' });

    const res = await describeTasks(a.v3);
    assert.equal(res.statusCode, 200);
    const body = res.body!;
    assert.deepEqual([body.regionId, body.totalCount, body.pageNumber, body.pageSize], [REGION, 3, 1, 10]);
    assert.match(body.requestId ?? '', /^[0-9A-F-]{36}$/);
    const items = body.taskSet?.task ?? [];
    assert.deepEqual(items.map((t) => t.taskId), [third.taskId, second.taskId, first.taskId]);
    assert.ok(items[0] instanceof $Ecs.DescribeTasksResponseBodyTaskSetTask);
    assert.match(first.taskId, /^t-[0-9a-z]{20}$/);
    const t = items[2]!;
    assert.deepEqual([t.taskAction, t.taskStatus, t.supportCancel, t.resourceId, t.creationTime, t.finishedTime], ['ExportImage', 'Waiting', 'true', 'm-first', first.creationTime, undefined]);

    const ids = async (fields: Parameters<typeof describeTasks>[1], client = a.v1) => (await describeTasks(client, fields)).body?.taskSet?.task?.map((x) => x.taskId);
    assert.deepEqual(await ids({ taskAction: 'ImportImage' }), [second.taskId]);
    assert.deepEqual(await ids({ taskAction: 'RedeployInstance' }), [], 'a documented action Kiln has no task of');
    assert.deepEqual(await ids({ taskIds: `${first.taskId}, ${third.taskId}` }), [third.taskId, first.taskId]);
    assert.deepEqual(await ids({ resourceIds: ['m-second', 'm-third'] }), [third.taskId, second.taskId]);
    assert.deepEqual(await ids({ taskStatus: 'Processing' }), []);
    assert.deepEqual(await ids({ taskStatus: 'Waiting' }), [third.taskId, second.taskId, first.taskId], 'another status does not take effect (documented)');
    assert.deepEqual(await ids({ startTime: first.creationTime, endTime: third.creationTime }), [third.taskId, second.taskId, first.taskId]);
    assert.deepEqual(await ids({ startTime: '2000-01-01T00:00Z', endTime: '2000-01-02T00:00:00Z' }), []);
    const page2 = (await describeTasks(a.v3, { pageNumber: 2, pageSize: 2 })).body!;
    assert.deepEqual([page2.totalCount, page2.pageNumber, page2.pageSize], [3, 2, 2]);
    assert.deepEqual(page2.taskSet?.task?.map((x) => x.taskId), [first.taskId]);

    // Accounts are isolated, and so are regions.
    assert.deepEqual(await ids({}, b.v3), []);
    assert.deepEqual(await ids({ taskIds: first.taskId }, b.v1), []);
    assert.deepEqual(await ids({ regionId: BEIJING }), []);
    for (const t of [first, second, third]) await cancelTask(a.v3, t.taskId);
  });

  test('errors: too many ids, a time not in UTC ISO 8601, a page size over 100, an unknown region', async () => {
    const a = await tenant();
    const many = Array.from({ length: 101 }, (_, i) => `t-${String(i).padStart(20, '0')}`);
    await expectCode(() => describeTasks(a.v3, { taskIds: many.join(',') }), 'InvalidParameter', 400);
    await expectCode(() => describeTasks(a.v1, { resourceIds: many }), 'InvalidParameter', 400);
    await expectCode(() => describeTasks(a.v3, { startTime: '2020-11-23 15:10:00' }), 'InvalidParameter', 400);
    await expectCode(() => describeTasks(a.v3, { pageSize: 101 }), 'InvalidParameter.PageSize', 400);
    await expectCode(() => describeTasks(a.v3, { regionId: 'cn-nowhere' }), 'InvalidRegionId.NotFound', 404);
  });
});

describe('DescribeTaskAttribute and CancelTask on a waiting task', () => {
  test('a waiting task shows 0%; CancelTask ends it at once as Deleted; a second cancel is refused', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const t = await queueTask(images.kiln, a);
    const before = (await describeTask(a.v1, t.taskId)).body!;
    assert.deepEqual(
      [before.taskId, before.regionId, before.taskAction, before.taskStatus, before.taskProcess, before.supportCancel, before.totalCount, before.successCount, before.failedCount, before.creationTime],
      [t.taskId, REGION, 'ExportImage', 'Waiting', '0%', 'true', 1, 0, 0, t.creationTime],
    );
    assert.equal(before.operationProgressSet?.operationProgress?.[0]?.operationStatus, 'Waiting');

    // Another account's task, or one of another region, is not found.
    await expectCode(() => describeTask(b.v3, t.taskId), 'InvalidTaskId.NotFound', 400);
    await expectCode(() => describeTask(a.v3, t.taskId, BEIJING), 'InvalidTaskId.NotFound', 400);
    await expectCode(() => cancelTask(b.v1, t.taskId), 'InvalidTaskId.NotFound', 400);
    await expectCode(() => cancelTask(a.v3, 't-doesnotexist000000000'), 'InvalidTaskId.NotFound', 400);
    await expectCode(() => describeTask(a.v3, ''), 'MissingParameter.TaskId', 400);

    const res = await cancelTask(a.v1, t.taskId);
    assert.equal(res.statusCode, 200);
    assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
    const after = (await describeTask(a.v3, t.taskId)).body!;
    assert.equal(after.taskStatus, 'Deleted');
    assert.match(after.finishedTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual([after.successCount, after.failedCount], [0, 0]);
    assert.deepEqual((await describeTasks(a.v3, { taskIds: t.taskId })).body?.taskSet?.task?.map((x) => x.taskStatus), ['Deleted']);
    const again = await expectCode(() => cancelTask(a.v3, t.taskId), 'InvalidTaskId.IncorrectTaskStatus', 403);
    assert.match(String(again.data.Message), /Deleted/);
  });
});

describe('CopyImage tasks', () => {
  test('a copy is a Finished CopyImage task of the request\'s region; CopyImage answers as documented; the task cannot be cancelled', async () => {
    const a = await tenant();
    const img = await seed(a);
    const res = await copy(a.v3, { imageId: img.imageId, destinationRegionId: BEIJING, destinationImageName: 'copied-for-tasks' });
    const copyId = res.body?.imageId ?? '';
    assert.match(copyId, /^m-/);
    assert.deepEqual(Object.keys(res.body?.toMap() ?? {}).sort(), ['ImageId', 'RequestId']);

    const listed = (await describeTasks(a.v1, { taskAction: 'CopyImage' })).body!;
    assert.equal(listed.totalCount, 1);
    const t = listed.taskSet!.task![0]!;
    assert.deepEqual([t.taskAction, t.taskStatus, t.resourceId, t.supportCancel], ['CopyImage', 'Finished', copyId, 'false']);
    assert.ok(t.finishedTime);
    const attr = (await describeTask(a.v3, t.taskId!)).body!;
    assert.deepEqual([attr.taskProcess, attr.successCount, attr.failedCount], ['100%', 1, 0]);
    const op = attr.operationProgressSet?.operationProgress?.[0];
    assert.equal(op?.operationStatus, 'Success');
    assert.deepEqual(op?.relatedItemSet?.relatedItem?.map((r) => [r.name, r.value]), [['ImageId', copyId], ['SourceImageId', img.imageId], ['DestinationRegionId', BEIJING]]);
    await expectCode(() => cancelTask(a.v3, t.taskId!), 'InvalidTaskId.TaskActionNotSupport', 403);
    assert.deepEqual((await describeTasks(a.v3, { taskAction: 'CopyImage', regionId: BEIJING })).body?.totalCount, 0, 'the task is in the region the request was sent to');
  });
});
